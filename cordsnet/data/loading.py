"""Load a prepared split as a torch ``Dataset`` with the configured transform."""

from __future__ import annotations

import json
import os
from typing import Any

import torch
from torch.utils.data import Dataset

from cordsnet.data.registry import dataset_info
from cordsnet.data.transforms import build_transform
from cordsnet.io import load_tensors
from cordsnet.layout import Layout


class PreparedTensorDataset(Dataset):
    """uint8 images kept in memory; transform applied per sample (random augmentation differs per image).

    Without random augmentation the whole split is transformed once, up front, as a batch: at 28-32 px this is
    a few hundred MB at most and makes an epoch on a 2-core CPU mostly arithmetic, not Python.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform: Any, precompute: bool):
        self.labels = labels
        self.transform = transform
        if precompute:
            self.images = transform(images)
            self.transform = None
        else:
            self.images = images

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.images[i]
        if self.transform is not None:
            x = self.transform(x)
        return x, self.labels[i]


def read_manifest(data_root: str | os.PathLike[str], name: str) -> dict[str, Any]:
    path = Layout(data=data_root).manifest(name)
    if not path.is_file():
        raise FileNotFoundError(
            f"dataset '{name}' is not prepared ({path} missing): run "
            f"`snakemake {path}` or `python -m cordsnet.cli prepare-data --dataset {name}`"
        )
    return json.loads(path.read_text())


def load_split(name: str, split: str, data_cfg: dict[str, Any], data_root: str | os.PathLike[str]) -> Dataset:
    """The prepared ``split`` ("train" or "test") of ``name`` with the transform the config asks for."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    info = dataset_info(name)
    manifest = read_manifest(data_root, name)
    train = split == "train"
    augmentation = data_cfg["augmentation"]
    transform = build_transform(name, train, data_cfg["image_size"], augmentation)
    if not info.tensor_format:
        from torchvision.datasets import ImageFolder

        return ImageFolder(manifest["splits"][split]["root"], transform=transform)
    blob = load_tensors(Layout(data=data_root).prepared_split(name, split))
    random_aug = train and augmentation != "none"
    return PreparedTensorDataset(blob["images"], blob["labels"], transform, precompute=not random_aug)
