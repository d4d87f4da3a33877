"""The decoding ladder of Fig 5 (issue: where is number lost?): how well a linear read-out recovers each task's
variable from every stage of the pipeline, on the same test trials.

Stages, in the order the information flows: the **pixels** of the stimulus period's frames, each **front-end area**
(CordsNet's trained areas, averaged over the stimulus period, pooled as the downstream network sees them), and the
downstream network's **association** and **motor** areas (their rates averaged over the last 100 ms before the go
cue). The variable is the task's answer (numerosity: the number of dots; category: the prototype; ODR: the cue
location; motion: the direction). Each decoder is scikit-learn's ``LogisticRegressionCV`` on standardised features,
scored by stratified K-fold cross-validation over the test trials; the accuracy has its exact (Clopper-Pearson) 95%
interval. A stage below its predecessor by more than their intervals is where the information is lost.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from statsmodels.stats.proportion import proportion_confint


def decode(features: np.ndarray, labels: np.ndarray, folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """Cross-validated accuracy of a linear read-out of ``labels`` from ``features`` (trials x features): every
    trial predicted by a decoder that did not see it, the regularisation chosen inside each training fold."""
    labels = np.asarray(labels)
    counts = np.bincount(np.unique(labels, return_inverse=True)[1])
    k = int(min(folds, counts.min()))
    if k < 2:
        raise ValueError(f"decoding needs at least 2 trials of every class, got {counts.tolist()}")
    x = np.asarray(features, dtype=np.float64).reshape(len(labels), -1)
    model = make_pipeline(StandardScaler(), LogisticRegressionCV(Cs=5, cv=min(3, k), max_iter=500, scoring="accuracy",
                                                                 l1_ratios=(0.0,), use_legacy_attributes=False))
    predicted = cross_val_predict(model, x, labels, cv=StratifiedKFold(k, shuffle=True, random_state=seed))
    correct = int((predicted == labels).sum())
    lo, hi = proportion_confint(correct, len(labels), alpha=0.05, method="beta")
    return {"accuracy": correct / len(labels), "ci": [float(lo), float(hi)], "trials": int(len(labels)),
            "features": int(x.shape[1]), "folds": k}


def window_mean(series: np.ndarray, start_ms: float, end_ms: float, dt_ms: float) -> np.ndarray:
    """(trials, steps, features) averaged over the steps in [start_ms, end_ms) of a trial (at least one step)."""
    a = int(start_ms // dt_ms)
    b = max(a + 1, int(round(end_ms / dt_ms)))
    return series[:, a:b].mean(1)


def ladder(frames: np.ndarray, segment_ms: list[float], front: dict[str, np.ndarray], downstream: dict[str, np.ndarray],
           labels: np.ndarray, periods: dict[str, tuple[float, float]], go_ms: float, dt_ms: float,
           folds: int = 5, seed: int = 0) -> list[dict[str, Any]]:
    """The ladder's rows: pixels, then every front-end area (``front``: name -> trials x steps x features), then the
    downstream areas (``downstream``: name -> trials x steps x units), each decoded for ``labels``."""
    start, end = periods["stimulus"]
    onsets = np.cumsum([0.0] + list(segment_ms[:-1]))
    shown = [k for k, t in enumerate(onsets) if start <= t < end] or [int(np.searchsorted(onsets, start))]
    stages = [("pixels", frames[:, shown].reshape(len(frames), -1))]
    stages += [(name, window_mean(f, start, end, dt_ms)) for name, f in front.items()]
    stages += [(name, window_mean(r, max(0.0, go_ms - 100.0), go_ms, dt_ms)) for name, r in downstream.items()]
    return [{"stage": name, **decode(x, labels, folds, seed)} for name, x in stages]


def split_areas(features: np.ndarray, channels: list[int], names: list[str]) -> dict[str, np.ndarray]:
    """The front end's concatenated features (trials x steps x sum of ``channels``) cut back into its areas."""
    if sum(channels) != features.shape[-1]:
        raise ValueError(f"{features.shape[-1]} features are not the areas' {channels}")
    edges = np.cumsum([0, *channels])
    return {n: features[..., a:b] for n, a, b in zip(names, edges[:-1], edges[1:], strict=True)}
