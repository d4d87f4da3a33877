"""Table S5 and claim C11: the loss-ramp and spontaneous-penalty ablation (docs/ablation.md).

``ablation-train`` runs one model of the sweep: the annealing stage from the main seed's linear RNN with one
setting changed (``cordsnet.ablation.settings.run_config``), into ``Layout.ablation_dir``. ``ablation-table``
simulates every model both ways, labels its solutions with the ``ablation`` section's criteria
(``cordsnet.ablation.classify``) and writes the counts per setting (``tables/ablation.{csv,md}``), every model's
numbers and the C11 trend summary (``ablation/solutions.{json,npz}``) that the claims scorecard reads.
"""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

import numpy as np
from scipy.stats import fisher_exact

from cordsnet.ablation.classify import MONO, STEADY, Criteria, probe_model
from cordsnet.ablation.settings import ablation_row, recipe, settings
from cordsnet.claims.verdicts import MISSING, significance
from cordsnet.commands import command
from cordsnet.dynamics.eigen import arpack_eigs
from cordsnet.dynamics.operators import ConvOperator
from cordsnet.layout import Layout
from cordsnet.provenance import record
from cordsnet.results import Report, Table
from cordsnet.trained import load_trained, test_subset
from cordsnet.training.runners import run_stage

log = logging.getLogger("cordsnet")



ALPHA = 0.05
"""one-sided level of C11's Fisher tests at the two ends of each sweep"""


def fisher_trend(k_high: int, n_high: int, k_low: int, n_low: int) -> float:
    """One-sided p-value of Fisher's exact test in the direction of the observed difference of shares (high minus
    low): small when the difference is unlikely under equal shares."""
    table = [[k_high, n_high - k_high], [k_low, n_low - k_low]]
    side = "greater" if k_high / n_high >= k_low / n_low else "less"
    return float(fisher_exact(table, alternative=side).pvalue)


def detectable_share(n_high: int, n_low: int, alpha: float = ALPHA) -> float | None:
    """The smallest difference of shares that Fisher's one-sided test at ``alpha`` could declare with these numbers
    of models (None: none could: too few models)."""
    best = None
    for a in range(n_high + 1):
        for b in range(n_low + 1):
            diff = a / n_high - b / n_low
            if diff > 0 and fisher_exact([[a, n_high - a], [b, n_low - b]], alternative="greater").pvalue < alpha:
                best = diff if best is None else min(best, diff)
    return best


def c11_summary(models: list[dict[str, Any]], cfg: dict[str, Any]) -> dict[str, Any]:
    """The trends of Table S5 as measured, with a test: in the ramp sweep, the share of steady-state models at the
    flattest ramp against the steepest (the paper: ramps that weight only the last steps allow transient solutions);
    in the penalty sweep, the share of mono-stable models at the largest coefficient against the smallest (the paper:
    the penalty makes the solution mono-stable). Fisher's exact test at the two ends of each sweep, one-sided at
    :data:`ALPHA`: holds when both trends are positive and significant, fails when either is significantly negative,
    otherwise not resolved, with the smallest share difference these numbers of models could detect."""
    out: dict[str, Any] = {"models": len(models)}
    ramp = _sweep_trend(models, "ramp", lambda m: m["ramp"][0] / m["ramp"][1], "hold_solution", STEADY,
                        ("flattest", "steepest"), "steady")
    pen = _sweep_trend(models, "penalty", lambda m: m["weight"], "stability_solution", MONO,
                       ("largest", "smallest"), "mono")
    out.update({k: v for k, v in (("ramp", ramp), ("penalty", pen)) if v is not None})
    tests = [(out[k]["trend"], out[k]["p_value"]) for k in ("ramp", "penalty") if k in out]
    out["verdict"] = significance(tests, ALPHA) if len(tests) == 2 else MISSING  # both sweeps are needed
    radii = [max(m["operator_radius"]) for m in models if m.get("operator_radius")]
    out["all_contractive"] = bool(radii) and max(radii) < 1.0
    out["largest_operator_radius"] = max(radii) if radii else None
    out["rule"] = ("Fisher's exact test at the two ends of each sweep, one-sided at 0.05: holds when the flattest "
                   "ramp gives significantly more steady-state models than the steepest and the largest penalty "
                   "significantly more mono-stable models than the smallest; fails when either is significantly the "
                   "other way; otherwise not resolved")
    return out


