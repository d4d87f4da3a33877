"""Table 1's accuracy claims (C1-C3) as paired comparisons: two stages of a row scored on the same test images, over
the row's seeds, from the per-image predictions every model writes (``predictions.npy``, listed per stage and seed in
``tables/table1.json``).

Per row: the correctness matrices (seeds x images) of the two stages, checked to cover the same images in the same
order, turned into a :class:`~cordsnet.claims.statistics.PairedDifference`. A row with one seed takes the seed
variance pooled over the claim's rows that have seeds (the mean of their per-seed variances), or
``claims.seed_variance`` where no row has seeds. The claim's verdict is :func:`~cordsnet.claims.statistics.decide`
over its primary rows (``claims.primary_datasets`` x ``claims.primary_depths``), Holm-corrected; the other rows are
reported with their intervals and do not vote.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from cordsnet.claims.statistics import PairedDifference, decide, paired_difference
from cordsnet.io import load_predictions

Reader = Callable[[Path], Any]


def correctness(files: list[str], read: Reader = load_predictions) -> tuple[np.ndarray, np.ndarray]:
    """(seeds x images correctness, the image indices) of one stage of a row, from its predictions files."""
    recs = [read(Path(f)) for f in files]
    index = recs[0]["index"]
    for f, r in zip(files, recs, strict=True):
        if not np.array_equal(r["index"], index):
            raise ValueError(f"{f} scored other test images than {files[0]}: re-run the row's stages with one "
                             "training.eval_max_images")
    return np.stack([r["label"] == r["predicted"] for r in recs]), index


def row_scores(row: dict[str, Any], a: str, b: str, read: Reader = load_predictions) -> tuple[np.ndarray, np.ndarray]:
    """Stage ``a``'s and stage ``b``'s correctness in one Table 1 row (``tables/table1.json``), seeds x images on the
    same images; a stage with one model (trained once) is paired with every seed of the other."""
    (ca, ia), (cb, ib) = correctness(row["predictions"][a], read), correctness(row["predictions"][b], read)
    if not np.array_equal(ia, ib):
        raise ValueError(f"{row['dataset']} R{row['depth']}: stages '{a}' and '{b}' were scored on different test "
                         "images; they cannot be paired")
    if len(ca) != len(cb) and min(len(ca), len(cb)) != 1:
        raise ValueError(f"{row['dataset']} R{row['depth']}: {len(ca)} seeds of '{a}' against {len(cb)} of '{b}'")
    seeds = max(len(ca), len(cb))
    return np.broadcast_to(ca, (seeds, ca.shape[1])), np.broadcast_to(cb, (seeds, cb.shape[1]))


def is_primary_row(claims: dict[str, Any], dataset: str, depth: int) -> bool:
    """Whether a row votes on a claim: its dataset among ``claims.primary_datasets`` and its depth among
    ``claims.primary_depths`` (null: every one)."""
    datasets, depths = claims["primary_datasets"], claims["primary_depths"]
    return (datasets is None or dataset in datasets) and (depths is None or int(depth) in depths)


def seed_variance(scores: list[tuple[np.ndarray, np.ndarray]], declared: float) -> float:
    """The seed variance (points^2) a one-seed row of a comparison takes: pooled over its rows with seeds (the mean
    of their per-seed variances of the difference), else the declared ``claims.seed_variance``."""
    variances = [float(np.var(100 * (a.mean(1) - b.mean(1)), ddof=1)) for a, b in scores if len(a) > 1]
    return float(np.mean(variances)) if variances else float(declared)


def vote(entries: list[dict[str, Any]], diffs: list[PairedDifference], primary: list[bool], margin: float,
         confidence: float) -> str:
    """The claim's verdict over its primary rows (:func:`~cordsnet.claims.statistics.decide`, Holm), each row's entry
    completed with its difference, the margin, and (primary rows) its p-values and outcome; the secondary rows are
    reported and do not vote."""
    decision = decide([d for d, p in zip(diffs, primary, strict=True) if p], margin, 1 - confidence)
    decided = iter(decision.rows)
    for entry, d, p in zip(entries, diffs, primary, strict=True):
        entry.update({"primary": p, **d.as_dict(), "margin": margin})
        if p:
            entry.update({k: v for k, v in next(decided).items()
                          if k.startswith("p_") or k in ("cleared", "wrong_side")})
    return decision.verdict


def compare(table: dict[str, Any], a: str, b: str, claims: dict[str, Any], margin: float,
            read: Reader = load_predictions) -> dict[str, Any]:
    """Stage ``a`` minus stage ``b`` (points) in every row of Table 1, against ``margin``: per row the estimate, its
    interval, seeds, images and detectable difference, whether it is primary, and the claim's verdict over the
    primary rows."""
    rows = table["rows"]
    scores = [row_scores(r, a, b, read) for r in rows]
    pooled = seed_variance(scores, claims["seed_variance"])
    diffs: list[PairedDifference] = [
        paired_difference(sa, sb, claims["confidence"], claims["power"], seed_variance=pooled) for sa, sb in scores]
    primary = [is_primary_row(claims, r["dataset"], r["depth"]) for r in rows]
    out = [{"row": f"{r['dataset']} R{r['depth']}", "seed_variance_pooled": len(r["seeds"]) == 1} for r in rows]
    verdict = vote(out, diffs, primary, margin, claims["confidence"])
    return {"verdict": verdict, "rows": out, "seed_variance_one_seed_rows": pooled}


def row_text(entry: dict[str, Any], unit: str = "images") -> str:
    """One row of a paired claim in words: estimate [CI], seeds, images (or ``unit``), its outcome against the
    margin."""
    lo, hi = entry["ci"]
    if not entry["primary"]:
        outcome = "secondary (does not vote)"
    elif entry["cleared"]:
        outcome = "clears the margin"
    elif entry["wrong_side"]:
        outcome = "on the wrong side of the margin"
    else:
        outcome = f"not resolved (detectable: {entry['detectable']:.1f} from the margin)"
    pooled = ", seed variance pooled" if entry["seed_variance_pooled"] else ""
    return (f"{entry['row']}: {entry['estimate']:+.2f} [{lo:+.2f}, {hi:+.2f}] ({entry['seeds']} "
            f"seed{'s' if entry['seeds'] > 1 else ''}{pooled}, {entry['images']} {unit}) {outcome}")
