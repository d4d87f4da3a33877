"""Summarise a workflow run from the benchmark files Snakemake writes for every job (``benchmark:`` directive), and
its cost ledger (:mod:`cordsnet.ledger`) from Snakemake's metadata.

Snakemake records each job's wall time and peak memory in ``<results>/benchmarks/**/<job>.tsv``; the run's total
wall time can only be measured outside it (``make reproduce`` does), so it is passed in.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
from pathlib import Path
from typing import Any

from cordsnet.commands import command
from cordsnet.io import write_json, write_text
from cordsnet.layout import Layout
from cordsnet.ledger import ledger, markdown, read_jobs, update_costs
from cordsnet.provenance import record
from cordsnet.tables import write_table

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


# -- command (`make reproduce`) ----------------------------------------------------------------------------------
def _add_summary(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wall-seconds", type=float, required=True, help="measured wall time of the whole run")
    p.add_argument("--metadata", default=".snakemake/metadata",
                   help="Snakemake's metadata folder of the run, for the cost ledger (default: %(default)s)")
    p.add_argument("--cores", type=int, default=os.cpu_count(), help="cores of the machine that ran it (default: "
                   "this machine's)")


@command("workflow-summary", "per-job times and peak memory from the rules' benchmark files, with the run's wall "
         "time (written by `make reproduce` to <results>/benchmarks/workflow.{csv,md})", _add_summary, concern=None,
         sections=("run", "paths"))
def _workflow_summary(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    bench = Layout.from_config(cfg).benchmarks()
    rows, totals = summarise(bench, args.wall_seconds)
    prov = record({"run": cfg["run"]}, scale=cfg["run"]["scale"], extra=totals)
    write_table(rows, Path(bench) / "workflow.csv", prov, "Workflow run: wall time and per-job cost",
                f"Scale: {cfg['run']['scale']}. Wall time of the whole run {totals['wall_seconds']:.0f} s "
                f"({totals['wall_seconds'] / 60:.1f} min); jobs' own time summed {totals['job_seconds']:.0f} s; "
                f"largest peak RSS {totals['max_rss_mb']:.0f} MB. Jobs that were up to date did not run and "
                "keep the time of the run that made them.")
    jobs = read_jobs(args.metadata) if Path(args.metadata).is_dir() else []
    if jobs:  # the cost ledger: by concern, stage and model, critical path, projections
        led = ledger(jobs, args.wall_seconds, args.cores, cfg["run"]["threads"])
        write_json(bench / "ledger.json", {**led, "provenance": prov})
        md = bench / "workflow.md"
        write_text(md, md.read_text().rstrip() + "\n\n" + markdown(led))
    write_json(bench / "update_costs.json", {"rows": update_costs(Layout.from_config(cfg).results / "models"),
                                             "unit": "seconds per optimiser update, this run's machine",
                                             "provenance": prov})
    history = bench / HISTORY_NAME
    append_history(history, prov, totals)
    logging.getLogger("cordsnet").info("wall %.0f s, jobs %.0f s (history: %s)", totals["wall_seconds"],
                                       totals["job_seconds"], history)
    return 0
