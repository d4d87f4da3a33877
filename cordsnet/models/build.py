"""Build the models of a configuration: their image size, the device they run on, a CordsNet or its CNN counterpart.

One place, so that every stage and every analysis builds the same network for a (dataset, depth) row.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from cordsnet.data.registry import dataset_info
from cordsnet.models.cnn import CordsNetCNN
from cordsnet.models.cordsnet import CordsNet


def image_size(cfg: dict[str, Any], dataset: str) -> int:
    return cfg["data"]["image_size"] or dataset_info(dataset).native_size


def device_for(cfg: dict[str, Any]) -> torch.device:
    """``run.device`` resolved: 'auto' takes a GPU when there is one; under torchrun each rank takes its own GPU."""
    want = cfg["run"]["device"]
    if want == "cpu" or (want == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise RuntimeError("run.device is 'cuda' but torch sees no GPU (torch.cuda.is_available() is False): "
                           "run on a GPU node, or set run.device to 'auto' or 'cpu'")
    return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))


def build_cordsnet(cfg: dict[str, Any], dataset: str, depth: int, **overrides) -> CordsNet:
    model = CordsNet.from_config(cfg["model"], dataset, depth, image_size(cfg, dataset), **overrides)
    return model.to(device_for(cfg))


def build_cnn(cfg: dict[str, Any], dataset: str, depth: int, device: torch.device | None = None) -> CordsNetCNN:
    info = dataset_info(dataset)
    m = cfg["model"]
    cnn = CordsNetCNN(depth, info.channels, info.num_classes, m["width"], m["stem"], image_size(cfg, dataset))
    return cnn.to(device or device_for(cfg))


