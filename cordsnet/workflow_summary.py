"""Summarise a workflow run from the benchmark files Snakemake writes for every job (``benchmark:`` directive).

Snakemake records each job's wall time and peak memory in ``<results>/benchmarks/**/<job>.tsv``; the run's total
wall time can only be measured outside it (``make reproduce`` does), so it is passed in.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

HISTORY_NAME = "runs.tsv"
"""The run history written beside the benchmark files; not a job's benchmark."""


def summarise(bench_dir: str | Path, wall_seconds: float) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """(rows sorted by cost, totals) from every ``*.tsv`` under ``bench_dir``."""
    bench_dir = Path(bench_dir)
    rows = []
    for tsv in sorted(bench_dir.rglob("*.tsv")):
        if tsv.name == HISTORY_NAME and tsv.parent == bench_dir:
            continue
        with tsv.open() as fh:
            records = list(csv.DictReader(fh, delimiter="\t"))
        if not records:
            continue
        last = records[-1]
        rows.append({"job": str(tsv.relative_to(bench_dir).with_suffix("")), "seconds": round(float(last["s"]), 1),
                     "max_rss_mb": round(float(last["max_rss"]), 0) if last.get("max_rss") not in (None, "-", "NA")
                     else None})
    if not rows:
        raise FileNotFoundError(f"no benchmark files under {bench_dir}: run the workflow first")
    rows.sort(key=lambda r: -r["seconds"])
    job_seconds = sum(r["seconds"] for r in rows)
    totals = {"wall_seconds": float(wall_seconds), "job_seconds": round(job_seconds, 1),
              "max_rss_mb": max((r["max_rss_mb"] or 0) for r in rows), "jobs": len(rows)}
    for r in rows:
        r["share_of_job_time"] = round(r["seconds"] / job_seconds, 3) if job_seconds else 0.0
    return rows, totals


HISTORY_HEADER = "finished_utc\tscale\tcode_version\tconfig_hash\twall_seconds\tjob_seconds\n"


def append_history(path: str | Path, provenance: dict[str, Any], totals: dict[str, float]) -> None:
    """One line per run in ``path`` (``runs.tsv``), so that an up-to-date re-run does not erase a full run's time."""
    path = Path(path)
    line = "\t".join([provenance["created_utc"], str(provenance.get("scale")), provenance["code_version"],
                      provenance["config_hash"], f"{totals['wall_seconds']:.0f}", f"{totals['job_seconds']:.0f}"])
    with path.open("a") as fh:
        if fh.tell() == 0:
            fh.write(HISTORY_HEADER)
        fh.write(line + "\n")
