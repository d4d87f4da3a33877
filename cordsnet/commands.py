"""The commands of the ``cordsnet`` CLI, registered with :func:`command`; :mod:`cordsnet.cli` builds the parser."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
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
