"""The commands of the ``cordsnet`` CLI, registered with :func:`command`; :mod:`cordsnet.cli` builds the parser."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("cordsnet")

AddArgs = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace, dict], int]
COMMANDS: dict[str, tuple[str, AddArgs, Run]] = {}


def command(name: str, help_text: str, add_args: Callable[[argparse.ArgumentParser], None]):
    def deco(fn: Callable[[argparse.Namespace, dict], int]):
        COMMANDS[name] = (help_text, add_args, fn)
        return fn

    return deco


def _add_prepare(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", required=True, help="one of mnist, fmnist, cifar10, cifar100, imagenet")


@command("prepare-data", "resolve a dataset's source, store it and write its manifest", _add_prepare)
def _prepare(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    from cordsnet.data.prepare import prepare_dataset

    manifest = prepare_dataset(args.dataset, cfg["data"], cfg["paths"]["data"])
    sizes = {s: v["n"] for s, v in manifest["splits"].items()}
    log.info("prepared %s from %s (%s): %s", args.dataset, manifest["source"]["kind"],
             manifest["source"]["location"], sizes)
    return 0


def _add_compute(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="CSV path; .md and .provenance.json are written beside it")
    p.add_argument("--depths", type=int, nargs="+", default=[2, 4, 6, 8])


@command("compute-table", "parameters and MACs per time step of CordsNet-R2..R8 at paper scale vs torchvision CNNs",
         _add_compute)
def _compute_table(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    from cordsnet.compute import compute_table
    from cordsnet.provenance import record
    from cordsnet.tables import write_table

    settings = {"depths": args.depths, "width": 1.0, "image_size": 224, "num_classes": 1000, "stem": "paper"}
    rows = compute_table(depths=tuple(args.depths))
    for r in rows:
        r["params_M"] = round(r["params"] / 1e6, 3)
        r["GMACs_per_step"] = round(r["macs_per_step"] / 1e9, 3)
        r["GMACs_per_step_engine"] = round(r["macs_per_step_engine"] / 1e9, 3)
    prov = record(settings, scale="paper (architecture only; no data or training involved)",
                  data={"kind": "none", "note": "counts from torch FlopCounterMode on zero inputs"},
                  extra={"run_name": cfg.get("run", {}).get("name")})
    write_table(rows, args.out, prov, "Compute per time step (Fig 2)",
                "Parameters and MACs of one time step of CordsNet (224 px, 1000 classes, full width) next to one "
                "forward pass of torchvision CNNs. CordsNet runs ~200 steps per image; the engine column excludes "
                "the work done once per image (stem, area-0 drive, stem skip).")
    log.info("wrote %s (%d rows)", args.out, len(rows))
    return 0


def _add_eigs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="JSON path; the eigenvalues also go to a .npz beside it")
    p.add_argument("--checkpoint", default=None, help="a trained model (default: random initialisation)")


@command("dynamics-eigs", "Arnoldi vs ARPACK on the first/last recurrent convolution at paper scale (Fig 4A)",
         _add_eigs)
def _eigs(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    from cordsnet.dynamics.cli import eigen_benchmark

    d = cfg["dynamics"]
    rep = eigen_benchmark(args.out, d["eig_depth"], d["eig_k"], d["eig_tol"], args.checkpoint,
                          cfg.get("run", {}).get("seed", 0), d["eig_image_size"])
    for label, a in rep["areas"].items():
        log.info("%s area %s: Arnoldi %.1f s, ARPACK %.1f s, max |difference| %.2e", label, a["shape"],
                 a["arnoldi_seconds"], a["arpack_seconds"], a["max_abs_difference"])
    return 0


def _add_sv(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True)
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--size", type=int, default=16)


@command("dynamics-singular-values", "singular values of random recurrent convolutions vs kernel size (Fig S1A)",
         _add_sv)
def _sv(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    from cordsnet.dynamics.cli import singular_values_report

    singular_values_report(args.out, tuple(cfg["dynamics"]["kernel_sizes"]), args.channels, args.size,
                           cfg.get("run", {}).get("seed", 0))
    return 0


def _add_regimes(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True)


@command("dynamics-regimes", "stable, oscillatory and chaotic regimes with measured diagnostics (Fig 1B, S1B)",
         _add_regimes)
def _regimes(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    from cordsnet.dynamics.cli import regimes_report

    d = cfg["dynamics"]
    rep = regimes_report(args.out, d["regime_channels"], d["regime_size"], cfg.get("run", {}).get("seed", 0),
                         d["regime_steps"])
    for name, d in rep["regimes"].items():
        log.info("%s: radius %.2f, speed %.2e, period %s, Lyapunov %.3f", name, d["spectral_radius"],
                 d["final_speed"], d["period"], d["lyapunov"])
    return 0


def _add_train(p: argparse.ArgumentParser) -> None:
    from cordsnet.training.stages import STAGES

    p.add_argument("--stage", required=True, choices=STAGES)
    p.add_argument("--dataset", required=True)
    p.add_argument("--depth", type=int, required=True, choices=[2, 4, 6, 8])
    p.add_argument("--distributed", action="store_true",
                   help="initialise torch.distributed from torchrun's environment (gloo on CPU, nccl on GPU)")


@command("train", "run one training stage (resumes an interrupted run); writes checkpoint.pt and metrics.json",
         _add_train)
def _train(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    import torch
    import torch.distributed as dist

    from cordsnet.training.stages import run_stage

    if args.distributed:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    try:
        metrics = run_stage(args.stage, cfg, args.dataset, args.depth)
    finally:
        if args.distributed:
            dist.destroy_process_group()
    log.info("%s %s R%d: test accuracy %.4f (%.0f s)", args.stage, args.dataset, args.depth,
             metrics.get("test_accuracy", float("nan")), metrics["wall_seconds"])
    return 0


def _add_table1(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True,
                   help="CSV path; .md, .provenance.json and .metrics.json (for `dvc metrics`) are written beside it")


@command("table1", "Table 1 (test accuracy per dataset and depth) from the stages' metrics files", _add_table1)
def _table1(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    from cordsnet.io import write_json
    from cordsnet.provenance import record
    from cordsnet.tables import write_table
    from cordsnet.training.table1 import table1_metrics, table1_rows

    rows, sources = table1_rows(cfg["paths"]["results"], cfg["data"]["datasets"], cfg["model"]["depths"])
    prov = record({k: cfg[k] for k in ("model", "simulation", "training")}, seed=cfg["run"]["seed"],
                  scale=cfg["run"].get("scale"), data=sorted({r["data"] for r in rows}),
                  extra={"inputs": sources})
    write_table(rows, args.out, prov, "Table 1: test accuracy (%)",
                f"Scale: {cfg['run'].get('scale')}. Each row states its data source. CordsNet (initialization "
                "method) is the model after steady-state matching, linear-RNN training and annealing (s2-s4); "
                "direct training and the FC-RNN get the same budget in simulated image-steps.")
    write_json(Path(args.out).with_suffix(".metrics.json"), table1_metrics(rows))
    return 0


def _add_summary(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wall-seconds", type=float, required=True, help="measured wall time of the whole run")


@command("workflow-summary", "per-job times and peak memory from the rules' benchmark files, with the run's wall "
         "time (written by `make reproduce` to <results>/benchmarks/workflow.{csv,md})", _add_summary)
def _workflow_summary(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    from cordsnet.provenance import record
    from cordsnet.tables import write_table
    from cordsnet.workflow_summary import HISTORY_NAME, append_history, summarise

    bench = Path(cfg["paths"]["results"]) / "benchmarks"
    rows, totals = summarise(bench, args.wall_seconds)
    prov = record({"run": cfg["run"]}, scale=cfg["run"].get("scale"), extra=totals)
    write_table(rows, bench / "workflow.csv", prov, "Workflow run: wall time and per-job cost",
                f"Scale: {cfg['run'].get('scale')}. Wall time of the whole run {totals['wall_seconds']:.0f} s "
                f"({totals['wall_seconds'] / 60:.1f} min); jobs' own time summed {totals['job_seconds']:.0f} s; "
                f"largest peak RSS {totals['max_rss_mb']:.0f} MB. Jobs that were up to date did not run and "
                "keep the time of the run that made them.")
    history = bench / HISTORY_NAME
    append_history(history, prov, totals)
    log.info("wall %.0f s, jobs %.0f s (history: %s)", totals["wall_seconds"], totals["job_seconds"], history)
    return 0
