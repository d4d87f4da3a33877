"""Compute accounting (Fig 2, right): parameters and MACs per time step of CordsNet-R2..R8 at paper scale (224 px,
full widths, 1000 classes), next to common torchvision CNNs (one forward pass each).

MACs come from torch's ``FlopCounterMode`` (which counts multiply-accumulates of convolutions and matrix products
as 2 FLOPs each; pooling and element-wise work are not counted, for CNNs and CordsNet alike). The full step is the
plain reference's (:func:`~cordsnet.engine.reference_step`), the engine's per-step and once-per-image work its
public :class:`~cordsnet.engine.Stepper`'s.

Config: ``compute.depths``, ``compute.cnns``. Output: ``<results>/tables/compute.{csv,md,provenance.json}``.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cordsnet.commands import command
from cordsnet.engine import Stepper, reference_step
from cordsnet.models.blocks import readout_features
from cordsnet.models.cordsnet import CordsNet
from cordsnet.provenance import record
from cordsnet.results import Table

log = logging.getLogger("cordsnet")
PAPER_SCALE = {"width": 1.0, "image_size": 224, "num_classes": 1000, "in_channels": 3, "stem": "paper"}

TORCHVISION_CNNS = ("alexnet", "vgg16", "resnet18", "resnet34", "resnet50", "mobilenet_v2", "densenet121",
                    "efficientnet_b0")


def count_macs(fn: Callable[[], object]) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops() // 2


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def cordsnet_step_macs(model: CordsNet, batch: int = 1) -> dict[str, int]:
    """MACs of one time step at batch 1.

    ``per_step``: the full update as the equations define it (stem, every convolution, readout).
    ``per_step_engine``: what the engine spends per step while an image is shown (the stem, area 0's feedforward
    drive and the stem skip are computed once per image instead).
    """
    x = torch.zeros(batch, model.arch.in_channels, model.arch.image_size, model.arch.image_size)
    states = [torch.zeros(batch, *s) for s in model.state_shapes()]
    with torch.no_grad():
        full = count_macs(lambda: model.readout(readout_features([torch.relu(r) for r in reference_step(model, states,
                                                                                                         x)])))
        runner = Stepper(model, inplace=False, state_noise=0.0, generator=None)
        s = model.stem(x)
        const0, stem_skip = runner.drives(s, states[0])
        engine = count_macs(lambda: runner.readout(runner.step(list(states), const0, stem_skip)))
        once = count_macs(lambda: runner.drives(model.stem(x), states[0]))
    return {"per_step": full, "per_step_engine": engine, "per_image": once}


def compute_table(depths=(2, 4, 6, 8), width: float = 1.0, image_size: int = 224, num_classes: int = 1000,
                  in_channels: int = 3, stem: str = "paper", cnns=TORCHVISION_CNNS) -> list[dict]:
    """Rows of {model, family, params, macs_per_step, ...} for CordsNets and torchvision CNNs."""
    import torchvision.models as tvm

    rows: list[dict] = []
    for depth in depths:
        m = CordsNet(depth=depth, in_channels=in_channels, num_classes=num_classes, width=width, stem=stem,
                     image_size=image_size)
        macs = cordsnet_step_macs(m)
        rows.append({"model": f"CordsNet-R{depth}", "family": "CordsNet", "params": count_params(m),
                     "macs_per_step": macs["per_step"], "macs_per_step_engine": macs["per_step_engine"],
                     "macs_once_per_image": macs["per_image"], "image_size": image_size})
    x = torch.zeros(1, 3, image_size, image_size)
    for name in cnns:
        net = getattr(tvm, name)(weights=None, num_classes=num_classes).eval()
        with torch.no_grad():
            macs = count_macs(lambda net=net: net(x))
        rows.append({"model": name, "family": "CNN (torchvision)", "params": count_params(net),
                     "macs_per_step": macs, "macs_per_step_engine": macs, "macs_once_per_image": 0,
                     "image_size": image_size})
    return rows


def compute_table_result(compute_cfg: dict[str, Any], run_name: str) -> Table:
    """The compute table (architecture only: no data, no training) with its caption and provenance."""
    rows = compute_table(depths=tuple(compute_cfg["depths"]), cnns=tuple(compute_cfg["cnns"]), **PAPER_SCALE)
    for r in rows:
        r["params_M"] = round(r["params"] / 1e6, 3)
        r["GMACs_per_step"] = round(r["macs_per_step"] / 1e9, 3)
        r["GMACs_per_step_engine"] = round(r["macs_per_step_engine"] / 1e9, 3)
    prov = record({"compute": compute_cfg, **PAPER_SCALE}, scale="paper (architecture only; no data or training)",
                  data={"kind": "none", "note": "counts from torch FlopCounterMode on zero inputs"},
                  extra={"run_name": run_name})
    return Table(rows, prov, "Compute per time step (Fig 2)",
                 "Parameters and MACs of one time step of CordsNet (224 px, 1000 classes, full width) next to one "
                 "forward pass of torchvision CNNs. CordsNet runs ~200 steps per image; the engine column excludes "
                 "the work done once per image (stem, area-0 drive, stem skip).")


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="CSV path (the workflow's: Layout.table('compute')); .md and "
                   ".provenance.json are written beside it")


@command("compute-table", "parameters and MACs per time step of CordsNet (compute.depths) at paper scale vs "
         "torchvision CNNs (compute.cnns)", _add_args, concern="compute")
def _cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    table = compute_table_result(cfg["compute"], cfg["run"]["name"])
    table.write(args.out)
    log.info("wrote %s (%d rows)", args.out, len(table.rows))
    return 0
