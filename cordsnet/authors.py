"""The authors' released CordsNet (``cordsnetr8.pth``: CordsNet-R8 trained on ImageNet) in this project's format.

The release is a plain ``state_dict`` of the authors' class (``../shared/paper/AUTHORS_CHECKPOINT.md``): every
convolution and the readout weight-normalised (``<name>.parametrizations.weight.original0`` the gain g,
``original1`` the direction v, the weight ``g v / ||v||`` with the norm over all dimensions but the first), the
areas' biases full maps, and a ``module.`` prefix on every key when written by multi-GPU training. The importer folds
each (g, v) pair into its weight and assigns it to the project's model (:func:`cordsnet.training.fold.set_weight`),
so the model is the same network whether or not it is weight-normalised; :func:`export_release` writes the release's
format back (g = ||w||, v = w: the same weights).

    cordsnet import-authors cordsnetr8.pth --config config/paper.yaml      # -> models/imagenet/R8/finetune/
    cordsnet classify photo.jpg --weights cordsnetr8.pth                  # top-5 ImageNet classes

Faults are errors that name the key and the fix; nothing half-written is left (checkpoint and metrics are written
atomically, the metrics last).
"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cordsnet.commands import command
from cordsnet.io import load_tensors, save_tensors, write_json
from cordsnet.layout import Layout
from cordsnet.models.cordsnet import CordsNet
from cordsnet.provenance import record, sha256_file
from cordsnet.training.fold import set_weight

log = logging.getLogger("cordsnet")

G, V = "parametrizations.weight.original0", "parametrizations.weight.original1"
STAGE = "finetune"
"""the stage the release's trained model stands for: the end of the method (fine-tuned CordsNet)"""
RELEASE_DATASETS = {"imagenet": "imagenet", "cifar10": "cifar10", "cifar100": "cifar100", "mnist": "mnist",
                    "fmnist": "fashionmnist"}
"""this project's dataset name -> the release class's ``dataset`` argument"""


class ReleaseFormatError(ValueError):
    """A file that is not the release's state dict for the asked depth and dataset; the message says the fix."""


def release_names(model: CordsNet) -> dict[str, tuple[nn.Module | nn.Parameter, str]]:
    """release key (without the ``.parametrizations`` suffix) -> (the project's module or parameter, kind), kind
    'wn' for a weight-normalised weight, 'param' for a plain tensor."""
    names: dict[str, tuple[Any, str]] = {"inp_conv": (model.stem.conv, "wn")}
    for i, area in enumerate(model.areas):
        names[f"area_conv.{i}"] = (area.rec, "wn")
        names[f"area_area.{i}"] = (area.ff, "wn")
        names[f"conv_bias.{i}"] = (area.bias, "param")
        spec = model.arch.areas[i]
        if spec.skip == "stem":
            names["inp_skip"] = (area.skip, "wn")
        elif spec.skip == "proj":
            names[f"skip_area.{(i - 3) // 2}"] = (area.skip, "wn")
    names["out_fc"] = (model.readout, "wn")
    names["out_fc.bias"] = (model.readout.bias, "param")
    return names


def expected_keys(model: CordsNet) -> dict[str, tuple[int, ...]]:
    """Every key of the release's state dict for ``model``'s depth and dataset, with its shape."""
    out = {}
    for name, (obj, kind) in release_names(model).items():
        if kind == "param":
            out[name] = tuple(obj.shape)
        else:
            w = _weight(obj)
            out[f"{name}.{G}"] = (w.shape[0],) + (1,) * (w.dim() - 1)
            out[f"{name}.{V}"] = tuple(w.shape)
    return out


def _weight(module: nn.Module) -> torch.Tensor:
    return module.weight.detach()


def _load(path: str | Path) -> Any:
    """What ``path`` holds (``torch.load(weights_only=True)``), or an error naming the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: pass the path of the authors' cordsnetr8.pth (their "
                                "release; docs/authors-checkpoint.md says where to get it)")
    try:
        return load_tensors(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same clear message
        raise ReleaseFormatError(f"{path} is not a torch state dict ({type(exc).__name__}: {exc}); pass the "
                                 "release's cordsnetr8.pth itself") from None


def read_release(path: str | Path, state: Any = None) -> dict[str, torch.Tensor]:
    """The release's state dict (``state``: already loaded from ``path``), ``module.`` prefixes removed; an error
    naming the file if it is not one."""
    state = _load(path) if state is None else state
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ReleaseFormatError(f"{path} holds a {type(state).__name__}, not a state dict of tensors: pass the "
                                 "release's cordsnetr8.pth, saved with model.state_dict()")
    return {k.removeprefix("module."): v for k, v in state.items()}


def held_depth(state: dict[str, torch.Tensor]) -> int:
    """The depth a release state dict holds (its number of ``area_conv.<i>`` weights)."""
    areas = {int(m.group(1)) for k in state if (m := re.match(r"area_conv\.(\d+)\.", k))}
    return len(areas)


def check_release(state: dict[str, torch.Tensor], model: CordsNet, source: str) -> None:
    """Refuse a state dict whose keys or shapes are not those of ``model`` in the release's format."""
    want = expected_keys(model)
    held = held_depth(state)
    if held and held != model.depth:
        raise ReleaseFormatError(f"{source} holds CordsNet-R{held} (area_conv.0..{held - 1}), not R{model.depth}: "
                                 f"pass --depth {held}")
    missing = [k for k in want if k not in state]
    unexpected = [k for k in state if k not in want]
    if missing or unexpected:
        parts = ([f"missing keys {missing[:5]}{' ...' if len(missing) > 5 else ''}"] if missing else []) + (
            [f"unexpected keys {unexpected[:5]}{' ...' if len(unexpected) > 5 else ''}"] if unexpected else [])
        raise ReleaseFormatError(f"{source} is not the release's CordsNet-R{model.depth} state dict: "
                                 f"{'; '.join(parts)}. Check --depth and --dataset (the release: R8, imagenet)")
    for k, shape in want.items():
        if tuple(state[k].shape) != shape:
            raise ReleaseFormatError(f"{source}: key '{k}' has shape {tuple(state[k].shape)}, CordsNet-R{model.depth} "
                                     f"at this dataset and image size expects {shape}. Check --dataset and the "
                                     "configuration's model.width (1.0) and stem (paper)")


