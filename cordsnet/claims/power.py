"""The seed planner: what another seed would buy (the difference a row could detect) and what it costs (seconds),
from a finished run's Table 1 (its per-image predictions and per-seed differences) and its cost ledger
(``<results>/benchmarks/update_costs.json``: every trained stage's seconds).

For a claim's comparison in a row, with S seeds measured: the image term of one seed, ``Var_images(d_i) / N``
averaged over the seeds, and the seed variance of the difference (measured, or pooled over the claim's rows with
seeds, or ``claims.seed_variance``). With S' seeds the standard error is ``sqrt(image / S' + seed / S')`` (the image
term shrinks as each image's difference is averaged over more seeds: an upper bound on the gain when seeds agree on
images), the degrees of freedom Welch's, and the detectable distance from the margin ``(t_{1-alpha/2} + t_power) SE``
(the scorecard's own rules, :mod:`cordsnet.claims.statistics`). The price of a seed is the mean over the row's extra
seeds of the seconds their stages took; on a machine whose cores are all busy it adds about that divided by the cores
to the wall time.

    python -m cordsnet.cli claims-power --config config/config.yaml     # -> <results>/tables/claims_power.{csv,md}
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from cordsnet.claims.paired import is_primary_row, row_scores, seed_variance
from cordsnet.claims.statistics import interval, welch
from cordsnet.commands import command
from cordsnet.layout import Layout
from cordsnet.provenance import record
from cordsnet.results import Table

COMPARISONS = {"C1": ("finetune", "direct", 0.0), "C2": ("finetune", "cnn", None), "C3": ("finetune", "fcrnn", 0.0)}
"""claim -> (stage a, stage b, margin; None: minus ``claims.comparable_points``)"""


def seed_price(costs: list[dict[str, Any]], dataset: str, depth: int) -> float | None:
    """Seconds one more seed of a row costs: the mean over its extra seeds of their stages' seconds (None when the
    row has no extra seed to price it by)."""
    per_seed: dict[str, float] = {}
    for r in costs:
        if r["dataset"] == dataset and int(r["depth"]) == int(depth) and r.get("seed") is not None:
            per_seed[r["seed"]] = per_seed.get(r["seed"], 0.0) + float(r["seconds"])
    return float(np.mean(list(per_seed.values()))) if per_seed else None


def detectable(image: float, seed: float, seeds: int, images: int, confidence: float, power: float) -> tuple:
    """(SE, df, detectable distance) with ``seeds`` seeds, from one seed's image term and the seed variance, by the
    scorecard's own rules (:func:`~cordsnet.claims.statistics.welch`, :func:`~cordsnet.claims.statistics.interval`)."""
    se, df = welch(image / seeds, images, seed, seeds)
    return se, df, interval(0.0, se, df, confidence, power)[1]


def plan(table: dict[str, Any], costs: list[dict[str, Any]], claims: dict[str, Any], cores: int = 2,
         seeds: tuple[int, ...] = (3, 5, 8)) -> list[dict[str, Any]]:
    """One row per claim, Table 1 row and seed count: the detectable distance from the margin and the extra cost."""
    rows = [r for r in table["rows"] if not r.get("imported")]
    out = []
    for claim, (a, b, margin) in COMPARISONS.items():
        scores = [row_scores(r, a, b) for r in rows]
        pooled = seed_variance(scores, claims["seed_variance"])
        for r, (sa, sb) in zip(rows, scores, strict=True):
            d = 100.0 * (sa.astype(float) - sb.astype(float))
            image = float(np.mean([np.var(x, ddof=1) / d.shape[1] for x in d]))
            seed = float(np.var(d.mean(1), ddof=1)) if len(d) > 1 else pooled
            price = seed_price(costs, r["dataset"], r["depth"])
            for s in sorted({len(d), *seeds}):
                se, df, det = detectable(image, seed, s, d.shape[1], claims["confidence"], claims["power"])
                extra = max(0, s - len(d))
                out.append({"claim": claim, "row": f"{r['dataset']} R{r['depth']}",
                            "primary": is_primary_row(claims, r["dataset"], r["depth"]),
                            "margin": -claims["comparable_points"] if margin is None else margin,
                            "estimate": round(float(d.mean()), 2), "seeds": s, "measured seeds": len(d),
                            "SE": round(se, 2), "df": round(df, 1), "detectable": round(det, 2),
                            "extra job seconds": None if price is None else round(extra * price),
                            f"extra wall minutes ({cores} cores)": None if price is None
                            else round(extra * price / cores / 60, 1)})
    return out


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cores", type=int, default=2, help="cores the wall-time estimate assumes busy")
    p.add_argument("--out", help="CSV path (default <results>/tables/claims_power.csv; .md beside it)")


@command("claims-power", "what more seeds would buy (the detectable difference of C1-C3 per row) and cost, from a "
         "finished run's Table 1 and cost ledger", _add_args, concern="claims")
def _cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    L = Layout.from_config(cfg)
    table_path, costs_path = L.table("table1", "json"), L.benchmarks() / "update_costs.json"
    for f, how in ((table_path, "snakemake table1"), (costs_path, "make reproduce (its workflow-summary)")):
        if not Path(f).is_file():
            raise FileNotFoundError(f"claims-power reads {f}: run {how} first")
    rows = plan(json.loads(Path(table_path).read_text()), json.loads(Path(costs_path).read_text())["rows"],
                cfg["claims"], args.cores)
    prov = record({"claims": cfg["claims"]}, seed=cfg["run"]["seed"], scale=cfg["run"]["scale"],
                  extra={"inputs": [str(table_path), str(costs_path)]})
    Table(rows, prov, "What more seeds would buy and cost (C1-C3)",
          "Per claim and Table 1 row: the detectable distance from the margin (95%, 80% power) with the measured "
          "seeds and with more, from the row's per-image and per-seed differences (cordsnet/claims/power.py), and "
          "what the extra seeds cost by the run's own ledger.").write(args.out or L.table("claims_power"))
    return 0
