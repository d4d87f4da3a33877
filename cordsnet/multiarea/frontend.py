"""The frozen CordsNet as the visual front end (Fig 5): its responses to a bank of trials, computed once.

Each trial's frames are shown to the trained model in continuous time through the engine (its cached spontaneous
state first, then every segment for its duration at the model's own step, dt = alpha x tau, 2 ms at tau = 10 ms).
The chosen areas' rectified activity, average-pooled to a few positions per channel, is averaged again over each
step of the downstream network (20 ms = 10 front-end steps) and concatenated over areas: the downstream network
reads (trials, steps, channels). Because the front end is frozen, a bank's features are computed once and reused by
every seed and every training step (the gain is measured in docs/multiarea.md).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from cordsnet.engine import simulate
from cordsnet.engine.pooling import pooled


class FrontEndError(ValueError):
    """A front end that cannot see the stimuli as rendered; the message names the setting and the fix."""


def check_format(model: nn.Module, channels: int, size: int, where: str) -> None:
    """The front end must take the images the renderers draw: ``channels`` x ``size`` x ``size``."""
    got = (model.arch.in_channels, model.arch.image_size)
    if got != (channels, size):
        raise FrontEndError(f"{where}: the front end takes {got[0]}-channel {got[1]} px images but the stimuli are "
                            f"drawn for {channels}-channel {size} px: choose a front end trained on the dataset "
                            "whose format the stimuli use (multiarea.frontend.dataset)")


def to_input(frames: np.ndarray, channels: int, mean, std) -> torch.Tensor:
    """(B, H, W) raw [0, 1] images as the model's normalised (B, channels, H, W) input."""
    x = torch.from_numpy(np.ascontiguousarray(frames, dtype=np.float32))[:, None].expand(-1, channels, -1, -1)
    m = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    return (x - m) / s


def segment_steps(segment_ms: list[float], dt_ms: float) -> list[int]:
    steps = [round(ms / dt_ms) for ms in segment_ms]
    if any(abs(s * dt_ms - ms) > 1e-6 for s, ms in zip(steps, segment_ms, strict=True)) or min(steps) < 1:
        raise FrontEndError(f"segment durations {segment_ms} ms are not whole multiples of the front end's step "
                            f"{dt_ms:g} ms: choose period durations (multiarea.periods_ms) that are")
    return steps


def bank_features(model: nn.Module, frames: np.ndarray, segment_ms: list[float], dt_ms: float, pool_steps: int,
                  areas: list[int], spontaneous_steps: int, mean, std, batch_size: int = 32,
                  pool: int = 1) -> np.ndarray:
    """(trials, downstream steps, features): the front end's responses to a bank's ``frames`` (trials, segments,
    H, W), average-pooled to ``pool`` x ``pool`` positions per channel and over every ``pool_steps`` of its own
    steps."""
    steps = segment_steps(segment_ms, dt_ms)
    total = sum(steps)
    if total % pool_steps:
        raise FrontEndError(f"a trial of {total} front-end steps is not a whole number of downstream steps of "
                            f"{pool_steps}: make the periods multiples of multiarea.dt_ms")
    device = next(model.parameters()).device
    channels = model.arch.in_channels
    out = []
    with torch.no_grad():
        for start in range(0, len(frames), batch_size):
            chunk = frames[start: start + batch_size]
            schedule = [(to_input(chunk[:, k], channels, mean, std).to(device), s) for k, s in enumerate(steps)]
            res = simulate(model, schedule, spontaneous_steps=spontaneous_steps, record=areas)
            feats = np.concatenate([pooled(res.states[a], pool) for a in areas], axis=2)  # (steps, B, C x pool^2)
            feats = feats.reshape(total // pool_steps, pool_steps, *feats.shape[1:]).mean(1)
            out.append(feats.transpose(1, 0, 2))
    return np.concatenate(out)
