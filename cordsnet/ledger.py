"""The cost ledger of a workflow run: where every second went, the DAG's critical path, and the wall time the same
jobs would take on more cores.

Read from what Snakemake already writes: its per-output metadata (``.snakemake/metadata/``: each output's rule,
inputs, start and end time), from which the jobs, their durations and the DAG's edges (a job depends on the jobs
that wrote its inputs) follow. No timing runs inside a test or a job.

- **By concern, by stage, by model**: job seconds summed (a training job's stage and model come from its output
  path ``models/<dataset>/R<depth>/[seed<k>/]<stage>/``).
- **Core use**: the jobs' seconds times their cores over the measured wall time times the machine's cores.
- **Critical path**: the longest chain of dependent jobs, in seconds: no number of cores finishes sooner.
- **Projection**: list scheduling of the real DAG with the measured job times on 2, 4, 8, 16 and 64 cores, the job
  that heads the longest remaining chain first (each job holding ``cores_per_job`` cores), the wall time Snakemake's
  own scheduler can at best approach on such a machine. The 2-core projection beside the measured run says how
  close the scheduler came.

Durations are the metadata's end minus start (what the job took, from Snakemake's view). Jobs that were up to date
keep the times of the run that made them. Torch-free.
"""

from __future__ import annotations

import base64
import heapq
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cordsnet.concerns import CONCERNS

PROJECTED_CORES = (2, 4, 8, 16, 64)
RULE_CONCERN = {"train_stage": "training", "train_stage_seed": "training", "table1": "training",
                "prepare_tensor_dataset": "data", "prepare_imagenet": "data", "claims_table": "claims"}
"""rules whose name does not start with their concern's"""
MODEL_PATH = re.compile(r"models/(?P<dataset>[^/]+)/R(?P<depth>\d+)/(?:seed(?P<seed>\d+)/)?(?P<stage>[a-z_]+)/")


@dataclass
class Job:
    """One job of a run: its rule, what it wrote and read, when it ran."""

    rule: str
    outputs: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    start: float = 0.0
    end: float = 0.0

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)

    @property
    def concern(self) -> str:
        if self.rule.endswith("_figures"):
            return "figures"
        if self.rule in RULE_CONCERN:
            return RULE_CONCERN[self.rule]
        return next((c for c in CONCERNS if self.rule.startswith(c)), "other")

    @property
    def model(self) -> dict[str, str] | None:
        """dataset, depth, seed (None: the main seed's) and stage of a training job; None for other jobs."""
        for path in self.outputs:
            m = MODEL_PATH.search(path)
            if m and self.rule.startswith("train_stage"):
                return m.groupdict()
        return None


