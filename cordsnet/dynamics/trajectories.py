"""A trained network held on its stimulus (Fig 4B: steady-state vs transient solutions, and the ablation's labels),
and low-dimensional views of an area's activity over time (Fig 4C: autonomous inference)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from sklearn.decomposition import PCA

from cordsnet.engine import simulate
from cordsnet.models import CordsNet


@dataclass
class TrajectoryProjection:
    projections: np.ndarray
    """images x time x components"""
    explained_variance_ratio: np.ndarray
    components: np.ndarray
    mean: np.ndarray


def project_trajectories(states: torch.Tensor, n_components: int = 2) -> TrajectoryProjection:
    """PCA of recorded states (T x B x C x H x W, or T x B x n) fitted on all images and times together.

    One common basis for every image, so trajectories are comparable: images of different classes should end at
    different places.
    """
    T, B = states.shape[:2]
    X = states.reshape(T, B, -1).permute(1, 0, 2).reshape(B * T, -1).double().numpy()
    if n_components > min(X.shape):
        raise ValueError(f"n_components={n_components} exceeds min(samples, units) = {min(X.shape)}")
    pca = PCA(n_components=n_components, svd_solver="full" if X.shape[1] <= 4096 else "randomized", random_state=0)
    proj = pca.fit_transform(X).reshape(B, T, n_components)
    return TrajectoryProjection(proj, pca.explained_variance_ratio_, pca.components_, pca.mean_)


def simulate_trajectories(model, images: torch.Tensor, area: int | None = None, stimulus_steps: int = 100,
                          spontaneous_steps: int = 100, blank_steps: int = 0, n_components: int = 2,
                          ) -> TrajectoryProjection:
    """Simulate ``images`` (B x C x H x W) and project the trajectories of ``area`` (default: the last)."""
    area = model.depth - 1 if area is None else area
    schedule = [(images, stimulus_steps)] + ([(None, blank_steps)] if blank_steps else [])
    with torch.inference_mode():
        out = simulate(model, schedule, spontaneous_steps=spontaneous_steps, record=[area])
    return project_trajectories(out.states[area], n_components)


@torch.inference_mode()
def hold_analysis(model: CordsNet, images: torch.Tensor, labels: torch.Tensor, window_end: int, readout_steps: int,
                  hold_steps: int, spontaneous_steps: int, batch_size: int = 50) -> dict[str, Any]:
    """Simulate with the image on for ``hold_steps``: accuracy at every step, in the trained window (ending at
    ``window_end``) and in the same-length window at the end; the fraction of images whose class is the same in
    both; each area's relative distance between its state at the window's end and at the end; mean activity per
    area over time; and the states (of the first image) at both moments for the linearisation."""
    if not readout_steps <= window_end <= hold_steps:
        raise ValueError(f"the readout window must lie within the stimulus: need readout_steps ({readout_steps}) <= "
                         f"window end ({window_end}) <= temporal.hold_steps ({hold_steps}); raise hold_steps")
    per_step = torch.zeros(hold_steps)
    win_correct = end_correct = kept = 0
    drift = torch.zeros(model.depth)
    activity = torch.zeros(hold_steps, model.depth)
    first: dict[str, list[torch.Tensor]] = {}
    dev = next(model.parameters()).device
    for start in range(0, len(images), batch_size):
        x, y = images[start: start + batch_size].to(dev), labels[start: start + batch_size].to(dev)
        out = simulate(model, [(x, hold_steps)], spontaneous_steps=spontaneous_steps,
                       record=list(range(model.depth)))
        lg = out.logits
        win = lg[window_end - readout_steps: window_end].mean(0).argmax(1)
        end = lg[-readout_steps:].mean(0).argmax(1)
        per_step += (lg.argmax(2) == y).float().sum(1).cpu()
        win_correct += int((win == y).sum())
        end_correct += int((end == y).sum())
        kept += int((win == end).sum())
        for i in range(model.depth):
            st = out.states[i]
            a, b = st[window_end - 1].flatten(1), st[-1].flatten(1)
            drift[i] += ((b - a).norm(dim=1) / a.norm(dim=1).clamp_min(1e-12)).sum().cpu()
            activity[:, i] += torch.relu(st).flatten(2).mean(2).sum(1).cpu()
        if not first:
            first = {"window": [out.states[i][window_end - 1, :1].clone() for i in range(model.depth)],
                     "end": [out.states[i][-1, :1].clone() for i in range(model.depth)], "image": x[:1].clone()}
    n = len(labels)
    return {"per_step_accuracy": (per_step / n).numpy(), "window_accuracy": win_correct / n,
            "end_accuracy": end_correct / n, "answer_kept": kept / n, "state_drift": (drift / n).tolist(),
            "activity": (activity / n).numpy(), "first": first, "images": n}
