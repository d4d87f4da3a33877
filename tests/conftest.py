"""Shared fixtures, all built at test time from real data that pip packages ship (nothing committed)."""

from __future__ import annotations

import importlib.util
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from cordsnet.data.readers import IDX_NAMES, write_idx

REPO = Path(__file__).resolve().parents[1]

torch.set_num_threads(int(os.environ.get("CORDSNET_TEST_THREADS", "2")))


def foolbox_samples(prefix: str) -> list[tuple[Path, int]]:
    """The real sample images foolbox ships (``<dataset>_<index>_<label>.png/jpg``), located without importing it."""
    spec = importlib.util.find_spec("foolbox")
    if spec is None or spec.origin is None:
        pytest.skip("foolbox (real sample images) is not installed; run scripts/setup-env.sh")
    folder = Path(spec.origin).parent / "data"
    out = []
    for f in sorted(folder.iterdir()):
        parts = f.stem.split("_")
        if parts[0] == prefix:
            out.append((f, int(parts[2])))
    return out


@pytest.fixture(scope="session")
def digits_idx_dir(tmp_path_factory) -> Path:
    """The four IDX files of MNIST's layout, made from scikit-learn's real 8x8 digits upscaled to 28x28."""
    from sklearn.datasets import load_digits

    d = load_digits()
    imgs = np.kron(d.images, np.ones((3, 3)))  # 24 x 24
    imgs = np.pad(imgs, ((0, 0), (2, 2), (2, 2)))
    imgs = (imgs * (255 / 16)).round().astype(np.uint8)
    labels = d.target.astype(np.uint8)
    root = tmp_path_factory.mktemp("digits_idx")
    n_train = 1500
    write_idx(root / IDX_NAMES["train_images"], imgs[:n_train], compress=True)
    write_idx(root / IDX_NAMES["train_labels"], labels[:n_train], compress=True)
    write_idx(root / IDX_NAMES["test_images"], imgs[n_train:])
    write_idx(root / IDX_NAMES["test_labels"], labels[n_train:])
    return root


def _load_png(path: Path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)


@pytest.fixture(scope="session")
def cifar10_dir(tmp_path_factory) -> Path:
    """A cifar-10-batches-py folder holding foolbox's 20 real CIFAR-10 test images (not the official archive)."""
    samples = foolbox_samples("cifar10")
    data = np.stack([_load_png(p).transpose(2, 0, 1).reshape(-1) for p, _ in samples])
    labels = [label for _, label in samples]
    root = tmp_path_factory.mktemp("cifar") / "cifar-10-batches-py"
    root.mkdir()
    for i in range(1, 6):
        sl = slice((i - 1) * 3, i * 3)
        with open(root / f"data_batch_{i}", "wb") as fh:
            pickle.dump({"data": data[sl], "labels": labels[sl]}, fh)
    with open(root / "test_batch", "wb") as fh:
        pickle.dump({"data": data[15:], "labels": labels[15:]}, fh)
    return root


@pytest.fixture(scope="session")
def imagenet_dir(tmp_path_factory) -> Path:
    """An ImageFolder (train/ and val/ of class folders) of foolbox's 20 real labelled ImageNet photos."""
    import shutil

    samples = foolbox_samples("imagenet")
    root = tmp_path_factory.mktemp("imagenet")
    for k, (path, label) in enumerate(samples):
        split = "val" if k % 4 == 0 else "train"
        dest = root / split / f"n{label:08d}"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest / path.name)
    # every class folder of val must exist in train for ImageFolder class indices to agree; copy the first over
    for cls in (root / "val").iterdir():
        (root / "train" / cls.name).mkdir(exist_ok=True)
        if not any((root / "train" / cls.name).iterdir()):
            first = next(cls.iterdir())
            shutil.copy(first, root / "train" / cls.name / first.name)
    return root


@pytest.fixture
def data_cfg() -> dict:
    """A data section that never touches the network or the machine's own installs."""
    return {"datasets": ["mnist"], "sources": {}, "allow_download": False,
            "mnist_subset": {"test_fraction": 0.2, "seed": 0}, "image_size": None, "augmentation": "none"}


@pytest.fixture
def no_local_installs(monkeypatch, tmp_path):
    """Hide the Debian Fashion-MNIST install so source resolution is decided by the test alone."""
    import cordsnet.data.sources as sources

    monkeypatch.setattr(sources, "DEBIAN_FASHION_MNIST", tmp_path / "no-debian-fmnist")