def read_jobs(metadata_dir: str | Path) -> list[Job]:
    """The jobs recorded in Snakemake's metadata folder (one file per output, named by its base64 path)."""
    metadata_dir = Path(metadata_dir)
    if not metadata_dir.is_dir():
        raise FileNotFoundError(f"no Snakemake metadata at {metadata_dir}: run the workflow from this folder first "
                                "(the ledger reads .snakemake/metadata/)")
    jobs: dict[tuple[str, Any, float], Job] = {}
    for f in sorted(metadata_dir.iterdir()):
        try:
            record = json.loads(f.read_text())
            output = base64.b64decode(f.name + "=" * (-len(f.name) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            continue
        if record.get("incomplete") or record.get("starttime") is None:
            continue
        # one job's outputs share its hash and end time; each output records its own start, a moment apart
        key = (record["rule"], record.get("job_hash"), record["endtime"])
        job = jobs.setdefault(key, Job(record["rule"], [], list(record.get("input") or []), record["starttime"],
                                       record["endtime"]))
        job.outputs.append(output)
        job.start = min(job.start, record["starttime"])
    return sorted(jobs.values(), key=lambda j: j.start)


def edges(jobs: list[Job]) -> dict[int, set[int]]:
    """job index -> the indices of the jobs that wrote its inputs."""
    writer = {out: i for i, job in enumerate(jobs) for out in job.outputs}
    return {i: {writer[p] for p in job.inputs if p in writer and writer[p] != i} for i, job in enumerate(jobs)}


def _children(deps: dict[int, set[int]]) -> dict[int, list[int]]:
    """job index -> the jobs that read its outputs (``deps`` reversed)."""
    children: dict[int, list[int]] = defaultdict(list)
    for i, ds in deps.items():
        for d in ds:
            children[d].append(i)
    return children


def bottom_levels(jobs: list[Job], deps: dict[int, set[int]]) -> list[float]:
    """Each job's longest chain to the end of the DAG (itself included), in seconds."""
    children = _children(deps)
    level: dict[int, float] = {}

    def visit(i: int) -> float:
        if i not in level:
            level[i] = jobs[i].seconds + max((visit(c) for c in children[i]), default=0.0)
        return level[i]

    for i in range(len(jobs)):
        visit(i)
    return [level[i] for i in range(len(jobs))]


def critical_path(jobs: list[Job], deps: dict[int, set[int]]) -> tuple[float, list[int]]:
    """(seconds, the chain of job indices) of the longest chain of dependent jobs."""
    levels, children = bottom_levels(jobs, deps), _children(deps)
    if not jobs:
        return 0.0, []
    roots = [i for i in range(len(jobs)) if not deps[i]]
    i = max(roots, key=lambda k: levels[k])
    chain = [i]
    while children[i]:
        i = max(children[i], key=lambda k: levels[k])
        chain.append(i)
    return levels[chain[0]], chain


def list_schedule(jobs: list[Job], deps: dict[int, set[int]], cores: int, cores_per_job: int = 1,
                  levels: list[float] | None = None) -> float:
    """The makespan (s) of the DAG on ``cores`` cores, each job holding ``cores_per_job`` of them, the ready job
    heading the longest remaining chain first (``levels``: :func:`bottom_levels`, if already computed)."""
    per_job = min(cores_per_job, cores)
    levels = bottom_levels(jobs, deps) if levels is None else levels
    waiting = {i: set(d) for i, d in deps.items()}
    children = _children(deps)
    ready = [(-levels[i], i) for i, d in waiting.items() if not d]
    heapq.heapify(ready)
    running: list[tuple[float, int]] = []
    now, free = 0.0, cores
    while ready or running:
        while ready and free >= per_job:
            _, i = heapq.heappop(ready)
            heapq.heappush(running, (now + jobs[i].seconds, i))
            free -= per_job
        now, i = heapq.heappop(running)
        free += per_job
        for c in children[i]:
            waiting[c].discard(i)
            if not waiting[c]:
                heapq.heappush(ready, (-levels[c], c))
    return now


def _sum_by(jobs: list[Job], key) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for job in jobs:
        k = key(job)
        if k is not None:
            out[k] += job.seconds
    return {k: round(v, 1) for k, v in sorted(out.items(), key=lambda kv: -kv[1])}


def ledger(jobs: list[Job], wall_seconds: float | None, machine_cores: int, cores_per_job: int = 1
           ) -> dict[str, Any]:
    """Every number of the ledger, from the jobs of one run."""
    deps = edges(jobs)
    job_seconds = sum(j.seconds for j in jobs)
    span = (max(j.end for j in jobs) - min(j.start for j in jobs)) if jobs else 0.0
    wall = wall_seconds if wall_seconds else span
    path_seconds, chain = critical_path(jobs, deps)
    levels = bottom_levels(jobs, deps)
    projected = {n: round(list_schedule(jobs, deps, n, cores_per_job, levels), 1) for n in PROJECTED_CORES}
    return {
        "jobs": len(jobs), "job_seconds": round(job_seconds, 1), "wall_seconds": round(wall, 1),
        "metadata_span_seconds": round(span, 1), "machine_cores": machine_cores, "cores_per_job": cores_per_job,
        "core_use": round(job_seconds * cores_per_job / (wall * machine_cores), 3) if wall else None,
        "critical_path_seconds": round(path_seconds, 1),
        "critical_path": [f"{jobs[i].rule} {_label(jobs[i])}".strip() for i in chain],
        "projected_wall_seconds": projected,
        "by_concern": _sum_by(jobs, lambda j: j.concern),
        "by_stage": _sum_by(jobs, lambda j: j.model["stage"] if j.model else None),
        "by_model": _sum_by(jobs, lambda j: f"{j.model['dataset']} R{j.model['depth']}" if j.model else None),
        "by_seed": _sum_by(jobs, lambda j: (f"seed {j.model['seed']}" if j.model["seed"] else "main seed")
                           if j.model else None),
    }


def _label(job: Job) -> str:
    m = job.model
    if m:
        return f"{m['dataset']} R{m['depth']}{' seed ' + m['seed'] if m['seed'] else ''} {m['stage']}"
    return Path(job.outputs[0]).stem if job.outputs else ""


def _minutes(s: float) -> str:
    return f"{s / 60:.1f} min"


def markdown(led: dict[str, Any]) -> str:
    """The ledger as a section of ``workflow.md``."""
    lines = ["## Cost ledger", "",
             f"{led['jobs']} jobs, {led['job_seconds']:.0f} s of job time; measured wall time "
             f"{_minutes(led['wall_seconds'])} on {led['machine_cores']} cores "
             f"({led['cores_per_job']} core per job): core use {led['core_use'] or 0:.0%}. "
             f"Critical path {_minutes(led['critical_path_seconds'])} ({len(led['critical_path'])} jobs): no number "
             "of cores finishes sooner.", "",
             "| cores | projected wall time | against the measured run |", "|---|---|---|"]
    for n, s in led["projected_wall_seconds"].items():
        if not s or not led["critical_path_seconds"]:
            note = "no job time recorded"
        elif int(n) == led["machine_cores"]:
            note = f"measured {_minutes(led['wall_seconds'])} ({led['wall_seconds'] / s:.2f} x the projection)"
        else:
            note = f"{s / led['critical_path_seconds']:.2f} x the critical path"
        lines.append(f"| {n} | {_minutes(s)} | {note} |")
    lines += ["", "Projection: list scheduling of this run's DAG with its measured job times, the job heading the "
              "longest remaining chain first.", ""]
    for title, key in (("concern", "by_concern"), ("stage", "by_stage"), ("model", "by_model"), ("seed", "by_seed")):
        total = sum(led[key].values()) or 1.0
        lines += [f"| {title} | job seconds | share |", "|---|---|---|"]
        lines += [f"| {k} | {v:.0f} | {v / total:.0%} |" for k, v in led[key].items()]
        lines.append("")
    lines += ["Critical path: " + " -> ".join(led["critical_path"]), ""]
    return "\n".join(lines)


def update_costs(models_dir: str | Path) -> list[dict[str, Any]]:
    """Seconds per optimiser update of every trained stage under ``models_dir`` (``<results>/models``), from its
    metrics (``wall_seconds`` / ``steps``): the price of a model, so that a seed design can be costed before it runs
    (``<results>/benchmarks/update_costs.json``)."""
    rows = []
    for path in sorted(Path(models_dir).rglob("metrics.json")):
        m = MODEL_PATH.search(str(path.parent) + "/")
        metrics = json.loads(path.read_text())
        if not m or not metrics.get("steps") or "wall_seconds" not in metrics:
            continue
        rows.append({**m.groupdict(), "scale": metrics.get("scale"), "steps": int(metrics["steps"]),
                     "seconds": round(float(metrics["wall_seconds"]), 1),
                     "seconds_per_update": round(float(metrics["wall_seconds"]) / int(metrics["steps"]), 4)})
    return rows
