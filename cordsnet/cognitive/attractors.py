"""What a MemoryPro network stores in its delay period (Fig 1D / S3): fixed points, shape and rotation to the output.

- :func:`fixed_points`: minimise the speed ``q(r) = |f(W r + W_in u + b) - r|^2 / 2`` of the delay dynamics from
  given states (Sussillo & Barak 2013), batched with Adam; ``q`` at the end says which are fixed (or slow) points.
- :func:`shape_measures`: numbers that tell a ring from a line from points, on the delay-end states of probe
  conditions (stimuli spread over the whole range, including ones between a points network's trained stimuli):
  the variance in the first principal components, whether each probe's state lies next to those of its stimulus
  neighbours (the states keep the stimulus order, in whatever dimensions the loop bends through), the closure of
  their path (the gap from the last probe's state back to the first, in median steps between neighbours: about 1
  on a ring, the whole length on a line), and the number of distinct fixed points reached from the probes
  (a continuum gives about one per probe, point attractors one per stored stimulus).
- :func:`output_alignment`: the fraction of the condition-dependent variance that lies in the readout ring's
  subspace: low in the delay, higher in the response period when the memory rotates toward the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.decomposition import PCA

from cordsnet.cognitive.networks import Integration, TaskRNN


@dataclass
class FixedPoints:
    states: np.ndarray
    """(K, N) end points of the minimisation"""
    speed: np.ndarray
    """(K,) q at the end points"""


def fixed_points(network: TaskRNN, drive: np.ndarray, init: np.ndarray, integration: Integration, steps: int = 2000,
                 lr: float = 1e-2) -> FixedPoints:
    """Minimise q from every row of ``init`` (K, N) for network 0 of ``network`` under the constant input
    ``drive`` (n_in,) (the delay period's inputs: fixation and rule)."""
    with torch.no_grad():
        w = network.weight()[0].double()
        const = (torch.as_tensor(drive, dtype=torch.float64) @ network.w_in[0].double()) + network.bias[0].double()
    r = torch.tensor(init, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([r], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)

    def speed(x: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((integration.f(x @ w.T + const) - x) ** 2).sum(1)

    for _ in range(steps):
        opt.zero_grad()
        speed(r).sum().backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        return FixedPoints(r.detach().numpy(), speed(r).numpy())


def count_clusters(points: np.ndarray, radius: float) -> int:
    """Number of groups of ``points`` whose members chain within ``radius`` (single linkage)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if len(points) < 2:
        return len(points)
    return int(fcluster(linkage(points, "single"), t=radius, criterion="distance").max())


def neighbours_kept(states: np.ndarray, circular: bool) -> float:
    """Fraction of ``states`` (K, N), in stimulus order, whose nearest other state is a stimulus neighbour (the
    next or previous one; around the circle when ``circular``): 1 for states laid out in the stimulus order."""
    d = np.linalg.norm(states[:, None] - states[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    gap = np.abs(np.argmin(d, axis=1) - np.arange(len(states)))
    return float(np.mean((gap == 1) | (circular & (gap == len(states) - 1))))


def shape_measures(delay_states: np.ndarray, fixed: FixedPoints, speed_tol: float, merge: float,
                   circular: bool = True) -> dict:
    """Ring, line and point measures of probe conditions' delay-end states (K, N) in stimulus order
    (``circular``: the probes go round a circle, as directions do; magnitudes do not).

    ``merge`` is the fraction of the states' spread (RMS distance to their centroid) within which two fixed points
    count as one; end points with speed above ``speed_tol`` are slow points, not fixed points.
    """
    pca = PCA(n_components=min(3, *delay_states.shape)).fit(delay_states)
    spread = float(np.sqrt(((delay_states - delay_states.mean(0)) ** 2).sum(1).mean()))
    steps = np.linalg.norm(np.diff(delay_states, axis=0), axis=1)
    is_fixed = fixed.speed < speed_tol
    return {
        "pc_variance": pca.explained_variance_ratio_.tolist(),
        "neighbours": neighbours_kept(delay_states, circular),
        "closure": float(np.linalg.norm(delay_states[-1] - delay_states[0]) / max(np.median(steps), 1e-12)),
        "spread": spread,
        "fixed_points": int(is_fixed.sum()),
        "distinct_fixed_points": count_clusters(fixed.states[is_fixed], merge * spread),
        "probes": len(delay_states),
        "median_speed": float(np.median(fixed.speed)),
    }


def classify(m: dict, ring_neighbours: float, ring_closure: float, line_pc1: float, max_points: int) -> str:
    """``ring``, ``line``, ``points`` or ``other`` from :func:`shape_measures` (thresholds from the config)."""
    discrete = 1 < m["distinct_fixed_points"] <= max_points and m["distinct_fixed_points"] < m["probes"] / 2
    if discrete:
        return "points"
    if m["neighbours"] >= ring_neighbours and m["closure"] <= ring_closure:
        return "ring"
    if m["pc_variance"][0] >= line_pc1:
        return "line"
    return "other"


def output_alignment(states: np.ndarray, readout: np.ndarray) -> float:
    """Fraction of the variance across conditions of ``states`` (K, N) in the span of ``readout``'s columns."""
    q, _ = np.linalg.qr(np.asarray(readout, dtype=float))
    c = np.asarray(states, dtype=float) - np.mean(states, axis=0)
    total = float((c**2).sum())
    return float(((c @ q) ** 2).sum() / total) if total > 0 else 0.0
