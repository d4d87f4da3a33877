import copy

import pytest
import yaml

from cordsnet.config import validate_config
from cordsnet.data import prepare_dataset
from tests.conftest import REPO


@pytest.fixture
def tiny_cfg(tmp_path, digits_idx_dir, no_local_installs):
    """A complete, very small configuration on the real-digits IDX fixture, in a temporary tree."""
    cfg = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    cfg["paths"] = {"data": str(tmp_path / "data"), "results": str(tmp_path / "results")}
    cfg["data"]["sources"]["mnist"] = str(digits_idx_dir)
    cfg["data"]["image_size"] = None
    cfg["model"]["width"] = 0.0625
    cfg["simulation"].update(spontaneous_steps=3, stimulus_steps=6, readout_steps=3, post_stimulus_steps=3,
                             penalty_steps=2)
    for stage in ("cnn", "init_linear", "linear_rnn", "anneal", "finetune"):
        cfg["training"][stage].update(epochs=1, batch_size=16, max_batches_per_epoch=4)
    cfg["training"]["checkpoint_every"] = 2
    cfg["training"]["eval_max_images"] = 40
    cfg["training"]["controls"] = {"lr": 1e-3, "batch_size": 16}
    cfg = validate_config(cfg)
    prepare_dataset("mnist", cfg["data"], cfg["paths"]["data"])
    return cfg


@pytest.fixture
def clone():
    return copy.deepcopy
