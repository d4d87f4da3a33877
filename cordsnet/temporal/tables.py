"""The temporal analyses' numbers as tables (C4, C5, Fig 4B), from their result files only (no torch).

- ``noise_robustness.{csv,md}`` (C4): per dataset and depth, each model's area under its accuracy-vs-noise curve
  and CordsNet's paired difference from the CNN and the RCNN, with its standard error;
- ``noise_accuracy.{csv,md}`` (Fig 3D in numbers): accuracy per model and noise level;
- ``sequences.{csv,md}`` (C5): per model, segments whose class at the end is right, and steps to settle;
- ``solutions.{csv,md}`` (Fig 4B): per readout window, whether the model holds its answer, its state drift and the
  spectral radius of its Euler-step Jacobian.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from cordsnet.commands import command
from cordsnet.layout import Layout
from cordsnet.provenance import record
from cordsnet.results import Table
from cordsnet.tables import percent
from cordsnet.training.graph import solution_row

log = logging.getLogger("cordsnet")

TABLES = ("noise_robustness", "noise_accuracy", "sequences", "solutions")


def noise_rows(reports: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(C4 summary rows, long-form accuracy rows) of the noise reports."""
    summary, long = [], []
    for r in reports:
        c4 = r["c4"]
        row: dict[str, Any] = {"dataset": r["dataset"], "model": f"R{r['depth']}", "test images": r["images"],
                               "levels": " ".join(f"{v:g}" for v in r["levels"])}
        for m, a in c4["area_under_curve"].items():
            row[f"AUC {m} (%)"] = percent(a)
        for pair, d in c4["differences"].items():
            row[f"{pair} (points)"] = percent(d["difference"])
            row[f"{pair} SE"] = percent(d["se"])
            row[f"{pair} resolved"] = d["resolved"]
        summary.append(row)
        for m, v in r["models"].items():
            for level, acc, err in zip(r["levels"], v["accuracy"], v["activation_error"], strict=True):
                long.append({"dataset": r["dataset"], "model": f"R{r['depth']}", "network": m, "noise std": level,
                             "accuracy (%)": percent(acc), "test images": r["images"],
                             "activation error per area": " ".join(f"{e:.4f}" for e in err)})
    return summary, long


def sequence_rows(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for r in reports:
        for m, v in r["models"].items():
            rows.append({"dataset": r["dataset"], "model": f"R{r['depth']}", "network": m,
                         "image segments right (%)": percent(v["image_segments_correct"]),
                         "blank segments at spontaneous class (%)": percent(v["blank_segments_correct"]),
                         "settle after an image switch (steps)": _round(v["image_settle_mean"]),
                         "settle after a blank switch (steps)": _round(v["blank_settle_mean"]),
                         "sequences": r["sequences"], "pattern": " ".join(r["pattern"]),
                         "segment steps": r["segment_steps"]})
    return rows


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def solution_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for label, v in report["models"].items():
        rows.append({"dataset": report["dataset"], "model": f"R{report['depth']}", "readout": label,
                     "window (steps after onset)": f"{v['window'][0]}-{v['window'][1]}",
                     "accuracy in window (%)": percent(v["window_accuracy"]),
                     f"accuracy at step {report['hold_steps']} (%)": percent(v["end_accuracy"]),
                     "answer kept (%)": percent(v["answer_kept"]), "solution": v["solution"],
                     "state drift per area": " ".join(f"{d:.3f}" for d in v["state_drift"]),
                     "spectral radius at window end": round(v["radius_at_window_end"], 4),
                     "spectral radius at the end": round(v["radius_at_end"], 4), "images": v["images"]})
    return rows


def temporal_tables(cfg: dict[str, Any]) -> dict[str, Table]:
    """The four tables of a configuration's temporal results."""
    L = Layout.from_config(cfg)
    rows_of = [(d, n) for d in cfg["data"]["datasets"] for n in cfg["model"]["depths"]]
    files = {"noise": [L.analysis("temporal", f"noise_{d}_R{n}") for d, n in rows_of],
             "sequences": [L.analysis("temporal", f"sequences_{d}_R{n}") for d, n in rows_of],
             "solutions": [L.analysis("temporal", "solutions")]}
    loaded = {k: [json.loads(Path(p).read_text()) for p in v] for k, v in files.items()}
    scale, seed = cfg["run"]["scale"], cfg["run"]["seed"]

    def prov(kind: str) -> dict[str, Any]:
        return record({"temporal": cfg["temporal"]}, seed=seed, scale=scale,
                      extra={"inputs": [str(p) for p in files[kind]]})

    summary, long = noise_rows(loaded["noise"])
    where = f"Scale: {scale}, seed {seed}."
    dataset, depth = solution_row(cfg)
    criteria = loaded["solutions"][0]["criteria"]
    return {
        "noise_robustness": Table(summary, prov("noise"), "C4: accuracy under pixel noise, area under the curve",
                                  f"{where} Fine-tuned CordsNet, its CNN counterpart and the discrete-time RCNN "
                                  "(alpha = 1, the same annealed weights fine-tuned with the same recipe and budget). "
                                  "AUC: accuracy averaged over the noise range (trapezoid); differences are paired "
                                  "over the same test images, 'resolved' when larger than twice their standard "
                                  "error. Noise std in normalised pixel units, fresh every step for the recurrent "
                                  "models."),
        "noise_accuracy": Table(long, prov("noise"), "Fig 3C-D in numbers: accuracy and activation error per noise "
                                "level", f"{where} Activation error: per area, mean squared difference between "
                                "noisy and noiseless activations over the readout window, divided by the variance "
                                "of the noiseless ones."),
        "sequences": Table(sequence_rows(loaded["sequences"]), prov("sequences"),
                           "C5: stimulus sequences", f"{where} A segment is right when the class at its last step is "
                           "the shown image's class (blank: the model's own spontaneous class). Settle: steps after "
                           "the switch until the class is the one the segment ends with and stays so (the CNN has "
                           "no time: 1 by construction)."),
        "solutions": Table(solution_rows(loaded["solutions"][0]), prov("solutions"),
                           "Fig 4B: steady-state vs transient solutions",
                           f"{where} CordsNet-R{depth} on {dataset}, fine-tuned to answer in the standard (late) "
                           f"window and in an early one, simulated with the image on. {criteria}. "
                           "State drift: relative distance between each area's state at the window's end and at the "
                           "end. Spectral radius: of the whole network's Euler-step Jacobian at that state (below 1: "
                           "locally stable)."),
    }


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out-dir", required=True, help="folder of the tables (<name>.csv, .md, .provenance.json)")


@command("temporal-tables", "C4, C5 and Fig 4B tables from the temporal analyses' result files", _add_args,
         concern="temporal")
def _cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    for name, table in temporal_tables(cfg).items():
        table.write(Path(args.out_dir) / f"{name}.csv")
        log.info("wrote %s (%d rows)", Path(args.out_dir) / f"{name}.csv", len(table.rows))
    return 0
