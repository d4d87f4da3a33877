"""dvc.yaml names, per scale, the config file and the paths that file sets; DVC parses every stage."""

import subprocess
import sys
from pathlib import Path

import yaml

from cordsnet.config import load_config
from tests.conftest import REPO


def test_dvc_scales_agree_with_their_config_files():
    scales = yaml.safe_load((REPO / "dvc.yaml").read_text())["vars"][0]["scales"]
    assert set(scales) == {"default", "smoke"}
    for name, entry in scales.items():
        cfg = load_config(REPO / entry["config"])
        assert cfg["paths"]["data"] == entry["data"], f"dvc.yaml scale {name}: data path differs from {entry['config']}"
        assert cfg["paths"]["results"] == entry["results"], f"dvc.yaml scale {name}: results path differs"
        assert cfg["run"]["scale"] == name


def test_dvc_lists_every_stage_for_every_scale():
    dvc = Path(sys.executable).parent / "dvc"
    res = subprocess.run([str(dvc), "stage", "list"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    for stage in ("data", "compute", "training", "dynamics", "figures"):
        for scale in ("default", "smoke"):
            assert f"{stage}@{scale}" in res.stdout
