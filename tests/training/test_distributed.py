"""Data-parallel training through torchrun (gloo on the CPU) equals one process on the combined batch."""

import json
import os
import subprocess
import sys

import pytest
import torch

from cordsnet.io import load_tensors
from cordsnet.layout import Layout
from cordsnet.training import run_stage
from tests.conftest import copy_stages


@pytest.mark.slow  # two processes through torch.distributed: an end-to-end run
def test_two_processes_match_one_process(tiny_pipeline, tiny_cfg, clone, tmp_path):
    tiny_cfg["training"]["linear_rnn"].update(batch_size=8, max_batches_per_epoch=3)
    two = clone(tiny_cfg)
    two["paths"]["results"] = str(tmp_path / "ddp")
    for cfg in (tiny_cfg, two):
        copy_stages(tiny_pipeline, cfg, ["init_linear"])
    run_stage("linear_rnn", tiny_cfg, "mnist", 2)
    env = dict(os.environ, OMP_NUM_THREADS="1", CORDSNET_NO_TQDM="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29533",
           "-m", "cordsnet.cli", "train", "--distributed", "--threads", "1", "--config-json", json.dumps(two),
           "--stage", "linear_rnn", "--dataset", "mnist", "--depth", "2"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    one_l, two_l = Layout.from_config(tiny_cfg), Layout.from_config(two)
    a = load_tensors(one_l.checkpoint("mnist", 2, "linear_rnn"))["model"]
    b = load_tensors(two_l.checkpoint("mnist", 2, "linear_rnn"))["model"]
    for k in a:
        assert torch.allclose(a[k], b[k], rtol=1e-5, atol=1e-6), k
    start = load_tensors(one_l.checkpoint("mnist", 2, "init_linear"))["model"]
    assert any(not torch.equal(a[k], start[k]) for k in a)  # it did train