@torch.no_grad()
def load_release(state: dict[str, torch.Tensor], model: CordsNet, source: str = "the state dict") -> CordsNet:
    """Write the release's weights into ``model`` (checked first): each (g, v) folded into g v / ||v||."""
    check_release(state, model, source)
    for name, (obj, kind) in release_names(model).items():
        if kind == "param":
            obj.copy_(state[name])
        else:
            set_weight(obj, torch._weight_norm(state[f"{name}.{V}"], state[f"{name}.{G}"], 0))
    model.set_nonlinearity("relu")
    return model.eval()


@torch.no_grad()
def export_release(model: CordsNet) -> dict[str, torch.Tensor]:
    """``model`` in the release's format: g = ||w|| per output, v = w (the same effective weights)."""
    out = {}
    for name, (obj, kind) in release_names(model).items():
        if kind == "param":
            out[name] = obj.detach().clone()
        else:
            w = _weight(obj).clone()
            out[f"{name}.{V}"] = w
            out[f"{name}.{G}"] = w.flatten(1).norm(dim=1).reshape((-1,) + (1,) * (w.dim() - 1))
    return out


def model_for(cfg: dict[str, Any], dataset: str, depth: int, first_bias: torch.Tensor) -> CordsNet:
    """An untrained CordsNet of ``cfg``'s model settings for (dataset, depth), on the CPU, at the image size whose
    first area's map is ``first_bias``'s (the release: 56 x 56, 224 px; the weights do not depend on the size)."""
    m = cfg["model"]
    per_px = 4 if m["stem"] == "paper" else 1
    return CordsNet.from_config(m, dataset, depth, image_size=int(first_bias.shape[-1]) * per_px).eval()


def import_release(path: str | Path, cfg: dict[str, Any], dataset: str = "imagenet", depth: int = 8
                   ) -> tuple[Path, dict[str, Any]]:
    """Import the release file into ``cfg``'s layout as the ``finetune`` model of (dataset, depth): its checkpoint
    and a metrics file with the source's sha256 (no test accuracy: nothing was trained or scored here)."""
    state = read_release(path)
    if "conv_bias.0" not in state:
        raise ReleaseFormatError(f"{path} has no 'conv_bias.0': it is not the release's state dict (keys such as "
                                 f"{sorted(state)[:3]})")
    model = load_release(state, model_for(cfg, dataset, depth, state["conv_bias.0"]), str(path))
    L = Layout.from_config(cfg)
    out = L.checkpoint(dataset, depth, STAGE)
    digest = sha256_file(path)
    save_tensors(out, {"model": model.state_dict(), "nonlinearity": "relu"})
    metrics = {"stage": STAGE, "dataset": dataset, "depth": depth, "scale": cfg["run"]["scale"],
               "imported": True, "trained_here": False,
               "source": {"file": str(Path(path).resolve()), "sha256": digest, "format": "the authors' release "
                          "(state dict of their class, weight-normalised)"},
               "provenance": record({"model": cfg["model"]}, scale=cfg["run"]["scale"],
                                    extra={"source_sha256": digest})}
    write_json(L.metrics(dataset, depth, STAGE), metrics)
    return out, metrics


# -- commands ------------------------------------------------------------------------------------------------
def _add_import(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="the release's state dict (cordsnetr8.pth)")
    p.add_argument("--depth", type=int, default=8, choices=[2, 4, 6, 8])
    p.add_argument("--dataset", default="imagenet", choices=sorted(RELEASE_DATASETS))


@command("import-authors", "import the authors' released CordsNet (cordsnetr8.pth) as this run's fine-tuned model "
         "of that dataset and depth (docs/authors-checkpoint.md)", _add_import, concern=None,
         sections=("run", "paths", "model"))
def _import_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    out, metrics = import_release(args.path, cfg, args.dataset, args.depth)
    log.info("imported %s (sha256 %s) -> %s", args.path, metrics["source"]["sha256"][:12], out)
    return 0


def load_weights(path: str | Path, cfg: dict[str, Any], dataset: str, depth: int) -> CordsNet:
    """A model from either format: the release's state dict, or a checkpoint this project wrote (``{"model": ...}``);
    never random weights."""
    state = _load(path)
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        model = model_for(cfg, dataset, depth, state["model"]["areas.0.bias"])
        model.load_state_dict(state["model"])
        return model.eval()
    release = read_release(path, state)
    if "conv_bias.0" not in release:
        raise ReleaseFormatError(f"{path} is neither the release's state dict nor a checkpoint of this project")
    return load_release(release, model_for(cfg, dataset, depth, release["conv_bias.0"]), str(path))
