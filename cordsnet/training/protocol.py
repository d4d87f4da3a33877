"""The protocol a recurrent model is trained and scored under: warm-up (spontaneous steps), the image for
``simulation.stimulus_steps``, and, for the spontaneous penalty, a post-stimulus blank. CordsNet and the FC-RNN
each have theirs; the loss, the penalty and evaluation read only their :class:`ProtocolOutput`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from cordsnet.engine import simulate
from cordsnet.models import CordsNet
from cordsnet.models.fcrnn import FCRNN


@dataclass
class ProtocolOutput:
    logits: torch.Tensor
    """T x B x classes over the stimulus steps; with gradients (training), over the readout window only"""
    recorded: dict[int, torch.Tensor]
    """area -> the states of the last ``penalty_steps`` post-stimulus steps (empty without the penalty)"""
    spontaneous: list[torch.Tensor]
    """each area's spontaneous state (batch 1)"""


Protocol = Callable[[torch.Tensor | None, bool], ProtocolOutput]
"""(images, with the post-stimulus blank for the penalty?) -> the protocol's outputs. With images None, only the
logits are asked for (evaluation passes images always)."""


def cordsnet_protocol(model: CordsNet, sim: dict[str, Any], warmup_grad: bool = True) -> Protocol:
    """CordsNet under the protocol: warm-up, image for ``stimulus_steps``, then (for the penalty) a blank. With
    gradients (training) only the readout window is read out: the loss reads nothing else, and evaluation, which
    reads every step, runs without gradients."""

    def run(x: torch.Tensor, post: bool) -> ProtocolOutput:
        post = post and sim["post_stimulus_steps"] > 0
        schedule = [(x, sim["stimulus_steps"])] + ([(None, sim["post_stimulus_steps"])] if post else [])
        total = sim["stimulus_steps"] + (sim["post_stimulus_steps"] if post else 0)
        window = (slice(sim["stimulus_steps"] - sim["readout_steps"], sim["stimulus_steps"])
                  if torch.is_grad_enabled() else None)
        out = simulate(model, schedule, spontaneous_steps=sim["spontaneous_steps"], precision=_precision(sim),
                       record=list(range(model.depth)) if post else [],
                       record_steps=slice(total - sim["penalty_steps"], total), warmup_grad=warmup_grad,
                       readout_steps=window)
        return ProtocolOutput(out.logits[: sim["stimulus_steps"]], out.states, out.spontaneous)

    return run


def fcrnn_protocol(model: FCRNN, sim: dict[str, Any], warmup_grad: bool = True) -> Protocol:
    """The fully-connected RNN under the same protocol (one 'area': its hidden state)."""

    def run(x: torch.Tensor, post: bool) -> ProtocolOutput:
        post_steps = sim["post_stimulus_steps"] if post else 0
        logits, states, spont = model.simulate(x, sim["stimulus_steps"], sim["spontaneous_steps"], post_steps,
                                               warmup_grad=warmup_grad)
        recorded = {0: states[-sim["penalty_steps"]:]} if post_steps else {}
        return ProtocolOutput(logits[: sim["stimulus_steps"]], recorded, [spont])

    return run


def _precision(sim: dict[str, Any]) -> str:
    """``simulation.precision`` applies to inference only: training simulates in fp32."""
    return sim["precision"] if not torch.is_grad_enabled() else "fp32"


