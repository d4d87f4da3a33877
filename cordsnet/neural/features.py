"""A trained network's activity over time as regression features (Fig 6), and the time-invariant baseline.

``area_time_courses`` presents each image under the simulation protocol (the cached spontaneous state, then the
image on for ``steps`` steps) with the engine and keeps each recorded area's rectified activity at every step,
average-pooled to ``pool`` x ``pool`` positions per channel (the regression sees channels x pool^2 features, not the
whole map: at 224 px a map has thousands of positions). ``held_constant`` is the time-invariant control: one time
point's features (e.g. the steady state at the end of the window, or a CNN's single pass) at every bin.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from cordsnet.engine import simulate


def area_time_courses(model: nn.Module, images: torch.Tensor, steps: int, areas: list[int], spontaneous_steps: int,
                      pool: int = 2, batch_size: int = 100) -> dict[int, np.ndarray]:
    """{area: (steps, images, channels * pool^2)} rectified, pooled activity of ``model`` (a CordsNet)."""
    device = next(model.parameters()).device
    out: dict[int, list[np.ndarray]] = {a: [] for a in areas}
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            x = images[start: start + batch_size].to(device)
            res = simulate(model, [(x, steps)], spontaneous_steps=spontaneous_steps, record=areas)
            for a in areas:
                st = torch.relu(res.states[a])  # (steps, B, C, H, W)
                t, b = st.shape[:2]
                pooled = nn.functional.adaptive_avg_pool2d(st.flatten(0, 1), pool).reshape(t, b, -1)
                out[a].append(pooled.cpu().numpy())
    return {a: np.concatenate(v, axis=1) for a, v in out.items()}


def held_constant(features: np.ndarray, bins: int) -> np.ndarray:
    """(bins, images, F) copies of one time point's ``features`` (images, F): the time-invariant baseline."""
    return np.repeat(np.asarray(features)[None], bins, axis=0)
