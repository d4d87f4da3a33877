"""Table 1 (and S4): test accuracy per dataset and depth, from the training stages' metrics files only; and the
stage table: accuracy after every stage of the initialisation method (the numbers of Fig 2's method panel).

Reads ``Layout.metrics(dataset, depth, stage)`` (no model is loaded: this module does not import torch). Outputs:
``<results>/tables/table1.{csv,md,provenance.json}``, ``table1.metrics.json`` (the accuracies nested for
``dvc metrics show``) and ``<results>/tables/stages.{csv,md,provenance.json}``.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from cordsnet.analyses.results import Table
from cordsnet.commands import command
from cordsnet.io import write_json
from cordsnet.layout import Layout

log = logging.getLogger("cordsnet")

COLUMNS = {
    "cnn": "CNN",
    "anneal": "CordsNet (initialization method)",
    "finetune": "CordsNet (fine-tuned)",
    "direct": "CordsNet (direct training)",
    "fcrnn": "FC-RNN (matched parameters)",
}
"""Stage -> column. The initialisation method ends with the annealing stage (s2-s4); fine-tuning (s5) follows it."""


def table1_rows(layout: Layout, datasets, depths) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows, the provenance of every metrics file read)."""
    rows, sources = [], []
    for dataset in datasets:
        for depth in depths:
            row: dict[str, Any] = {"dataset": dataset, "model": f"R{depth}"}
            data_note = scale = evaluation = None
            for stage, column in COLUMNS.items():
                path = layout.metrics(dataset, depth, stage)
                m = json.loads(path.read_text())
                row[column] = round(100 * m["test_accuracy"], 2)
                d = m["provenance"]["data"]
                data_note = f"{d['source_kind']}: {d.get('subset') or d['location']}"
                scale = m.get("scale")
                if stage != "cnn":
                    evaluation = m.get("eval_subset")
                sources.append({"file": str(path), "config_hash": m["provenance"]["config_hash"],
                                "code_version": m["provenance"]["code_version"]})
            row["recurrent models scored on"] = evaluation
            row["data"] = data_note
            row["scale"] = scale
            rows.append(row)
    return rows, sources


def table1_metrics(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The accuracies of Table 1 nested as dataset -> model -> column, the shape `dvc metrics show/diff` reads."""
    out: dict[str, Any] = {}
    for row in rows:
        out.setdefault(row["dataset"], {})[row["model"]] = {c: row[c] for c in COLUMNS.values()}
    return out


def stage_rows(layout: Layout, datasets, depths) -> tuple[list[dict[str, Any]], list[str]]:
    """Accuracy (%) after every stage of the graph, per dataset and depth, and the files read."""
    from cordsnet.training.graph import STAGES

    rows, files = [], []
    for dataset in datasets:
        for depth in depths:
            row: dict[str, Any] = {"dataset": dataset, "model": f"R{depth}"}
            for stage in STAGES:
                path = layout.metrics(dataset, depth, stage)
                m = json.loads(path.read_text())
                row[stage] = round(100 * m["test_accuracy"], 2)
                if stage == "init_linear":
                    row["init_linear steady-state rel. error"] = m.get("steady_state_rel_error")
                files.append(str(path))
            rows.append(row)
    return rows, files


def stage_table(cfg: dict[str, Any]) -> Table:
    """The stage table of a configuration's run: what each stage of the initialisation method keeps or gains."""
    from cordsnet.provenance import record

    rows, files = stage_rows(Layout.from_config(cfg), cfg["data"]["datasets"], cfg["model"]["depths"])
    prov = record({k: cfg[k] for k in ("model", "simulation", "training")}, seed=cfg["run"]["seed"],
                  scale=cfg["run"]["scale"], extra={"inputs": files})
    return Table(rows, prov, "Accuracy after every training stage (%)",
                 f"Scale: {cfg['run']['scale']}. Test accuracy after each stage of the graph cnn -> fold -> "
                 "init_linear (steady-state matching, no training in time) -> linear_rnn -> anneal -> finetune, and "
                 "of the two controls; CNNs on the whole test split, recurrent models over the readout window on "
                 "the evaluation subset of Table 1. The steady-state error is the last training batch's mean "
                 "relative squared error over areas.")


def table1(cfg: dict[str, Any]) -> Table:
    """Table 1 of a configuration's run, with its caption and the provenance of every file it read."""
    from cordsnet.provenance import record

    rows, sources = table1_rows(Layout.from_config(cfg), cfg["data"]["datasets"], cfg["model"]["depths"])
    prov = record({k: cfg[k] for k in ("model", "simulation", "training")}, seed=cfg["run"]["seed"],
                  scale=cfg["run"]["scale"], data=sorted({r["data"] for r in rows}), extra={"inputs": sources})
    return Table(rows, prov, "Table 1: test accuracy (%)",
                 f"Scale: {cfg['run']['scale']}. Each row states its data source. CordsNet (initialization "
                 "method) is the model after steady-state matching, linear-RNN training and annealing (s2-s4); "
                 "direct training and the FC-RNN get the same budget in simulated image-steps.")


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True,
                   help="CSV path; .md, .provenance.json and .metrics.json (for `dvc metrics`) are written beside it")
    p.add_argument("--stages-out", required=True, help="CSV path of the stage table (.md, .provenance.json beside)")


@command("table1", "Table 1 (test accuracy per dataset and depth) and the stage table from the stages' metrics files",
         _add_args,
         sections=("run", "paths", "data", "model", "simulation", "training"))
def _cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    table = table1(cfg)
    table.write(args.out)
    write_json(Path(args.out).with_suffix(".metrics.json"), table1_metrics(table.rows))
    stage_table(cfg).write(args.stages_out)
    log.info("wrote %s and %s (%d rows)", args.out, args.stages_out, len(table.rows))
    return 0
