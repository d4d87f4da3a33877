"""Prepare a dataset for training: resolve its source, store it in one uniform form, write its manifest.

Prepared layout, under ``<paths.data>/prepared/<name>/``:

- ``train.pt``, ``test.pt``: ``{"images": uint8 N x C x H x W, "labels": int64 N}`` (loadable with
  ``torch.load(weights_only=True)``); not for ImageNet, which stays an ImageFolder where it lives.
- ``manifest.json``: source (kind, location, real or synthetic, subset), sizes per split and class, the validation
  split held out of the training data (``data.validation``: count, seed, checksum of its indices; see
  :mod:`cordsnet.data.loading`), checksums of the raw inputs and of the prepared files, code version.

Every file is written to a temporary name and renamed, the manifest last: a prepared folder with a manifest is
complete.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cordsnet.commands import command
from cordsnet.data.loading import validation_record
from cordsnet.data.registry import dataset_info
from cordsnet.data.sources import RawDataset, resolve_source
from cordsnet.io import save_tensors, write_json
from cordsnet.layout import Layout
from cordsnet.provenance import code_version, sha256_file


def prepared_dir(data_root: str | os.PathLike[str], name: str) -> Path:
    """``<data_root>/prepared/<name>`` (:meth:`cordsnet.layout.Layout.prepared_dir`)."""
    return Layout(data=data_root).prepared_dir(name)


def _class_counts(labels: np.ndarray, num_classes: int) -> list[int]:
    return np.bincount(labels, minlength=num_classes).astype(int).tolist()


def _imagefolder_listing(root: Path) -> tuple[list[str], list[int], str]:
    """Classes, images per class, and a sha256 over the sorted 'relative path<TAB>size' lines.

    Hashing every ImageNet byte would take hours; the listing hash detects added, removed or resized files.
    """
    from torchvision.datasets.folder import IMG_EXTENSIONS

    classes = sorted(d.name for d in root.iterdir() if d.is_dir())
    counts: list[int] = []
    h = hashlib.sha256()
    for cls in classes:
        files = sorted(
            f for f in (root / cls).iterdir() if f.is_file() and f.name.lower().endswith(IMG_EXTENSIONS)
        )
        counts.append(len(files))
        for f in files:
            h.update(f"{cls}/{f.name}\t{f.stat().st_size}\n".encode())
    return classes, counts, h.hexdigest()


def prepare_dataset(name: str, data_cfg: dict[str, Any], data_root: str | os.PathLike[str]) -> dict[str, Any]:
    """Resolve, validate, store and describe dataset ``name``. Returns the manifest."""
    info = dataset_info(name)
    raw: RawDataset = resolve_source(name, data_cfg, data_root)
    out = prepared_dir(data_root, name)
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "dataset": name,
        "title": info.title,
        "source": raw.source,
        "synthetic": not raw.source.get("real", False),
        "num_classes": info.num_classes,
        "channels": info.channels,
        "code_version": code_version(),
        "raw_files": {str(p): sha256_file(p) for p in raw.files},
        "splits": {},
        "prepared_files": {},
    }
    if info.tensor_format:
        assert raw.arrays is not None
        for split in ("train", "test"):
            images = raw.arrays[f"{split}_images"]
            labels = raw.arrays[f"{split}_labels"]
            if images.shape[1] != info.channels:
                raise ValueError(f"{name}: expected {info.channels} channels, source gave {images.shape[1]}")
            if labels.min() < 0 or labels.max() >= info.num_classes:
                raise ValueError(
                    f"{name} {split} labels out of range [0, {info.num_classes}) in {raw.source['location']}"
                )
            path = Layout(data=data_root).prepared_split(name, split)
            save_tensors(path, {"images": torch.from_numpy(np.ascontiguousarray(images)),
                                "labels": torch.from_numpy(labels)})
            manifest["splits"][split] = {
                "n": int(len(labels)),
                "image_shape": list(images.shape[1:]),
                "per_class": _class_counts(labels, info.num_classes),
            }
            manifest["prepared_files"][path.name] = sha256_file(path)
    else:
        assert raw.folders is not None
        for split, root in raw.folders.items():
            classes, counts, listing = _imagefolder_listing(root)
            manifest["splits"][split] = {
                "n": int(sum(counts)), "root": str(root), "classes": classes, "per_class": counts,
                "listing_sha256": listing,
            }
    manifest["validation"] = validation_record(manifest["splits"]["train"]["n"], data_cfg["validation"])
    write_json(Layout(data=data_root).manifest(name), manifest)
    return manifest


# -- command (workflow/rules/data.smk) ---------------------------------------------------------------------------
def _add_prepare(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", required=True, help="one of mnist, fmnist, cifar10, cifar100, imagenet")


@command("prepare-data", "resolve a dataset's source, store it and write its manifest", _add_prepare, concern="data")
def _prepare(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    manifest = prepare_dataset(args.dataset, cfg["data"], cfg["paths"]["data"])
    sizes = {s: v["n"] for s, v in manifest["splits"].items()}
    logging.getLogger("cordsnet").info("prepared %s from %s (%s): %s", args.dataset, manifest["source"]["kind"],
                                       manifest["source"]["location"], sizes)
    return 0
