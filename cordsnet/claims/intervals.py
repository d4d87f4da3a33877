"""Claims judged on intervals beyond Table 1's paired rows: C5 (one model's answers paired by sequence, and a
stability share) and C8 (Procrustes distances over seeds). Pure functions of the reports' numbers and the ``claims``
section; :mod:`cordsnet.claims.analysis` reads the files."""

from __future__ import annotations

from typing import Any

import numpy as np

from cordsnet.claims.paired import is_primary_row, row_text, vote
from cordsnet.claims.statistics import paired_difference, share_verdict, unit_difference
from cordsnet.claims.verdicts import UNRESOLVED, combine


def sequences_claim(rows: list[tuple[str, int]], reports: list[dict[str, Any]], c: dict[str, Any]) -> dict[str, Any]:
    """C5 over rows (the ``c5`` part of each row's sequences report): the repeated image answered as well as at its
    first showing (paired by sequence, non-inferior within ``comparable_points``, Holm over the primary rows), and
    the share of stable image segments at least ``stable_share`` (exact interval) in every primary row."""
    primary = [is_primary_row(c, d, n) for d, n in rows]
    diffs = [paired_difference(np.asarray(r["repeat_correct"])[None], np.asarray(r["first_correct"])[None],
                               c["confidence"], c["power"], seed_variance=0.0) for r in reports]
    entries = [{"row": f"{d} R{n}", "seed_variance_pooled": False, "unit": "sequences"} for d, n in rows]
    verdicts, parts = [vote(entries, diffs, primary, -c["comparable_points"], c["confidence"])], []
    for r, entry in zip(reports, entries, strict=True):
        stable, (lo, hi) = share_verdict(r["image_segments_stable"], r["image_segments"], c["stable_share"],
                                         c["confidence"])
        if entry["primary"]:
            verdicts.append(stable)
        share = r["image_segments_stable"] / max(r["image_segments"], 1)
        parts.append(f"{row_text(entry, 'sequences')}; stable {100 * share:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}] of "
                     f"{r['image_segments']} image segments ({stable})")
    return {"verdict": combine(verdicts), "rows": entries,
            "measured": "the repeated image's accuracy minus its first showing's (paired by sequence, one model: no "
                        f"seed term), points, non-inferior within {c['comparable_points']:g}; and the share of image "
                        f"segments stable (settled by the readout window, no flip after) at least "
                        f"{100 * c['stable_share']:g}% ({100 * c['confidence']:g}% exact interval). "
                        + (reports[0]["rule"] if reports and reports[0] else ""),
            "numbers": "; ".join(parts)}


def procrustes_claim(r: dict[str, Any], c: dict[str, Any]) -> dict[str, Any]:
    """C8 from the cognitive comparison report: per size, the larger of the low-rank and sparse networks' distance
    minus CordsNet's, per seed (each seed's mean over its pairs), in % of the floor-ceiling range; non-inferior
    within ``procrustes_margin`` of that range, t interval over seeds, Holm over sizes."""
    margin = -100 * c["procrustes_margin"]
    entries, diffs, parts = [], [], []
    for size, m in r["c8"].items():
        if not m.get("per_seed"):
            return {"verdict": UNRESOLVED, "measured": "needs at least 2 seeds (cognitive.seeds)",
                    "numbers": f"N={size}: CordsNet {m['cordsnet']:.3f}, low-rank {m['lowrank']:.3f}, sparse "
                               f"{m['sparse']:.3f} (one seed: no interval)"}
        larger = "lowrank" if m["lowrank"] >= m["sparse"] else "sparse"
        if m["ceiling"] <= m["floor"]:
            return {"verdict": UNRESOLVED,
                    "measured": "needs trained FC-RNNs closer to each other than to an untrained one",
                    "numbers": f"N={size}: floor {m['floor']:.3f} >= ceiling {m['ceiling']:.3f}: no range to judge "
                               "the distances on (the FC-RNNs did not learn a shared solution)"}
        scale = 100 / (m["ceiling"] - m["floor"])
        d = [scale * (o - x) for o, x in zip(m["per_seed"][larger], m["per_seed"]["cordsnet"], strict=True)]
        diffs.append(unit_difference(d, c["confidence"], c["power"]))
        entries.append((size, m, larger))
    rows = [{"row": f"N={size} ({larger} minus CordsNet)", "seed_variance_pooled": False, "unit": "% of range"}
            for size, _, larger in entries]
    verdict = vote(rows, diffs, [True] * len(rows), margin, c["confidence"])
    for (size, m, larger), e in zip(entries, rows, strict=True):
        lo, hi = e["ci"]
        parts.append(f"N={size}: CordsNet {m['cordsnet']:.3f}, low-rank {m['lowrank']:.3f}, sparse {m['sparse']:.3f} "
                     f"(floor {m['floor']:.3f}, ceiling {m['ceiling']:.3f}); {larger} minus CordsNet "
                     f"{e['estimate']:+.1f} [{lo:+.1f}, {hi:+.1f}] % of the range ({e['seeds']} seeds)")
    return {"verdict": verdict, "rows": rows,
            "measured": "the larger of the low-rank and sparse networks' Procrustes distance to the FC-RNN minus "
                        "CordsNet's, per seed, in % of the floor (FC-RNN vs another seed) to ceiling (untrained) "
                        f"range; CordsNet non-inferior within {100 * c['procrustes_margin']:g}% of the range "
                        f"({100 * c['confidence']:g}% t interval over seeds, Holm over sizes)",
            "numbers": "; ".join(parts) + f" ({len(r['seeds'])} seeds)"}
