"""A trained network's activity over time as regression features (Fig 6), and the time-invariant baselines.

``area_time_courses`` presents each image under the simulation protocol with the engine: the cached spontaneous
state (what the network does before onset, the "pre-onset" steps), the image on for ``on_steps`` steps, then a blank
screen for ``off_steps``; it keeps each recorded area's rectified activity at every step, average-pooled to
``pool`` x ``pool`` positions per channel (the regression sees channels x pool^2 features, not the whole map: at
224 px a map has thousands of positions). The time-invariant controls are one set of features per image held
constant over time: CordsNet's own steady state at the end of its trained window (:func:`steady_state_features`) or
the CNN counterpart's single pass (:func:`cnn_features`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from cordsnet.engine import simulate
from cordsnet.engine.pooling import pooled


@dataclass
class TimeCourses:
    """``steps[area]``: (steps, images, features) after onset; ``spontaneous[area]``: (features,) before it."""

    steps: dict[int, np.ndarray]
    spontaneous: dict[int, np.ndarray]

    def with_pre_onset(self, area: int, pre_steps: int) -> np.ndarray:
        """(pre_steps + steps, images, features): ``pre_steps`` copies of the spontaneous state, then the response
        (the spontaneous state is stationary, so the copies are what simulating a blank screen would give)."""
        after = self.steps[area]
        before = np.broadcast_to(self.spontaneous[area], (pre_steps, after.shape[1], after.shape[2]))
        return np.concatenate([before, after])


def area_time_courses(model: nn.Module, images: torch.Tensor, on_steps: int, areas: list[int],
                      spontaneous_steps: int, off_steps: int = 0, pool: int = 2,
                      batch_size: int = 100) -> TimeCourses:
    """The rectified, pooled activity of ``areas`` of ``model`` (a CordsNet) at every step after onset."""
    device = next(model.parameters()).device
    out: dict[int, list[np.ndarray]] = {a: [] for a in areas}
    spont: dict[int, np.ndarray] = {}
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            x = images[start: start + batch_size].to(device)
            schedule = [(x, on_steps)] + ([(None, off_steps)] if off_steps else [])
            res = simulate(model, schedule, spontaneous_steps=spontaneous_steps, record=areas)
            for a in areas:
                out[a].append(pooled(res.states[a], pool))
                spont[a] = pooled(res.spontaneous[a], pool)[0]
    return TimeCourses({a: np.concatenate(v, axis=1) for a, v in out.items()}, spont)


def steady_state_features(model: nn.Module, images: torch.Tensor, steps: int, areas: list[int],
                          spontaneous_steps: int, pool: int = 2, batch_size: int = 100) -> dict[int, np.ndarray]:
    """{area: (images, features)}: CordsNet's state after ``steps`` steps of the image (its trained window's end)."""
    courses = area_time_courses(model, images, steps, areas, spontaneous_steps, pool=pool, batch_size=batch_size)
    return {a: v[-1] for a, v in courses.steps.items()}


def cnn_features(cnn: nn.Module, images: torch.Tensor, areas: list[int], pool: int = 2,
                 batch_size: int = 100) -> dict[int, np.ndarray]:
    """{area: (images, features)}: the CNN counterpart's area outputs (one pass, no time), pooled as above."""
    device = next(cnn.parameters()).device
    out: dict[int, list[np.ndarray]] = {a: [] for a in areas}
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            _, _, acts = cnn.features(images[start: start + batch_size].to(device))
            for a in areas:
                out[a].append(pooled(acts[a], pool))
    return {a: np.concatenate(v) for a, v in out.items()}


def held_constant(features: np.ndarray, bins: int) -> np.ndarray:
    """(bins, images, F) copies of one time point's ``features`` (images, F): the time-invariant baseline."""
    return np.repeat(np.asarray(features)[None], bins, axis=0)