def _sweep_trend(models: list[dict[str, Any]], sweep: str, value, key: str, label: str, ends: tuple[str, str],
                 prefix: str) -> dict[str, Any] | None:
    """One sweep's trend: the share of its models labelled ``label`` (under ``key``) at the setting of the largest
    ``value`` minus at the smallest, with both settings named as ``ends`` (None when the sweep has no models)."""
    rows = [m for m in models if sweep in m["sweeps"]]
    if not rows:
        return None
    values = {m["setting"]: value(m) for m in rows}
    high, low = max(values, key=values.get), min(values, key=values.get)

    def counts(setting: str) -> tuple[int, int]:
        """(models labelled ``label``, models) at ``setting``"""
        chosen = [m for m in rows if m["setting"] == setting]
        return sum(m[key] == label for m in chosen), len(chosen)

    (k_high, n_high), (k_low, n_low) = counts(high), counts(low)
    at_high, at_low = k_high / n_high, k_low / n_low
    return {ends[0]: high, ends[1]: low, f"{prefix}_{ends[0]}": at_high, f"{prefix}_{ends[1]}": at_low,
            "models_per_setting": n_high, "trend": at_high - at_low,
            "p_value": fisher_trend(k_high, n_high, k_low, n_low),
            "detectable_share_difference": detectable_share(n_high, n_low)}


def operator_radii(model) -> list[float]:
    """The spectral radius of each area's recurrent convolution W (ARPACK on the matrix-free operator): below 1 in
    every area, the map r <- (1 - a) r + a relu(W r + u) contracts in its linear part, and a model has one attracting
    fixed point per input, whatever its training (the reason the labels could not differ)."""
    out = []
    for area in model.areas:
        op = ConvOperator(area.rec.weight, area.spec.size)
        out.append(float(np.abs(arpack_eigs(op, k=min(4, op.n - 2)).values).max()))
    return out


