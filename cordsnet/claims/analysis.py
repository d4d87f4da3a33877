"""The replication scorecard: one verdict per claim C1-C11 of the paper (REFERENCE.md section 4), from result files.

Reads only what the workflow's other steps wrote (Table 1 with its seeds, the noise, sequence, dynamics, cognitive,
multi-area, neural-prediction and ablation outputs), never a model; a claim whose files do not exist is "not yet
measured", never dropped. Verdicts: holds, fails, not resolved at this scale (a difference within its uncertainty),
not yet measured, not testable offline (C10 on the synthetic surrogate). The rules, with their thresholds from the
``claims`` config section, are written into every row and into docs/claims.md.

Table 1's accuracy claims (C1-C3) are paired comparisons on the same test images over seeds
(:mod:`cordsnet.claims.paired`, :mod:`cordsnet.claims.statistics`): each carries its rows (estimate, interval,
margin, detectable difference) for the forest plot. A claim over rows holds when it holds in every (primary) row,
fails when it fails in any, and is otherwise not resolved.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cordsnet.claims.intervals import procrustes_claim, sequences_claim
from cordsnet.claims.paired import compare, row_text
from cordsnet.claims.verdicts import (
    FAILS,
    HOLDS,
    MISSING,
    UNRESOLVED,
    VERDICTS,
    better,
    combine,
    significance,
)
from cordsnet.commands import command
from cordsnet.io import write_json
from cordsnet.layout import Layout
from cordsnet.provenance import record
from cordsnet.tables import write_table
from cordsnet.training.table1 import COLUMNS, NOT_TRAINED

log = logging.getLogger("cordsnet")

STATEMENTS = {
    "C1": "the initialization method beats direct training at equal training time",
    "C2": "fine-tuned CordsNet is comparable to its CNN counterpart",
    "C3": "CordsNet beats a parameter-matched fully-connected RNN",
    "C4": "CordsNet is more robust to input noise than the CNN (accuracy and activation error)",
    "C5": "CordsNet keeps a correct, stable class output across stimulus sequences",
    "C6": "Arnoldi eigenvalues match dense eigenvalues on small maps",
    "C7": "stable, oscillatory and chaotic regimes exist",
    "C8": "CordsNet solutions resemble fully-connected RNN solutions as closely as low-rank and sparse RNNs do",
    "C9": "the multi-area model learns all four image-based tasks",
    "C10": "model activity predicts V4/IT time courses better than a time-invariant baseline",
    "C11": "the ablation trends of Table S5",
}


class Sources:
    """The result files a scorecard reads, and the record of which it did."""

    def __init__(self, layout: Layout):
        self.L = layout
        self.read: list[str] = []

    def json(self, path: Path) -> dict[str, Any] | None:
        if not path.is_file():
            return None
        self.read.append(str(path))
        return json.loads(path.read_text())



Claim = Callable[[Sources, dict[str, Any]], dict[str, Any]]


def _missing(files: list[Path]) -> dict[str, Any]:
    return {"verdict": MISSING, "measured": "", "numbers": "", "files": [str(f) for f in files],
            "note": "missing: " + ", ".join(str(f) for f in files if not f.is_file())}


def from_report(concern: str, name: str):
    """A claim computed from one JSON result file (``<results>/<concern>/<name>.json``): the decorated function gets
    (that report, the config) and returns the row's verdict, measured quantity and numbers; a missing file makes the
    claim "not yet measured"."""
    def deco(fn: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]) -> Claim:
        def claim(src: Sources, cfg: dict[str, Any]) -> dict[str, Any]:
            f = src.L.analysis(concern, name)
            r = src.json(f)
            return _missing([f]) if r is None else {**fn(r, cfg), "files": [str(f)]}
        claim.__doc__ = fn.__doc__
        return claim
    return deco


def _table1_claim(src: Sources, cfg: dict[str, Any], a: str, b: str, margin: float, measured: str
                  ) -> dict[str, Any]:
    """Stage ``a`` minus stage ``b`` in every row of Table 1, paired on the same test images over seeds
    (:mod:`cordsnet.claims.paired`), against ``margin``."""
    path = src.L.table("table1", "json")
    table = src.json(path)
    if table is None:
        return _missing([path])
    imported = [f"{r['dataset']} R{r['depth']}: {NOT_TRAINED} (the authors' release)" for r in table["rows"]
                if r.get("imported")]
    table = {**table, "rows": [r for r in table["rows"] if not r.get("imported")]}
    if not table["rows"]:
        return {"verdict": MISSING, "measured": measured, "numbers": "; ".join(imported), "files": [str(path)],
                "note": "every row's model comes from the authors' release: the method was not trained here"}
    files = [f for r in table["rows"] for s in (a, b) for f in r["predictions"][s]]
    src.read.extend(files)
    c = cfg["claims"]
    result = compare(table, a, b, c, margin)
    primary = "primary rows: " + ", ".join(r["row"] for r in result["rows"] if r["primary"])
    return {"verdict": result["verdict"], "rows": result["rows"],
            "measured": f"{measured}, points, paired on the same test images over seeds; margin {margin:+g}; "
                        f"{100 * c['confidence']:g}% CI, Holm over the {primary}",
            "numbers": "; ".join([row_text(e) for e in result["rows"]] + imported), "files": [str(path), *files]}


def claim_c1(src, cfg):
    return _table1_claim(src, cfg, "finetune", "direct", 0.0, f"fine-tuned CordsNet minus {COLUMNS['direct']}")


def claim_c2(src, cfg):
    return _table1_claim(src, cfg, "finetune", "cnn", -cfg["claims"]["comparable_points"],
                         "fine-tuned CordsNet minus its CNN (non-inferiority)")


def claim_c3(src, cfg):
    return _table1_claim(src, cfg, "finetune", "fcrnn", 0.0, f"fine-tuned CordsNet minus {COLUMNS['fcrnn']}")


def _rows(cfg):
    return [(d, n) for d in cfg["data"]["datasets"] for n in cfg["model"]["depths"]]


def per_row_report(kind: str, measured: Callable[[dict[str, Any]], str]):
    """A claim over Table 1's rows, from each row's ``temporal/<kind>_<dataset>_R<depth>.json``: the decorated
    function gets (that report, the ``claims`` section) and returns the row's verdict and numbers; the claim holds in
    every row, fails in any (:func:`combine`); a missing file makes it "not yet measured"."""
    def deco(fn: Callable[[dict[str, Any], dict[str, Any]], tuple[str, str]]) -> Claim:
        def claim(src: Sources, cfg: dict[str, Any]) -> dict[str, Any]:
            rows = _rows(cfg)
            files = [src.L.analysis("temporal", f"{kind}_{d}_R{n}") for d, n in rows]
            if not all(f.is_file() for f in files):
                return _missing(files)
            verdicts, parts = [], []
            for (d, n), f in zip(rows, files, strict=True):
                v, text = fn(src.json(f), cfg["claims"])
                verdicts.append(v)
                parts.append(f"{d} R{n}: {text} {v}")
            return {"verdict": combine(verdicts), "files": [str(f) for f in files],
                    "measured": measured(cfg["claims"]), "numbers": "; ".join(parts)}
        claim.__doc__ = fn.__doc__
        return claim
    return deco


@per_row_report("noise", lambda c: "accuracy under pixel noise (area under the curve, CordsNet minus CNN, paired over "
                                   f"images, resolved beyond {c['resolution_se']:g} SE) and the mean relative "
                                   "activation error (CordsNet below the CNN); beside it, CordsNet against the CNN "
                                   "shown the noise averaged over the stimulus window (the averaging control)")
def claim_c4(r, c):
    diff = r["c4"]["differences"]["cordsnet - cnn"]
    unc = c["resolution_se"] * diff["se"]
    acc = better(diff["difference"], unc)
    err = {m: sum(sum(x) / len(x) for x in r["models"][m]["activation_error"]) / len(r["levels"])
           for m in ("cordsnet", "cnn")}
    v = acc if acc != HOLDS else (HOLDS if err["cordsnet"] < err["cnn"] else FAILS)
    text = (f"AUC {100 * diff['difference']:+.1f} ± {100 * unc:.1f} points, activation error "
            f"{err['cordsnet']:.3f} vs {err['cnn']:.3f}")
    control = r["c4"]["differences"].get("cordsnet - cnn_time_average")
    if control is not None:
        cu = c["resolution_se"] * control["se"]
        beyond = {HOLDS: "exceeds averaging", FAILS: "below averaging",
                  UNRESOLVED: "not resolved against averaging"}[better(control["difference"], cu)]
        text += f"; vs the time-averaged CNN {100 * control['difference']:+.1f} ± {100 * cu:.1f} ({beyond})"
    return v, text


def claim_c5(src: Sources, cfg: dict[str, Any]) -> dict[str, Any]:
    """Correct and stable across sequences, from each row's ``temporal/sequences_<dataset>_R<depth>.json``
    (:func:`cordsnet.claims.intervals.sequences_claim`)."""
    rows = _rows(cfg)
    files = [src.L.analysis("temporal", f"sequences_{d}_R{n}") for d, n in rows]
    if not all(f.is_file() for f in files):
        return _missing(files)
    return {**sequences_claim(rows, [src.json(f)["c5"] for f in files], cfg["claims"]),
            "files": [str(f) for f in files]}


@from_report("dynamics", "eigs")
def claim_c6(r, cfg):
    err = max(a["arnoldi_max_abs_error"] for a in r["small_map_agreement"])
    big = max(a["max_abs_difference"] for a in r["areas"].values())
    tol = cfg["claims"]["eig_tolerance"]
    return {"verdict": HOLDS if err <= tol else FAILS,
            "measured": f"largest distance of Arnoldi's to dense eigenvalues on small maps (at most {tol:g})",
            "numbers": f"{err:.1e} over {len(r['small_map_agreement'])} maps; at 224 px (no dense reference) Arnoldi "
                       f"vs ARPACK {big:.1e}"}


@from_report("dynamics", "regimes")
def claim_c7(r, cfg):
    found = {name: v["regime"] for name, v in r["regimes"].items()}
    ok = all(found.get(k) == k for k in ("stable", "oscillatory", "chaotic"))
    return {"verdict": HOLDS if ok else FAILS,
            "measured": "the regime found for each target (largest Lyapunov exponent, period)",
            "numbers": "; ".join(f"{k}: {v} (Lyapunov {r['regimes'][k]['lyapunov']:.3f})" for k, v in found.items())}


@from_report("cognitive", "comparison")
def claim_c8(r, cfg):
    """Per size, the comparators' distance minus CordsNet's over seeds
    (:func:`cordsnet.claims.intervals.procrustes_claim`)."""
    return procrustes_claim(r, cfg["claims"])


def claim_c9(src, cfg):
    """Every task of Fig 5 learned, from each task's report (``multiarea/<task>.json``)."""
    files = [src.L.analysis("multiarea", task) for task in cfg["multiarea"]["tasks"]]
    if not all(f.is_file() for f in files):
        return _missing(files)
    reports = {task: src.json(f) for task, f in zip(cfg["multiarea"]["tasks"], files, strict=True)}
    learned = {task: bool(r["learned"]) for task, r in reports.items()}

    def text(task: str, r: dict[str, Any]) -> str:
        correct = round(100 * sum(p["correct"] for p in r["per_seed"]) / len(r["per_seed"]), 1)
        out = (f"{task}: {correct}% (chance {round(100 * r['chance'], 1)}%, {len(r['per_seed'])} seeds, "
               f"{r['test_trials']} trials) {'learned' if learned[task] else 'NOT learned'}")
        y = r.get("yardstick")
        if y:
            w = ", ".join(f"{v:.2f}" for v in y["network_weber"])
            out += (f" [yardstick, added after the first result: implied Weber fraction {w} per seed; the criterion "
                    f"asks for {y['criterion_weber']:.2f} or less; monkeys {y['monkey_weber'][0]:.2f}-"
                    f"{y['monkey_weber'][1]:.2f} (Merten & Nieder 2009)]")
        return out

    return {"verdict": HOLDS if all(learned.values()) else FAILS, "files": [str(f) for f in files],
            "measured": "every task learned by the table's criterion (every seed at or above it on easy trials, above "
                        "chance at p < 0.001)",
            "numbers": "; ".join(text(task, r) for task, r in reports.items())}


