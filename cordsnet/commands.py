"""The commands of the ``cordsnet`` CLI, registered with :func:`command`; :mod:`cordsnet.cli` builds the parser.

The commands that make data and models live here; each analysis registers its own command from its module in
:mod:`cordsnet.analyses`. Every command names the configuration sections it reads, so that a partial
``--config-json`` without them is refused before any work, naming what is missing.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("cordsnet")

AddArgs = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace, dict], int]


@dataclass(frozen=True)
class Command:
    help: str
    add_args: AddArgs
    run: Run
    sections: tuple[str, ...]
    """configuration sections the command reads"""


COMMANDS: dict[str, Command] = {}


def command(name: str, help_text: str, add_args: AddArgs, sections: tuple[str, ...] = ("run",)):
    """Register ``fn(args, cfg) -> exit code`` as ``cordsnet <name>``."""

    def deco(fn: Run) -> Run:
        if name in COMMANDS:
            raise ValueError(f"command '{name}' is registered twice")
        COMMANDS[name] = Command(help_text, add_args, fn, tuple(sections))
        return fn

    return deco


def _add_prepare(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", required=True, help="one of mnist, fmnist, cifar10, cifar100, imagenet")


@command("prepare-data", "resolve a dataset's source, store it and write its manifest", _add_prepare,
         sections=("run", "paths", "data"))
def _prepare(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    from cordsnet.data.prepare import prepare_dataset

    manifest = prepare_dataset(args.dataset, cfg["data"], cfg["paths"]["data"])
    sizes = {s: v["n"] for s, v in manifest["splits"].items()}
    log.info("prepared %s from %s (%s): %s", args.dataset, manifest["source"]["kind"],
             manifest["source"]["location"], sizes)
    return 0


def _add_train(p: argparse.ArgumentParser) -> None:
    from cordsnet.training.graph import ALL_STAGES

    p.add_argument("--stage", required=True, choices=ALL_STAGES)
    p.add_argument("--dataset", required=True)
    p.add_argument("--depth", type=int, required=True, choices=[2, 4, 6, 8])
    p.add_argument("--seed", type=int, default=None,
                   help="train another seed's copy of a seeded stage (run.seeds) into models/<dataset>/R<depth>/"
                        "seed<K>/<stage>; omitted: the main seed's (run.seed)")
    p.add_argument("--distributed", action="store_true",
                   help="initialise torch.distributed from torchrun's environment (gloo on CPU, nccl on GPU)")


@command("train", "run one training stage (resumes an interrupted run); writes checkpoint.pt and metrics.json",
         _add_train, sections=("run", "paths", "data", "model", "training"))
def _train(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    import torch
    import torch.distributed as dist

    from cordsnet.training.stages import run_stage

    if args.distributed:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    try:
        metrics = run_stage(args.stage, cfg, args.dataset, args.depth, seed=args.seed)
    finally:
        if args.distributed:
            dist.destroy_process_group()
    log.info("%s %s R%d%s: test accuracy %.4f (%.0f s)", args.stage, args.dataset, args.depth,
             "" if args.seed is None else f" seed {args.seed}", metrics["test_accuracy"], metrics["wall_seconds"])
    return 0


def _add_summary(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wall-seconds", type=float, required=True, help="measured wall time of the whole run")


@command("workflow-summary", "per-job times and peak memory from the rules' benchmark files, with the run's wall "
         "time (written by `make reproduce` to <results>/benchmarks/workflow.{csv,md})", _add_summary,
         sections=("run", "paths"))
def _workflow_summary(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    from cordsnet.layout import Layout
    from cordsnet.provenance import record
    from cordsnet.tables import write_table
    from cordsnet.workflow_summary import HISTORY_NAME, append_history, summarise

    bench = Layout.from_config(cfg).benchmarks()
    rows, totals = summarise(bench, args.wall_seconds)
    prov = record({"run": cfg["run"]}, scale=cfg["run"]["scale"], extra=totals)
    write_table(rows, Path(bench) / "workflow.csv", prov, "Workflow run: wall time and per-job cost",
                f"Scale: {cfg['run']['scale']}. Wall time of the whole run {totals['wall_seconds']:.0f} s "
                f"({totals['wall_seconds'] / 60:.1f} min); jobs' own time summed {totals['job_seconds']:.0f} s; "
                f"largest peak RSS {totals['max_rss_mb']:.0f} MB. Jobs that were up to date did not run and "
                "keep the time of the run that made them.")
    history = bench / HISTORY_NAME
    append_history(history, prov, totals)
    log.info("wall %.0f s, jobs %.0f s (history: %s)", totals["wall_seconds"], totals["job_seconds"], history)
    return 0
