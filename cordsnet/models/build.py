"""Build the models of a configuration: their image size, the device they run on, a CordsNet or its CNN counterpart.

One place, so that every stage and every analysis builds the same network for a (dataset, depth) row.
"""

from __future__ import annotations

from typing import Any

import torch

from cordsnet.data.registry import dataset_info
from cordsnet.device import device_for
from cordsnet.models.cnn import CordsNetCNN
from cordsnet.models.cordsnet import CordsNet


def image_size(cfg: dict[str, Any], dataset: str) -> int:
    return cfg["data"]["image_size"] or dataset_info(dataset).native_size


def build_cordsnet(cfg: dict[str, Any], dataset: str, depth: int, **overrides) -> CordsNet:
    model = CordsNet.from_config(cfg["model"], dataset, depth, image_size(cfg, dataset), **overrides)
    return model.to(device_for(cfg))


def build_cnn(cfg: dict[str, Any], dataset: str, depth: int, device: torch.device | None = None) -> CordsNetCNN:
    info = dataset_info(dataset)
    m = cfg["model"]
    cnn = CordsNetCNN(depth, info.channels, info.num_classes, m["width"], m["stem"], image_size(cfg, dataset))
    return cnn.to(device or device_for(cfg))