@from_report("neural", "prediction")
def claim_c10(r, cfg):
    c10 = r["c10"]
    parts = [f"{region} vs {b}: {100 * v['difference']:+.1f} points of ceiled r, p = {v['p_value']:.3f}"
             for region, per in c10["per_region"].items() for b, v in per.items()]
    tests = [(v["difference"], v["p_value"]) for per in c10["per_region"].values() for v in per.values()]
    return {"verdict": significance(tests, c10["significance"], offline=c10["data"] != "recordings"),
            "measured": "ceiled time-resolved predictivity minus each time-invariant baseline (paired bootstrap)",
            "numbers": f"data: {c10['data']}; " + "; ".join(parts)}


@from_report("ablation", "solutions")
def claim_c11(r, cfg):
    """Table S5's trends, read from the ablation's Fisher tests (its report's ``c11``)."""
    c = r["c11"]
    parts = []

    def test(s: dict[str, Any]) -> str:
        det = s.get("detectable_share_difference")
        return (f", Fisher one-sided p = {s['p_value']:.3g}; detectable share difference "
                + ("none with so few models" if det is None else f"{det:.2f}")) if "p_value" in s else ""

    if "ramp" in c:
        parts.append(f"steady-state share at the flattest ramp ({c['ramp']['flattest']}) "
                     f"{c['ramp']['steady_flattest']:.2f} vs steepest ({c['ramp']['steepest']}) "
                     f"{c['ramp']['steady_steepest']:.2f}{test(c['ramp'])}")
    if "penalty" in c:
        parts.append(f"mono-stable share at the largest penalty ({c['penalty']['largest']}) "
                     f"{c['penalty']['mono_largest']:.2f} vs smallest ({c['penalty']['smallest']}) "
                     f"{c['penalty']['mono_smallest']:.2f}{test(c['penalty'])}")
    if c.get("largest_operator_radius") is not None:
        parts.append(f"largest recurrent-operator spectral radius {c['largest_operator_radius']:.3f}"
                     + (" (every model contractive: one attracting fixed point per input, so the labels could not "
                        "differ)" if c.get("all_contractive") else ""))
    return {"verdict": c["verdict"], "measured": c["rule"],
            "numbers": "; ".join(parts) + f" ({len(r['seeds'])} models per setting, R{r['depth']} on {r['dataset']})"}


