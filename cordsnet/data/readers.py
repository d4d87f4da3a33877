"""Readers for the on-disk formats of the paper's datasets, with errors that name the faulty file.

- IDX (MNIST, Fashion-MNIST): big-endian header, magic 0x00000803 (images) / 0x00000801 (labels), then uint8.
  Plain or gzip-compressed files are accepted (Debian re-compresses its copies, so md5 tables do not apply).
- CIFAR-10/100 "python version" pickles. Unlike torchvision's classes these do not insist on the official
  archive's md5, so re-packed or partial copies load; the content is validated instead.
- ImageNet stays on disk as class-per-folder images and is read with torchvision's ImageFolder.
"""

from __future__ import annotations

import gzip
import os
import pickle
import struct
from pathlib import Path

import numpy as np

IDX_IMAGES_MAGIC = 0x00000803
IDX_LABELS_MAGIC = 0x00000801


class DataFormatError(ValueError):
    """A data file is corrupt, truncated or not in the expected format."""


def _open_maybe_gzip(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
        if head == b"\x1f\x8b":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataFormatError(f"cannot read {path}: {exc}. Re-download or re-copy this file.") from exc


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file of unsigned bytes (images: N x H x W, labels: N)."""
    path = Path(path)
    blob = _open_maybe_gzip(path)
    if len(blob) < 8:
        raise DataFormatError(f"{path} is truncated: {len(blob)} bytes, shorter than an IDX header")
    magic = struct.unpack(">I", blob[:4])[0]
    if magic not in (IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC):
        raise DataFormatError(
            f"{path} is not an IDX file of uint8 images or labels (magic 0x{magic:08x}, expected "
            f"0x{IDX_IMAGES_MAGIC:08x} or 0x{IDX_LABELS_MAGIC:08x})"
        )
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(blob) < header:
        raise DataFormatError(f"{path} is truncated inside its header")
    dims = struct.unpack(">" + "I" * ndim, blob[4:header])
    expected = int(np.prod(dims))
    got = len(blob) - header
    if got != expected:
        raise DataFormatError(
            f"{path} is truncated or corrupt: header promises {expected} bytes of data for shape {dims}, "
            f"file holds {got}"
        )
    return np.frombuffer(blob, dtype=np.uint8, offset=header).reshape(dims).copy()


def write_idx(path: str | os.PathLike[str], array: np.ndarray, compress: bool = False) -> None:
    """Write uint8 ``array`` (N or N x H x W) as IDX; used to materialise subsets and test fixtures."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = IDX_LABELS_MAGIC if array.ndim == 1 else IDX_IMAGES_MAGIC
    header = struct.pack(">I", (magic & ~0xFF) | array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    payload = header + array.tobytes()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        with gzip.open(path, "wb") as fh:
            fh.write(payload)
    else:
        path.write_bytes(payload)


IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def find_idx_files(root: str | os.PathLike[str]) -> dict[str, Path] | None:
    """Locate the four IDX files under ``root`` (itself, ``raw/``, ``MNIST/raw``, ``FashionMNIST/raw``)."""
    root = Path(root)
    for base in (root, root / "raw", root / "MNIST" / "raw", root / "FashionMNIST" / "raw"):
        found: dict[str, Path] = {}
        for key, stem in IDX_NAMES.items():
            for candidate in (base / stem, base / f"{stem}.gz"):
                if candidate.is_file():
                    found[key] = candidate
                    break
        if len(found) == 4:
            return found
    return None


def read_idx_dataset(files: dict[str, Path]) -> dict[str, np.ndarray]:
    """Read the four IDX files into N x 1 x H x W uint8 images and int64 labels per split."""
    out: dict[str, np.ndarray] = {}
    for split in ("train", "test"):
        images = read_idx(files[f"{split}_images"])
        labels = read_idx(files[f"{split}_labels"])
        if images.ndim != 3 or labels.ndim != 1:
            raise DataFormatError(
                f"{files[f'{split}_images']} / {files[f'{split}_labels']}: expected N x H x W images and N labels"
            )
        if len(images) != len(labels):
            raise DataFormatError(
                f"{files[f'{split}_images']} holds {len(images)} images but "
                f"{files[f'{split}_labels']} holds {len(labels)} labels"
            )
        out[f"{split}_images"] = images[:, None]
        out[f"{split}_labels"] = labels.astype(np.int64)
    return out


CIFAR_LAYOUTS = {
    "cifar10": {
        "folder": "cifar-10-batches-py",
        "train": [f"data_batch_{i}" for i in range(1, 6)],
        "test": ["test_batch"],
        "label_key": "labels",
    },
    "cifar100": {
        "folder": "cifar-100-python",
        "train": ["train"],
        "test": ["test"],
        "label_key": "fine_labels",
    },
}


def find_cifar_dir(root: str | os.PathLike[str], name: str) -> Path | None:
    layout = CIFAR_LAYOUTS[name]
    root = Path(root)
    for base in (root, root / layout["folder"]):
        if all((base / f).is_file() for f in layout["train"] + layout["test"]):
            return base
    return None


def read_cifar_batch(path: str | os.PathLike[str], label_key: str) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR pickle: ``data`` (N x 3072 uint8, R,G,B planes) and its labels."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            batch = pickle.load(fh, encoding="latin1")
    except (OSError, EOFError, pickle.UnpicklingError, ValueError) as exc:
        raise DataFormatError(f"{path} is not a readable CIFAR pickle ({exc}); re-copy it") from exc
    if not isinstance(batch, dict) or "data" not in batch or label_key not in batch:
        keys = sorted(batch) if isinstance(batch, dict) else type(batch).__name__
        raise DataFormatError(f"{path}: expected a dict with 'data' and '{label_key}', found {keys}")
    data = np.asarray(batch["data"], dtype=np.uint8)
    labels = np.asarray(batch[label_key], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072:
        raise DataFormatError(f"{path}: 'data' must be N x 3072 uint8, got shape {data.shape}")
    if len(labels) != len(data):
        raise DataFormatError(f"{path}: {len(data)} images but {len(labels)} labels")
    return data.reshape(-1, 3, 32, 32), labels


def read_cifar_dataset(base: Path, name: str) -> dict[str, np.ndarray]:
    layout = CIFAR_LAYOUTS[name]
    out: dict[str, np.ndarray] = {}
    for split in ("train", "test"):
        parts = [read_cifar_batch(base / f, layout["label_key"]) for f in layout[split]]
        out[f"{split}_images"] = np.concatenate([p[0] for p in parts])
        out[f"{split}_labels"] = np.concatenate([p[1] for p in parts])
    return out


def find_imagefolder(root: str | os.PathLike[str]) -> dict[str, Path] | None:
    """An ImageNet root holds ``train/`` and ``val/`` folders of class (synset) folders."""
    root = Path(root)
    splits = {"train": root / "train", "test": root / "val"}
    if all(p.is_dir() and any(c.is_dir() for c in p.iterdir()) for p in splits.values()):
        return splits
    return None
