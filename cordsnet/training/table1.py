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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from cordsnet.commands import command
from cordsnet.io import write_json
from cordsnet.layout import Layout
from cordsnet.provenance import record
from cordsnet.results import Table
from cordsnet.tables import percent
from cordsnet.training.graph import CONTROLS, SEEDED_STAGES, STAGES, extra_seeds, row_seeds, stage_seed_dir

log = logging.getLogger("cordsnet")

COLUMNS = {
    "cnn": "CNN",
    "anneal": "CordsNet (initialization method)",
    "finetune": "CordsNet (fine-tuned)",
    "direct": "CordsNet (direct training)",
    "fcrnn": "FC-RNN (matched parameters)",
}
"""Stage -> column. The initialisation method ends with the annealing stage (s2-s4); fine-tuning (s5) follows it."""


SeedsOf = Callable[[str, int], list]
"""(dataset, depth) -> the seed folders of a row's seeded stages, as ``Layout.stage_dir`` takes them (None: the main
seed's); :func:`cordsnet.training.graph.row_seeds`."""


def _main_only(dataset: str, depth: int) -> list:
    return [None]


def spread(values: list[float]) -> dict[str, float | None]:
    """Mean, sample standard deviation (None for one value), min and max of per-seed accuracies (%)."""
    a = np.asarray(values, dtype=float)
    return {"mean": round(float(a.mean()), 2), "sd": round(float(a.std(ddof=1)), 2) if len(a) > 1 else None,
            "min": round(float(a.min()), 2), "max": round(float(a.max()), 2)}


def _cell(st: dict[str, float | None]) -> str:
    """A Markdown cell from :func:`spread`: the value of one seed, or 'mean ± SD (min-max)' of several."""
    if st["sd"] is None:
        return f"{st['mean']:.1f}"
    return f"{st['mean']:.1f} ± {st['sd']:.1f} ({st['min']:.1f}-{st['max']:.1f})"


NOT_TRAINED = "not trained here"


def imported_metrics(layout: Layout, dataset: str, depth: int) -> dict[str, Any] | None:
    """The metrics of a row whose fine-tuned model was imported from the authors' release (``model.imported``), or
    None for a row trained here."""
    path = layout.metrics(dataset, depth, "finetune")
    if not path.is_file():
        return None
    m = json.loads(path.read_text())
    return m if m.get("imported") else None


def _imported_row(dataset: str, depth: int, m: dict[str, Any]) -> tuple[dict, dict, dict]:
    """(CSV row, Markdown row, data record) of an imported row: no column was trained or scored here."""
    note = (f"{NOT_TRAINED}: the authors' released model ({Path(m['source']['file']).name}, sha256 "
            f"{m['source']['sha256'][:12]}) as the fine-tuned model; no stage trained, no test split scored")
    row = {"dataset": dataset, "model": f"R{depth}", "seeds": 0, **{c: None for c in COLUMNS.values()},
           "every model scored on": note, "scale": m.get("scale")}
    md = {"dataset": dataset, "model": f"R{depth}", "seeds": 0, **{c: NOT_TRAINED for c in COLUMNS.values()},
          "every model scored on": note, "scale": m.get("scale")}
    record = {"dataset": dataset, "depth": int(depth), "imported": True, "note": note, "seeds": [],
              "test_images": None, "accuracy": {}, "predictions": {}}
    return row, md, record