def inputs(cfg: dict[str, Any]) -> list[Path]:
    """Every result file a claim reads (what the workflow's rule waits for): Table 1 as data, the noise and sequence
    reports of every row, the dynamics reports, the cognitive comparison, every multi-area task, the neural
    prediction and the ablation's solutions."""
    L = Layout.from_config(cfg)
    return ([L.table("table1", "json")]
            + [L.analysis("temporal", f"{kind}_{d}_R{n}") for kind in ("noise", "sequences") for d, n in _rows(cfg)]
            + [L.analysis("dynamics", name) for name in ("eigs", "regimes")]
            + [L.analysis("cognitive", "comparison")]
            + [L.analysis("multiarea", task) for task in cfg["multiarea"]["tasks"]]
            + [L.analysis("neural", "prediction"), L.analysis("ablation", "solutions")])


CLAIMS: dict[str, Claim] = {"C1": claim_c1, "C2": claim_c2, "C3": claim_c3, "C4": claim_c4, "C5": claim_c5,
                            "C6": claim_c6, "C7": claim_c7, "C8": claim_c8, "C9": claim_c9, "C10": claim_c10,
                            "C11": claim_c11}


def scorecard(cfg: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """(one row per claim, the files read)."""
    src = Sources(Layout.from_config(cfg))
    rows = []
    for cid, fn in CLAIMS.items():
        r = fn(src, cfg)
        rows.append({"claim": cid, "statement": STATEMENTS[cid], "verdict": r["verdict"],
                     "measured": r["measured"], "numbers": r["numbers"], "files": " ".join(r["files"]),
                     **({"note": r["note"]} if "note" in r else {}), **({"rows": r["rows"]} if "rows" in r else {})})
    return rows, src.read


def verdict_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(r["verdict"] for r in rows)
    return {v: counts.get(v, 0) for v in VERDICTS}


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="CSV path; .md, .json, .metrics.json and .provenance.json beside it")


