"""Load a prepared split as a torch ``Dataset`` with the configured transform.

Three splits: ``"test"`` (the dataset's own test split, used only for the numbers reported), ``"val"`` (a seeded
subset held out of the training data, ``data.validation``, for every choice and for model selection) and
``"train"`` (the training data without the validation images). The validation images are fixed by the training
split's size and the seed alone; the manifest records their count and a checksum of their indices, and loading
refuses a configuration whose validation split differs from the prepared one.
"""

from __future__ import annotations

import hashlib
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


SPLITS = ("train", "val", "test")


def validation_size(n_train: int, val_cfg: dict[str, Any]) -> int:
    """Images held out of a training split of ``n_train``: ``fraction`` of it, at most ``max_images``, at least 1
    and never the whole split."""
    k = round(val_cfg["fraction"] * n_train)
    if val_cfg["max_images"] is not None:
        k = min(k, val_cfg["max_images"])
    return max(1, min(k, n_train - 1))


def validation_indices(n_train: int, val_cfg: dict[str, Any]) -> torch.Tensor:
    """Sorted indices (into the prepared training split) of the validation images: a seeded permutation's head."""
    perm = torch.randperm(n_train, generator=torch.Generator().manual_seed(val_cfg["seed"]))
    return perm[: validation_size(n_train, val_cfg)].sort().values


def indices_sha256(idx: torch.Tensor) -> str:
    return hashlib.sha256(idx.to(torch.int64).numpy().tobytes()).hexdigest()


def validation_record(n_train: int, val_cfg: dict[str, Any]) -> dict[str, Any]:
    """What the manifest says about the validation split."""
    idx = validation_indices(n_train, val_cfg)
    return {"from": "train", "n": len(idx), "train_n": n_train - len(idx), "fraction": val_cfg["fraction"],
            "max_images": val_cfg["max_images"], "seed": val_cfg["seed"], "indices_sha256": indices_sha256(idx)}


def _validation_indices_checked(name: str, manifest: dict[str, Any], val_cfg: dict[str, Any], data_root
                                ) -> torch.Tensor:
    """The configuration's validation indices, after checking that the prepared dataset holds out the same ones."""
    idx = validation_indices(manifest["splits"]["train"]["n"], val_cfg)
    have = manifest.get("validation")
    if have is None or have["indices_sha256"] != indices_sha256(idx):
        path = Layout(data=data_root).manifest(name)
        raise ValueError(
            f"data.validation ({val_cfg}) selects other validation images than the prepared dataset '{name}' holds "
            f"out ({path}: {have and {k: have[k] for k in ('fraction', 'max_images', 'seed')}}); prepare it again: "
            f"`python -m cordsnet.cli prepare-data --dataset {name}` (or let Snakemake re-run its data rule)")
    return idx


def load_split(name: str, split: str, data_cfg: dict[str, Any], data_root: str | os.PathLike[str]) -> Dataset:
    """The prepared ``split`` ("train", "val" or "test") of ``name`` with the transform the config asks for
    (augmentation only on "train")."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    info = dataset_info(name)
    manifest = read_manifest(data_root, name)
    train = split == "train"
    augmentation = data_cfg["augmentation"]
    transform = build_transform(name, train, data_cfg["image_size"], augmentation)
    stored = "test" if split == "test" else "train"
    keep = None
    if split != "test":
        val = _validation_indices_checked(name, manifest, data_cfg["validation"], data_root)
        if split == "val":
            keep = val
        else:
            mask = torch.ones(manifest["splits"]["train"]["n"], dtype=torch.bool)
            mask[val] = False
            keep = mask.nonzero().squeeze(1)
    if not info.tensor_format:
        from torch.utils.data import Subset
        from torchvision.datasets import ImageFolder

        folder = ImageFolder(manifest["splits"][stored]["root"], transform=transform)
        return folder if keep is None else Subset(folder, keep.tolist())
    blob = load_tensors(Layout(data=data_root).prepared_split(name, stored))
    images, labels = blob["images"], blob["labels"]
    if keep is not None:
        images, labels = images[keep], labels[keep]
    random_aug = train and augmentation != "none"
    return PreparedTensorDataset(images, labels, transform, precompute=not random_aug)
