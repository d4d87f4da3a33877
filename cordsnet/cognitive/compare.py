"""Comparing the solutions of two networks: the Procrustes distance between their neural trajectories (Fig 1C).

A network's trajectories on a trial set are a matrix of (conditions x time) rows and unit columns. Both matrices are
centred, projected onto their own first ``pcs`` principal components (so networks of different sizes, or with many
near-silent units, are compared on their dominant activity), scaled to unit Frobenius norm, and the first is rotated
onto the second by ``scipy.linalg.orthogonal_procrustes``. The distance is the residual ``||A R - B||_F``: 0 for
the same trajectories in any orthonormal coordinates, at most sqrt(2), symmetric in A and B, and blind to the
overall scale of activity (a stated choice: the shape of the solution, not its gain, is compared).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import orthogonal_procrustes
from sklearn.decomposition import PCA


def trajectory_matrix(rates: np.ndarray) -> np.ndarray:
    """(T, B, N) rates of one network -> ((B T), N) rows ordered condition by condition."""
    return np.transpose(rates, (1, 0, 2)).reshape(-1, rates.shape[-1])


def principal_components(x: np.ndarray, pcs: int | None) -> np.ndarray:
    """Centred ``x`` in its first ``pcs`` principal components (zero-padded if it has fewer; None keeps all units)."""
    x = x - x.mean(0, keepdims=True)
    if pcs is None:
        return x
    k = min(pcs, *x.shape)
    scores = PCA(n_components=k, svd_solver="full").fit_transform(x) if k > 0 else np.zeros((len(x), 0))
    return np.pad(scores, ((0, 0), (0, pcs - k)))


def procrustes_distance(a: np.ndarray, b: np.ndarray, pcs: int | None = 10) -> float:
    """The Procrustes distance between trajectory matrices ``a`` (P, n_a) and ``b`` (P, n_b) (module docstring)."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"trajectories on different trial sets: {a.shape[0]} vs {b.shape[0]} rows")
    if pcs is None and a.shape[1] != b.shape[1]:
        raise ValueError(f"{a.shape[1]} vs {b.shape[1]} units: give pcs to compare networks of different sizes")
    a, b = principal_components(a, pcs), principal_components(b, pcs)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return float(np.sqrt(2.0)) if na != nb else 0.0
    a, b = a / na, b / nb
    rotation, _ = orthogonal_procrustes(a, b)
    return float(np.linalg.norm(a @ rotation - b))
