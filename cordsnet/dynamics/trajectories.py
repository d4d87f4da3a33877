"""Low-dimensional views of an area's activity over time (Fig 4C: autonomous inference)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.decomposition import PCA


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
    from cordsnet.engine import simulate

    area = model.depth - 1 if area is None else area
    schedule = [(images, stimulus_steps)] + ([(None, blank_steps)] if blank_steps else [])
    with torch.inference_mode():
        out = simulate(model, schedule, spontaneous_steps=spontaneous_steps, record=[area])
    return project_trajectories(out.states[area], n_components)