def count_rows(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table S5's layout: per setting, the number of models of each solution type."""
    rows = []
    for name in dict.fromkeys(m["setting"] for m in models):
        ms = [m for m in models if m["setting"] == name]
        first = ms[0]
        row = {"sweep": " + ".join(first["sweeps"]), "setting": name,
               "loss ramp": f"{first['ramp'][0]:g} .. {first['ramp'][1]:g}",
               "penalty coefficient": first["weight"], "recipe": first["recipe"], "models": len(ms)}
        for label in ("steady-state", "transient"):
            row[label] = sum(m["hold_solution"] == label for m in ms)
        for label in ("mono-stable", "multi-stable", "oscillatory"):
            row[label] = sum(m["stability_solution"] == label for m in ms)
        row["val accuracy (%)"] = round(100 * float(np.mean([m["val_accuracy"] for m in ms])), 1)
        row["largest operator radius"] = round(max(max(m["operator_radius"]) for m in ms), 3)
        rows.append(row)
    return rows


def ablation_report(cfg: dict[str, Any]) -> tuple[Report, Table]:
    """Load every model of the sweep, probe and label it; the report (per model, C11) and the counts table."""
    a, sim, L = cfg["ablation"], cfg["simulation"], Layout.from_config(cfg)
    dataset, depth = ablation_row(cfg)
    images, labels, note = test_subset(cfg, dataset, a["images"])
    base = recipe(cfg)
    models, arrays, inputs = [], {}, []
    for s in settings(cfg):
        for seed in a["seeds"]:
            where = L.ablation_dir(s.name, seed)
            model = load_trained(cfg, dataset, depth, "anneal", where / "checkpoint.pt")
            metrics = json.loads((where / "metrics.json").read_text())
            summary, arr = probe_model(model, images, labels, sim, a)
            summary["operator_radius"] = operator_radii(model)
            models.append({"setting": s.name, "seed": seed, "sweeps": list(s.sweeps), "ramp": list(s.ramp),
                           "weight": s.weight, "recipe": s.name == base.name,
                           "val_accuracy": metrics["val_accuracy"], "test_accuracy": metrics["test_accuracy"],
                           **summary})
            for k, v in arr.items():
                arrays[f"{s.name}__seed{seed}__{k}"] = v
            inputs += [str(where / "checkpoint.pt"), str(where / "metrics.json")]
            log.info("%s seed %d: %s, %s (kept %.2f, drift %.3f, returned %.2f)", s.name, seed,
                     summary["hold_solution"], summary["stability_solution"], summary["answer_kept"],
                     max(summary["state_drift"]), summary["returned"])
    crit = Criteria.from_config(a).describe(a["hold_steps"], sim["stimulus_steps"], a["post_steps"])
    prov = record({"ablation": a, "simulation": sim, "model": cfg["model"],
                   "training": {k: cfg["training"][k] for k in ("loss_ramp", "spontaneous_weight", "anneal")}},
                  seed=cfg["run"]["seed"], scale=cfg["run"]["scale"], extra={"inputs": inputs})
    data = {"dataset": dataset, "depth": depth, "evaluation": note, "images": len(labels), "criteria": crit,
            "recipe": base.name, "updates": a["updates"], "seeds": a["seeds"], "models": models,
            "c11": c11_summary(models, cfg), "provenance": prov}
    rows = count_rows(models)
    table = Table(rows, prov, "Table S5: solutions per loss ramp and spontaneous-penalty coefficient",
                  f"Scale: {cfg['run']['scale']}. CordsNet-R{depth} on {dataset}: each model is the annealing stage "
                  f"({a['updates']} updates) from the main seed's linear RNN with one setting changed, seeds "
                  f"{', '.join(map(str, a['seeds']))}; the recipe's setting ({base.name}) is in both sweeps. "
                  f"Labelled on {len(labels)} test images ({note}). {crit['steady-state']}. {crit['mono-stable']}.")
    return Report(data, arrays), table


# -- commands (workflow/rules/ablation.smk) -----------------------------------------------------------------------
def _add_train(p: argparse.ArgumentParser) -> None:
    p.add_argument("--setting", required=True, help="the setting's name (cordsnet.ablation.settings.Setting.name)")
    p.add_argument("--dataset", required=True)
    p.add_argument("--depth", type=int, required=True)


@command("ablation-train", "train one model of the Table S5 ablation: the annealing stage from the main seed's "
         "linear RNN with the configuration its rule passes (cordsnet.ablation.settings.run_config, whose run.seed "
         "names the model's seed folder); resumable",
         _add_train, concern="ablation", stage=True)
def _train_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:

    seed = cfg["run"]["seed"]  # the run's own (run_config sets it): the models of a setting differ by it
    m = run_stage("anneal", cfg, args.dataset, args.depth, out_dir=Layout.from_config(cfg).ablation_dir(args.setting,
                                                                                                          seed))
    log.info("%s seed %d: validation %.4f, test %.4f (%.0f s)", args.setting, seed, m["val_accuracy"],
             m["test_accuracy"], m["wall_seconds"])
    return 0


def _add_table(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="JSON path (per-model numbers and C11; arrays in a .npz beside)")
    p.add_argument("--table", required=True, help="CSV path of Table S5 (.md, .provenance.json beside)")


@command("ablation-table", "label every ablation model's solutions and count them per setting (Table S5, C11)",
         _add_table, concern="ablation")
def _table_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    report, table = ablation_report(cfg)
    report.write(args.out)
    table.write(args.table)
    log.info("C11: %s", report.data["c11"]["verdict"])
    return 0
