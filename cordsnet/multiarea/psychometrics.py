"""Psychometric fits of Fig 5's tasks, per seed, with intervals across seeds: the numbers a reader compares with the
animals'.

- **motion**: fraction correct over coherence, a Weibull from chance (0.5) to 1, ``p = 1 - 0.5 exp(-(c / alpha)^beta)``:
  the threshold ``alpha`` (the coherence at about 82% correct) and the slope ``beta`` (monkeys viewing random-dot
  motion for up to 2 s reach thresholds of a few percent to about 10% coherence: Britten et al. 1992, J Neurosci
  12:4745-4765);
- **category**: the fraction of "prototype B" choices over the morph fraction, a logistic
  ``p = 1 / (1 + exp(-(x - pse) / width))``: the point of subjective equality and the width;
- **numerosity** (report): the implied Weber fraction of the log-Gaussian reporter
  (:mod:`cordsnet.multiarea.yardstick`);
- **odr**: the fraction correct (no difficulty axis).

Fits are binomial-weighted least squares (``scipy.optimize.curve_fit`` with sigma from each condition's trials);
across seeds each parameter's mean and two-sided 95% t interval (``n - 1`` degrees of freedom; none from one seed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats
from scipy.optimize import curve_fit

from cordsnet.multiarea.yardstick import implied_sigma


def weibull(c: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    return 1.0 - 0.5 * np.exp(-np.power(np.maximum(c, 0.0) / alpha, beta))


def logistic(x: np.ndarray, pse: float, width: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x - pse) / width))


def _fit(fn, x, p, n, p0, bounds) -> list[float]:
    x, p, n = (np.asarray(v, dtype=float) for v in (x, p, n))
    sigma = np.sqrt(np.clip(p * (1 - p), 0.01, None) / np.maximum(n, 1))
    try:
        params, _ = curve_fit(fn, x, p, p0=p0, sigma=sigma, bounds=bounds, maxfev=20000)
    except (RuntimeError, ValueError):
        return [float("nan")] * len(p0)
    lo, hi = (np.asarray(b, dtype=float) for b in bounds)
    if np.any(np.isclose(params, lo, rtol=1e-3)) or np.any(np.isclose(params, hi, rtol=1e-3)):
        return [float("nan")] * len(p0)  # at a bound: the data do not determine it (e.g. a flat curve)
    return [float(v) for v in params]


def fit_seed(variant: str, conditions: dict[str, Any], max_dots: int) -> dict[str, float]:
    """One seed's parameters from its per-condition results (``per_seed[k]["conditions"]`` of a task report)."""
    x, n = conditions["values"], conditions["trials"]
    if variant == "motion":
        alpha, beta = _fit(weibull, x, conditions["accuracy"], n, (0.2, 1.5), ([1e-3, 0.2], [5.0, 10.0]))
        return {"threshold (coherence at 82% correct)": alpha, "slope (Weibull beta)": beta}
    if variant == "category":
        pse, width = _fit(logistic, x, conditions["chose_second"], n, (0.5, 0.1), ([-1.0, 1e-3], [2.0, 5.0]))
        return {"point of subjective equality (morph fraction)": pse, "width (morph fraction)": width}
    accuracy = float(np.average(conditions["accuracy"], weights=n))
    if variant == "numerosity":
        return {"implied Weber fraction": implied_sigma(accuracy, max_dots)}
    return {"fraction correct": accuracy}


def across_seeds(fits: list[dict[str, float]], confidence: float = 0.95) -> dict[str, dict[str, Any]]:
    """Each parameter's per-seed values, mean and t interval across seeds."""
    out = {}
    for name in fits[0]:
        v = np.array([f[name] for f in fits], dtype=float)
        finite = v[np.isfinite(v)]
        mean = float(finite.mean()) if len(finite) else float("nan")
        if len(finite) > 1:
            half = float(stats.t.ppf(1 - (1 - confidence) / 2, len(finite) - 1) * finite.std(ddof=1)
                         / np.sqrt(len(finite)))
            ci = [mean - half, mean + half]
        else:
            ci = None
        out[name] = {"per_seed": v.tolist(), "mean": mean, "ci": ci}
    return out


def describe(summary: dict[str, dict[str, Any]]) -> str:
    """'name mean [lo, hi]; ...' for the table."""
    parts = []
    for name, s in summary.items():
        if not np.isfinite(s["mean"]):
            parts.append(f"{name} not estimable (a flat curve or chance performance)")
            continue
        ci = "" if s["ci"] is None else f" [{s['ci'][0]:.3g}, {s['ci'][1]:.3g}]"
        parts.append(f"{name} {s['mean']:.3g}{ci}")
    return "; ".join(parts)