def table1_rows(layout: Layout, datasets, depths, seeds_of: SeedsOf = _main_only, main_seed: int = 0
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(CSV rows, Markdown rows, the provenance of every metrics file read, the table as data). A row's accuracy is
    the mean over its seeds (each seed trains the whole chain, its CNN included); the CSV keeps each column's SD, min,
    max and per-seed values. The data (``tables/table1.json``, what the scorecard reads) give per row its seeds, the
    number of test images every model was scored on, and per stage its accuracy (%) and its per-image predictions file
    (``predictions.npy``) per seed."""
    rows, md_rows, sources, records = [], [], [], []
    for dataset in datasets:
        for depth in depths:
            imported = imported_metrics(layout, dataset, depth)
            if imported is not None:
                for out, item in zip((rows, md_rows, records), _imported_row(dataset, depth, imported), strict=True):
                    out.append(item)
                sources.append({"file": str(layout.metrics(dataset, depth, "finetune")),
                                "config_hash": imported["provenance"]["config_hash"],
                                "code_version": imported["provenance"]["code_version"]})
                continue
            folders = seeds_of(dataset, depth)
            labels = [main_seed if f is None else int(f) for f in folders]
            row: dict[str, Any] = {"dataset": dataset, "model": f"R{depth}", "seeds": len(folders),
                                   "seed values": " ".join(map(str, labels))}
            md: dict[str, Any] = {"dataset": dataset, "model": f"R{depth}", "seeds": len(folders)}
            data_note = scale = evaluation = n_images = None
            spreads: dict[str, Any] = {}
            accuracy: dict[str, list[float]] = {}
            predictions: dict[str, list[str]] = {}
            images: set[int] = set()
            for stage, column in COLUMNS.items():
                values, files = [], []
                for folder in dict.fromkeys(stage_seed_dir(stage, f) for f in folders):
                    path = layout.metrics(dataset, depth, stage, folder)
                    m = json.loads(path.read_text())
                    values.append(round(100 * m["test_accuracy"], 2))
                    files.append(str(layout.predictions(dataset, depth, stage, folder)))
                    images.add(int(m["eval_images"]))
                    d = m["provenance"]["data"]
                    data_note = f"{d['source_kind']}: {d.get('subset') or d['location']}"
                    scale = m.get("scale")
                    if stage != "cnn":
                        evaluation = m.get("eval_subset")
                    sources.append({"file": str(path), "config_hash": m["provenance"]["config_hash"],
                                    "code_version": m["provenance"]["code_version"]})
                accuracy[stage], predictions[stage] = values, files
                st = spread(values)
                row[column], md[column] = st["mean"], _cell(st)
                # every column of every row (one seed: its value, SD None), the layout the notebook reads
                spreads.update({f"{column} SD": st["sd"], f"{column} min": st["min"], f"{column} max": st["max"],
                                f"{column} per seed": " ".join(f"{v:g}" for v in values)})
            row.update(spreads)  # after every mean
            if len(images) != 1:
                raise ValueError(f"Table 1's {dataset} R{depth} models were scored on different numbers of test "
                                 f"images {sorted(images)}: re-run its stages with one training.eval_max_images")
            n_images = images.pop()
            row["test images"] = n_images
            notes = {"every model scored on": evaluation, "data": data_note, "scale": scale}
            row.update(notes)
            md.update(notes)
            rows.append(row)
            md_rows.append(md)
            records.append({"dataset": dataset, "depth": int(depth), "seeds": labels, "test_images": n_images,
                            "accuracy": accuracy, "predictions": predictions})
    return rows, md_rows, sources, records


def table1_metrics(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The accuracies of Table 1 nested as dataset -> model -> column, the shape `dvc metrics show/diff` reads."""
    out: dict[str, Any] = {}
    for row in rows:
        out.setdefault(row["dataset"], {})[row["model"]] = {c: row[c] for c in COLUMNS.values()}
    return out


def stage_noise(accuracy: float, images: int) -> float:
    """Two standard errors of a difference between two accuracies near ``accuracy`` on ``images`` images each:
    2 * sqrt(2 p (1 - p) / n) (binomial; conservative for the paired scores of one validation split)."""
    p = min(max(accuracy, 1.0 / images), 1.0 - 1.0 / images)
    return 2.0 * (2.0 * p * (1.0 - p) / images) ** 0.5


def stage_verdict(start: float | None, end: float | None, noise: float | None) -> str | None:
    """'gains', 'keeps' or 'loses' validation accuracy beyond ``noise``; None where a stage has no start (the CNN
    and the controls start from random weights)."""
    if start is None or end is None or noise is None:
        return None
    if end - start > noise:
        return "gains"
    return "loses" if start - end > noise else "keeps"


def stage_rows(layout: Layout, datasets, depths, seeds_of: SeedsOf = _main_only, main_seed: int = 0
               ) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per dataset, depth, seed and stage (other seeds: their seeded stages): validation accuracy (%) when
    the stage starts and of the state it keeps, the change against the noise, the verdict, its test accuracy,
    updates and time; and the files read."""
    rows, files = [], []
    for dataset in datasets:
        for depth in depths:
            if imported_metrics(layout, dataset, depth) is not None:
                continue  # nothing of its chain was trained here (Table 1 says so)
            chain = [(None, stage) for stage in STAGES]
            chain += [(f, stage) for f in seeds_of(dataset, depth) if f is not None for stage in SEEDED_STAGES]
            for folder, stage in chain:
                path = layout.metrics(dataset, depth, stage, folder)
                m = json.loads(path.read_text())
                start = None if stage in CONTROLS else m.get("val_accuracy_start")
                end, n = m.get("val_accuracy"), m.get("val_images")
                noise = stage_noise(start, n) if start is not None and n else None
                row: dict[str, Any] = {
                    "dataset": dataset, "model": f"R{depth}", "seed": main_seed if folder is None else folder,
                    "stage": stage,
                    "val start": percent(start), "val end": percent(end),
                    "change": percent(end - start) if start is not None and end is not None else None,
                    "noise (2 SE)": percent(noise), "verdict": stage_verdict(start, end, noise),
                    "val images": n, "test": percent(m["test_accuracy"]),
                    "updates": m.get("steps"), "kept update": m.get("selected_step"),
                    "seconds": round(m["wall_seconds"]) if "wall_seconds" in m else None,
                    "steady-state rel. error per area": (
                        " ".join(f"{e:.3f}" for e in m["steady_state_rel_error"]) if stage == "init_linear" else None),
                    "contraction weight": m.get("contraction_weight") if stage == "init_linear" else None,
                }
                rows.append(row)
                files.append(str(path))
    return rows, files


def stage_table(cfg: dict[str, Any]) -> Table:
    """The stage table of a configuration's run: what each stage of the initialisation method keeps or gains."""
    rows, files = stage_rows(Layout.from_config(cfg), cfg["data"]["datasets"], cfg["model"]["depths"],
                             lambda d, n: row_seeds(cfg, d, n), cfg["run"]["seed"])
    prov = record({k: cfg[k] for k in ("model", "simulation", "training")}, seed=cfg["run"]["seed"],
                  scale=cfg["run"]["scale"], extra={"inputs": files})
    target = cfg["training"]["steady_state_target"]
    return Table(rows, prov, "Accuracy through the training stages (%)",
                 f"Scale: {cfg['run']['scale']}, main seed {cfg['run']['seed']} (other seeds: their whole chain). "
                 "The graph cnn -> fold -> init_linear "
                 "(steady-state matching, no training in time) -> linear_rnn -> anneal -> finetune, and the two "
                 "controls (from random weights). 'val start': the validation accuracy of the model as the stage "
                 "receives it (init_linear: of the folded CNN it matches); 'val end': of the state the stage keeps "
                 "(its best validation score; annealing: its best ReLU state); the verdict compares the change with "
                 "two standard errors of a difference on that many validation images. 'test': the test accuracy "
                 "of the kept state (on Table 1's test images). The steady-state error is "
                 "the relative squared error of each area's simulated steady state to the CNN's pre-activation on "
                 f"validation images (target {target}); the contraction weight is the one the fit kept (the "
                 "best linear RNN on validation among training.contraction_weight).")


def table1(cfg: dict[str, Any]) -> tuple[Table, list[dict[str, Any]]]:
    """Table 1 of a configuration's run, with its caption and the provenance of every file it read; and the same
    numbers as data (:func:`table1_rows`)."""
    rows, md_rows, sources, records = table1_rows(Layout.from_config(cfg), cfg["data"]["datasets"],
                                                  cfg["model"]["depths"], lambda d, n: row_seeds(cfg, d, n),
                                                  cfg["run"]["seed"])
    seeds = [cfg["run"]["seed"], *extra_seeds(cfg)]
    prov = record({k: cfg[k] for k in ("model", "simulation", "training")}, seed=cfg["run"]["seed"],
                  scale=cfg["run"]["scale"], data=sorted({r["data"] for r in rows}),
                  extra={"inputs": sources, "seeds": seeds})
    several = any(r["seeds"] > 1 for r in rows)
    return Table(rows, prov, "Table 1: test accuracy (%)",
                 f"Scale: {cfg['run']['scale']}, seeds {' '.join(map(str, seeds))} (main seed {cfg['run']['seed']}). "
                 "Each row states its data source and its number of seeds"
                 + (": with several, a cell is mean ± SD (min-max) over seeds, each of which retrains the whole "
                    "chain (its CNN, folding, steady-state fit, stages in time and controls); the CSV keeps every "
                    "seed's value. " if several else ". ")
                 + "Every model of a row is scored on the same test images (the row says how many), and its "
                 "per-image answers are kept beside its metrics (predictions.npy) for the paired statistics. "
                 + "CordsNet (initialization method) is the model after steady-state matching, linear-RNN training "
                 "and annealing (s2-s4); direct training and the FC-RNN get the same budget in simulated image-steps. "
                 "Every stage and control keeps its best state on the validation split (held out of the training "
                 "data); the test split gives only these numbers.", md_rows), records


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True,
                   help="CSV path; .md, .provenance.json, .json (the table as data, keyed by stage) and .metrics.json "
                        "(for `dvc metrics`) are written beside it")
    p.add_argument("--stages-out", required=True, help="CSV path of the stage table (.md, .provenance.json beside)")


@command("table1", "Table 1 (test accuracy per dataset and depth) and the stage table from the stages' metrics files",
         _add_args,
         concern="training")
def _cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    table, records = table1(cfg)
    table.write(args.out)
    write_json(Path(args.out).with_suffix(".metrics.json"), table1_metrics(table.rows))
    write_json(Path(args.out).with_suffix(".json"), {"rows": records, "unit": "test accuracy (%)",
                                                    "provenance": table.provenance})
    stage_table(cfg).write(args.stages_out)
    log.info("wrote %s and %s (%d rows)", args.out, args.stages_out, len(table.rows))
    return 0
