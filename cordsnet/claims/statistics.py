"""Paired statistics for the scorecard: two models scored on the same images, over seeds.

Declared before any number (docs/claims.md, "Statistics"):

- **The estimate** of a difference between models A and B is the mean over seeds and images of the per-image
  difference of their correctness (in points: x 100).
- **Its standard error** has an image term and a seed term: ``SE^2 = Var_images(d_i) / N + Var_seeds(d_s) / S``,
  where ``d_i`` is image i's difference averaged over seeds and ``d_s`` seed s's difference averaged over images.
  The images are shared by every seed, so the image term is paired; the seed term is what retraining moves. A row
  with one seed has no seed variance of its own: it takes a declared one (``seed_variance``, e.g. pooled from the
  rows that have seeds), never 0. Degrees of freedom by Welch-Satterthwaite, so that few seeds widen the interval.
- **The interval** is the two-sided ``confidence`` interval of the t distribution with those degrees of freedom.
- **The detectable difference** is the distance from the margin the row would detect with probability ``power``:
  ``(t_{1 - alpha/2} + t_{power}) x SE``.
- **A verdict** against a margin: a row *clears* the margin when its one-sided p-value of "difference <= margin",
  Holm-corrected over the claim's rows, is below ``alpha / 2``, and is *on the wrong side* when the p-value of
  "difference >= margin", Holm-corrected, is. The claim holds when every row clears, fails when any row is on the
  wrong side, otherwise is not resolved (and states what it could have detected).

McNemar's exact test (statsmodels) is the single-seed check of a paired difference on the same images.
Calibrated on simulated correctness with known truth (tests/claims/test_statistics.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

from cordsnet.claims.verdicts import FAILS, HOLDS, MISSING, UNRESOLVED


@dataclass(frozen=True)
class PairedDifference:
    """A - B on the same images over seeds, in points."""

    estimate: float
    se: float
    df: float
    ci: tuple[float, float]
    detectable: float
    """the smallest distance from the margin detected with probability ``power`` at this SE"""
    seeds: int
    images: int
    seed_variance: float
    """Var_seeds of the per-seed difference (points^2): measured, or the declared one of a one-seed row"""

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def welch(v_img: float, images: int, var_seed: float, seeds: int) -> tuple[float, float]:
    """(SE, Welch-Satterthwaite df) of a difference with image term ``v_img`` (its variance over ``images``,
    already divided by them) and seed variance ``var_seed`` over ``seeds``. A one-seed row's declared seed variance
    counts with the df it was pooled with (taken as 2: few seeds)."""
    v_seed = var_seed / seeds
    df_seed = (seeds - 1) if seeds > 1 else 2
    denom = (v_img ** 2) / max(images - 1, 1) + (v_seed ** 2) / df_seed
    df = float((v_img + v_seed) ** 2 / denom) if denom > 0 else float(images - 1)
    return float(np.sqrt(v_img + v_seed)), df


def interval(estimate: float, se: float, df: float, confidence: float, power: float
             ) -> tuple[tuple[float, float], float]:
    """(the two-sided ``confidence`` t interval, the distance from a margin detected with probability ``power``)."""
    t = stats.t.ppf(1 - (1 - confidence) / 2, df)
    return (estimate - t * se, estimate + t * se), float((t + stats.t.ppf(power, df)) * se)


def paired_difference(a: np.ndarray, b: np.ndarray, confidence: float = 0.95, power: float = 0.8,
                      seed_variance: float | None = None) -> PairedDifference:
    """``a``, ``b``: correctness (0/1), seeds x images, the same images in the same order for both.

    ``seed_variance`` (points^2) stands in for the seed term of a one-seed row; with several seeds the measured one
    is used."""
    a, b = np.atleast_2d(np.asarray(a, dtype=float)), np.atleast_2d(np.asarray(b, dtype=float))
    if a.shape != b.shape:
        raise ValueError(f"paired scores need the same seeds x images: {a.shape} vs {b.shape}")
    s, n = a.shape
    d = 100.0 * (a - b)
    per_image, per_seed = d.mean(axis=0), d.mean(axis=1)
    v_img = per_image.var(ddof=1) / n
    if s > 1:
        var_seed = float(per_seed.var(ddof=1))
    elif seed_variance is not None:
        var_seed = float(seed_variance)
    else:
        raise ValueError("a one-seed row needs a declared seed_variance (e.g. pooled from the rows with seeds)")
    se, df = welch(v_img, n, var_seed, s)
    est = float(d.mean())
    ci, detectable = interval(est, se, df, confidence, power)
    return PairedDifference(est, se, df, ci, detectable, s, n, var_seed)


def unit_difference(d: Sequence[float], confidence: float = 0.95, power: float = 0.8) -> PairedDifference:
    """A difference measured once per independent unit (e.g. per seed: C8's Procrustes distances): its mean, the
    t interval with ``len(d) - 1`` degrees of freedom and the detectable difference. ``images`` is 0 (no image
    term)."""
    d = np.asarray(d, dtype=float)
    if len(d) < 2:
        raise ValueError("an interval over units needs at least two of them (e.g. cognitive.seeds >= 2)")
    se, df = float(d.std(ddof=1) / np.sqrt(len(d))), float(len(d) - 1)
    est = float(d.mean())
    ci, detectable = interval(est, se, df, confidence, power)
    return PairedDifference(est, se, df, ci, detectable, len(d), 0, float(d.var(ddof=1)))


def mcnemar_p(a: Sequence[bool], b: Sequence[bool]) -> float:
    """McNemar's exact p-value of two models' correctness on the same images (one seed)."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    table = [[int(np.sum(a & b)), int(np.sum(a & ~b))], [int(np.sum(~a & b)), int(np.sum(~a & ~b))]]
    return float(mcnemar(table, exact=True).pvalue)


def share_verdict(k: int, n: int, threshold: float, confidence: float = 0.95) -> tuple[str, tuple[float, float]]:
    """A share that should be at least ``threshold``: holds when its exact (Clopper-Pearson) ``confidence`` interval
    lies wholly at or above it, fails when wholly below, otherwise not resolved; and the interval."""
    if n == 0:
        return MISSING, (float("nan"), float("nan"))
    lo, hi = proportion_confint(k, n, alpha=1 - confidence, method="beta")
    lo, hi = float(np.nan_to_num(lo, nan=0.0)), float(np.nan_to_num(hi, nan=1.0))
    return (HOLDS if lo >= threshold else FAILS if hi < threshold else UNRESOLVED), (lo, hi)


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (what ``statsmodels.stats.multitest.multipletests(method="holm")``
    returns, checked in the tests; written out because that call costs 0.1 s and the calibration runs thousands)."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p)
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out


@dataclass(frozen=True)
class Decision:
    verdict: str
    rows: list[dict]
    """per row: the difference, its p-values against the margin (raw and Holm-corrected), cleared / wrong side"""


def decide(rows: Sequence[PairedDifference], margin: float, alpha: float = 0.05) -> Decision:
    """The verdict of a claim that each row's difference exceeds ``margin`` (points; 0 for "better", minus the
    non-inferiority margin for "comparable"), Holm-corrected over its rows (see the module's docstring)."""
    if not rows:
        return Decision(MISSING, [])
    z = np.array([(r.estimate - margin) / r.se if r.se > 0 else np.sign(r.estimate - margin) * np.inf for r in rows])
    dfs = np.array([r.df for r in rows])
    p_clear = stats.t.sf(z, dfs)  # H0: difference <= margin
    p_wrong = stats.t.cdf(z, dfs)  # H0: difference >= margin
    adj_clear, adj_wrong = holm(p_clear), holm(p_wrong)
    out = []
    for r, pc, ac, pw, aw in zip(rows, p_clear, adj_clear, p_wrong, adj_wrong, strict=True):
        out.append({**r.as_dict(), "margin": margin, "p_clear": float(pc), "p_clear_holm": float(ac),
                    "p_wrong": float(pw), "p_wrong_holm": float(aw), "cleared": bool(ac < alpha / 2),
                    "wrong_side": bool(aw < alpha / 2)})
    if any(o["wrong_side"] for o in out):
        return Decision(FAILS, out)
    return Decision(HOLDS if all(o["cleared"] for o in out) else UNRESOLVED, out)
