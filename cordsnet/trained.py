"""Trained models, for everyone who uses them: load any stage's model in one call, and the helpers every analysis
of trained models shares (the test images it scores, the provenance it records).

    from cordsnet.config import load_config
    from cordsnet.trained import load_trained
    model = load_trained(load_config("config/config.yaml"), "fmnist", 4, "finetune")

Analyses load models here, never from the stage runners, so that a missing checkpoint is one error that names the
file and how to make it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from cordsnet.data.loading import load_split
from cordsnet.device import device_for
from cordsnet.io import load_tensors
from cordsnet.layout import Layout
from cordsnet.models import CordsNet
from cordsnet.models.build import build_cnn, build_cordsnet, image_size
from cordsnet.provenance import record
from cordsnet.training.evaluate import evaluation_indices, subset_note
from cordsnet.training.fold import FoldedCNN
from cordsnet.training.graph import STAGE_TABLE
from cordsnet.training.loop import as_tensor_data


def load_trained(cfg: dict[str, Any], dataset: str, depth: int, stage: str, path: Path | None = None) -> nn.Module:
    """The trained model of ``stage`` (dataset, depth) in evaluation mode, as its stage left it: the CNN (with batch
    norm), the folded CNN, or a CordsNet with the stage's nonlinearity and alpha (the RCNN's 1). Analyses load models
    here, so that a missing checkpoint is one error that names the file and how to make it. ``path``: a checkpoint
    of that stage kept elsewhere (another seed's, the ablation's)."""
    path = Layout.from_config(cfg).checkpoint(dataset, depth, stage) if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"the analysis needs the trained model {path}, which does not exist: train it with "
                                f"`snakemake {path} --cores all --configfile <your config>` (or the whole workflow)")
    state = load_tensors(path)
    kind = STAGE_TABLE[stage].model
    if kind == "cnn":
        model: nn.Module = build_cnn(cfg, dataset, depth)
    elif kind == "folded":
        model = FoldedCNN(build_cnn(cfg, dataset, depth))
    elif kind == "fcrnn":
        raise ValueError("load_trained loads the convolutional models; build the FC-RNN with its checkpoint's hidden "
                         "size (cordsnet.models.fcrnn.FCRNN)")
    else:
        model = build_cordsnet(cfg, dataset, depth, alpha=state.get("alpha", cfg["model"]["alpha"]))
    model.load_state_dict(state["model"])
    if isinstance(model, CordsNet):
        kind = state.get("nonlinearity", "relu")
        model.set_nonlinearity(kind, state.get("slope") if kind == "prelu" else None)
    return model.eval()


def trained_provenance(cfg: dict[str, Any], dataset: str, depth: int, stages, **settings: Any) -> dict[str, Any]:
    """The provenance of an analysis of trained models: the settings it read (``model``, ``simulation``,
    ``temporal`` and any ``settings``) and, as its inputs, the checkpoints of ``stages``."""
    L = Layout.from_config(cfg)
    read = {k: cfg[k] for k in ("model", "simulation", "temporal")} | settings
    return record(read, seed=cfg["run"]["seed"], scale=cfg["run"]["scale"],
                  extra={"inputs": [str(L.checkpoint(dataset, depth, s)) for s in stages]})


def test_subset(cfg: dict[str, Any], dataset: str, n: int) -> tuple[torch.Tensor, torch.Tensor, str]:
    """(images, labels, what they are in words): ``n`` test images drawn as Table 1's recurrent models' subset is
    (so the noiseless accuracy here is Table 1's when ``n`` equals ``training.eval_max_images``)."""
    test = load_split(dataset, "test", cfg["data"], cfg["paths"]["data"])
    idx = evaluation_indices(len(test), n)
    return *as_tensor_data(test).batch(idx), subset_note(len(idx), len(test))


__all__ = ["build_cnn", "build_cordsnet", "device_for", "image_size", "load_trained", "test_subset",
           "trained_provenance"]
