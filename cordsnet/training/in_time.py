"""The stages trained in time (s3-s5, both controls, the temporal analyses' models): one path, :func:`train_in_time`,
with the model's protocol and what the stage adds to the recipe (:class:`TimeTraining`) as its only differences.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from cordsnet.models import CordsNet
from cordsnet.models.build import build_cordsnet
from cordsnet.models.fcrnn import FCRNN
from cordsnet.training.context import StageContext, batch_image_steps, optimizer, selection_metrics
from cordsnet.training.evaluate import evaluate_recurrent, validation_accuracy
from cordsnet.training.graph import STAGE_TABLE
from cordsnet.training.loop import cosine_decay, stage_steps, train
from cordsnet.training.losses import ramp_loss, spontaneous_penalty
from cordsnet.training.protocol import Protocol, cordsnet_protocol, fcrnn_protocol

log = logging.getLogger("cordsnet")


def protocol_of(ctx: StageContext, model: nn.Module) -> Protocol:
    """The protocol of ``model`` (CordsNet or the FC-RNN) with this configuration's simulation and warm-up
    (``training.warmup_gradient`` matters only when gradients are on: evaluation runs without them)."""
    sim = ctx.cfg["simulation"]
    warmup_grad = ctx.cfg["training"]["warmup_gradient"]
    if isinstance(model, FCRNN):
        return fcrnn_protocol(model, sim, warmup_grad)
    return cordsnet_protocol(model, sim, warmup_grad)


@dataclass
class TimeTraining:
    """One stage trained in time: the model, how it runs the protocol, and what the stage adds to the recipe."""

    model: nn.Module
    protocol: Protocol
    penalty: bool
    """add the spontaneous penalty (after a post-stimulus blank)"""
    budget_image_steps: int | None = None
    """the controls: as many steps as this budget buys; None: the stage's own step count"""
    slope_schedule: Callable[[int], Callable[[int], float]] | None = None
    """annealing: total steps -> (step -> PReLU slope)"""
    decay_start: Callable[[int], int] = lambda steps: 0
    """total steps -> the step where ``lr_decay`` begins (annealing: the end of its slope ramp)"""
    checkpoint_extra: dict[str, Any] = field(default_factory=dict)
    metrics_extra: dict[str, Any] = field(default_factory=dict)


def set_slope(model: CordsNet, slope: float) -> None:
    """Annealing's shared PReLU slope; at 0 the model takes the ReLU path, the same function computed with less work
    (the engine skips relu(r) on non-negative states and one op per area; docs/benchmarks.md, "Exact savings")."""
    if slope == 0.0:
        model.set_nonlinearity("relu")
    else:
        model.set_nonlinearity("prelu", slope)


def train_in_time(ctx: StageContext, job: TimeTraining) -> dict[str, Any] | None:
    """s3-s5 and the controls: simulate in time, ramp loss (+ spontaneous penalty), AdamW, evaluate."""
    cfg, st = ctx.cfg, ctx.settings
    sim, tr = cfg["simulation"], cfg["training"]
    model = job.model
    data = ctx.train_data()
    per_batch = batch_image_steps(cfg, st["batch_size"], job.penalty)
    if job.budget_image_steps is not None:
        steps = max(1, job.budget_image_steps // per_batch)
    else:
        steps = stage_steps(data.n, st)
    slope = job.slope_schedule(steps) if job.slope_schedule is not None else None
    opt = optimizer(model.parameters(), st)
    scheduler = cosine_decay(steps, job.decay_start(steps)) if st["lr_decay"] == "cosine" else None
    window, ramp = sim["readout_steps"], tuple(tr["loss_ramp"])

    def loss_fn(step, x, y):
        if slope is not None:
            set_slope(model, slope(step))
        out = job.protocol(x, job.penalty)
        loss = ramp_loss(out.logits, y, window, ramp)
        metrics = {"acc": float((out.logits[-1].argmax(1) == y).float().mean())}
        if job.penalty:
            pen = (spontaneous_penalty(out.recorded, out.spontaneous, tr["penalty_reduce"]) if out.recorded
                   else torch.zeros(()))
            loss = loss + tr["spontaneous_weight"] * pen
            metrics["spont"] = float(pen.detach())
        if slope is not None:
            metrics["slope"] = float(model.slope)
        return loss, metrics

    extra = restore = None
    if isinstance(model, CordsNet):
        def extra():
            return {"slope": float(model.slope), "nonlinearity": model.nonlinearity}

        def restore(state):
            if state.get("nonlinearity") == "prelu":
                model.set_nonlinearity("prelu", state["slope"])

    val = ctx.val_data()

    def validate() -> float:
        return validation_accuracy(job.protocol, val, cfg, model)

    # annealing: only states trained at the final slope (ReLU) may be kept
    eligible = None if slope is None else (lambda step: step > 0 and slope(step - 1) == 0.0)
    start = ctx.predecessor_metrics()["val_accuracy"] if STAGE_TABLE[ctx.stage].same_start else None
    res = train(model, opt, data, ctx.loop(steps), loss_fn, scheduler=scheduler, extra_state=extra,
                restore_extra=restore, stop_after=ctx.stop_after, validate=validate, eligible=eligible,
                start_score=start)
    if res.steps < steps:
        return None
    if slope is not None:
        model.set_nonlinearity("relu")
    selection = selection_metrics(res, len(val))
    if res.best_state is not None:
        model.load_state_dict(res.best_state)
    else:  # no evaluated state was eligible (annealing too short to reach slope 0 before its end): the final one
        log.warning("%s: no validation-scored state was eligible; keeping the final (ReLU) state", ctx.desc)
        selection.update(val_accuracy=validate(), selected_step=steps,
                         selection="the final state (no evaluated state was eligible)")
    ev = evaluate_recurrent(job.protocol, ctx.test_data(), cfg, model)
    predictions = ev.pop("predictions")
    metrics = ctx.metrics(**ev, **selection, steps=steps, image_steps=steps * per_batch, history=res.history,
                          **job.metrics_extra)
    state = {"model": model.state_dict(), **job.checkpoint_extra}
    if isinstance(model, CordsNet):
        metrics["nonlinearity"] = state["nonlinearity"] = model.nonlinearity
    return ctx.final(state, metrics, predictions)


def load_cordsnet(ctx: StageContext, nonlinearity: str, slope: float | None = None) -> CordsNet:
    """The predecessor's CordsNet, with the area nonlinearity this stage trains."""
    model = build_cordsnet(ctx.cfg, ctx.dataset, ctx.depth)
    model.load_state_dict(ctx.load_predecessor()["model"])
    model.set_nonlinearity(nonlinearity, slope)
    return model
