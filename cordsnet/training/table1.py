"""Table 1: test accuracy per dataset x depth, computed from the stages' metrics files only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cordsnet.training.stages import stage_dir

COLUMNS = {
    "cnn": "CNN",
    "anneal": "CordsNet (initialization method)",
    "finetune": "CordsNet (fine-tuned)",
    "direct": "CordsNet (direct training)",
    "fcrnn": "FC-RNN (matched parameters)",
}
"""The initialisation method ends with the annealing stage (s2-s4); fine-tuning (s5) follows it."""


def table1_rows(results: str | Path, datasets, depths) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows, the provenance of every metrics file used)."""
    rows, sources = [], []
    for dataset in datasets:
        for depth in depths:
            row: dict[str, Any] = {"dataset": dataset, "model": f"R{depth}"}
            data_note = scale = evaluation = None
            for stage, column in COLUMNS.items():
                path = stage_dir(results, dataset, depth, stage) / "metrics.json"
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