@command("claims", "the replication scorecard: a verdict for each claim C1-C11 from the result files (missing "
         "files: 'not yet measured')", _add_args, concern="claims")
def _cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:

    rows, read = scorecard(cfg)
    counts = verdict_counts(rows)
    seeds = cfg["run"].get("seeds", [cfg["run"]["seed"]])
    prov = record({"claims": cfg["claims"]}, seed=cfg["run"]["seed"], scale=cfg["run"]["scale"],
                  extra={"inputs": read, "seeds": seeds})
    c = cfg["claims"]
    out = Path(args.out)
    for r in rows:
        r.setdefault("note", "")
    flat = [{k: v for k, v in r.items() if k != "rows"} for r in rows]
    write_table(flat, out, prov, "Replication scorecard: the paper's claims C1-C11 on this run",
                f"Scale: {cfg['run']['scale']} (seeds {' '.join(map(str, seeds))}). Verdicts from the result files "
                "listed per row. C1-C3: paired differences on the same test images over seeds (image and seed "
                f"terms), {100 * c['confidence']:g}% intervals, Holm over the primary rows; a claim holds when every "
                "primary row clears its margin, fails when any lies beyond it on the wrong side; 'comparable' is "
                f"at most {c['comparable_points']:g} points below (docs/claims.md). Other claims: as each row says. "
                "Synthetic data is named in the row. "
                f"Counts: {', '.join(f'{v} {k}' for k, v in counts.items() if v)}.")
    write_json(out.with_suffix(".json"), {"claims": rows, "counts": counts, "provenance": prov})
    write_json(out.with_suffix(".metrics.json"), {"verdicts": counts})
    log.info("scorecard: %s", counts)
    return 0
