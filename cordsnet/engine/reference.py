"""The plain reference simulation: the update exactly as REFERENCE.md writes it, recomputing everything.

Every step recomputes the stem on the current image, every weight normalisation, every convolution, at the full
batch, for the spontaneous warm-up too; areas are updated deepest-first so each reads the previous step's state
below it. It exists to check the engine (tests: identical numbers) and to measure it (benchmarks: speed-up).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from cordsnet.models.blocks import readout_features
from cordsnet.models.cordsnet import CordsNet


def reference_simulate(model: CordsNet, schedule: Sequence[tuple[torch.Tensor | None, int]],
                       spontaneous_steps: int = 100, batch_size: int | None = None, input_noise: float = 0.0,
                       generator: torch.Generator | None = None, warmup_grad: bool = True,
                       grad_from: int | None = None) -> torch.Tensor:
    """Logits at every step of ``schedule`` (after the warm-up): T x B x classes.

    ``schedule`` is a list of (images or None for a blank, steps). Images are B x C x H x W. ``input_noise``: std
    of Gaussian noise added to the screen (image or blank) at every step of the schedule, drawn from ``generator``
    one B x C x H x W tensor per step, in the order the engine draws it (the warm-up is noiseless).
    ``warmup_grad=False`` runs the warm-up without gradients (the released training scripts). ``grad_from``: the
    states are detached before that step of the schedule (a bounded back-propagation window).
    """
    images = [x for x, _ in schedule if x is not None]
    if batch_size is None:
        batch_size = images[0].shape[0]
    ref = images[0] if images else next(model.parameters())
    c, h, w = model.arch.in_channels, model.arch.image_size, model.arch.image_size
    blank = torch.zeros(batch_size, c, h, w, dtype=ref.dtype, device=ref.device)
    states = [torch.zeros(batch_size, *shape, dtype=ref.dtype, device=ref.device) for shape in model.state_shapes()]
    with torch.set_grad_enabled(torch.is_grad_enabled() and warmup_grad):
        for _ in range(spontaneous_steps):
            states = reference_step(model, states, blank)
    logits, t = [], 0
    for stimulus, steps in schedule:
        x = blank if stimulus is None else stimulus
        for _ in range(steps):
            if t == grad_from:
                states = [r.detach() for r in states]
            t += 1
            screen = x
            if input_noise > 0:
                screen = x + input_noise * torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
            states = reference_step(model, states, screen)
            logits.append(model.readout(readout_features([torch.relu(r) for r in states])))
    return torch.stack(logits)


def reference_step(model: CordsNet, states: list[torch.Tensor], image: torch.Tensor) -> list[torch.Tensor]:
    """One Euler step of every area with ``image`` on screen: r <- (1 - alpha) r + alpha phi(pre)."""
    s = model.stem(image)
    new = list(states)
    for i in reversed(range(len(model.areas))):
        pre = model.preactivation(i, states, s)  # reads the previous step's states of the areas below
        new[i] = (1 - model.alpha) * states[i] + model.alpha * model.phi(pre)
    return new
