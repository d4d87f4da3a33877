"""The paper-scale code path, rehearsed on the CPU: config/paper.yaml through Snakemake from data preparation to
Table 1, with only sizes overridden (R2, a handful of real ImageNet photos as an ImageFolder, two batches per
stage, a few time steps), so that a GPU user's first run does not fail on a path no one has executed: 224 px,
3 channels, 1000 classes, the ImageFolder reader and its transforms, SGD rounds with warm-up, weight decay."""

from __future__ import annotations

import json

import pytest
import yaml

from cordsnet.layout import Layout
from cordsnet.models.fcrnn import fcrnn_params
from tests.conftest import REPO
from tests.workflow_repo import BIN, copy_checkout, run


@pytest.mark.slow
def test_paper_configuration_runs_end_to_end_on_the_cpu(tmp_path, imagenet_dir):
    cfg = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    paper_training = {k: dict(v) for k, v in cfg["training"].items() if isinstance(v, dict)}
    # sizes only: where the data and results go, which dataset and depth, how many images and steps
    cfg["run"]["threads"] = 2
    cfg["paths"] = {"data": str(tmp_path / "data"), "results": str(tmp_path / "results")}
    cfg["data"]["datasets"] = ["imagenet"]
    cfg["data"]["sources"]["imagenet"] = str(imagenet_dir)
    cfg["model"]["depths"] = [2]
    cfg["simulation"].update(spontaneous_steps=2, stimulus_steps=3, readout_steps=2, post_stimulus_steps=2,
                             penalty_steps=1)
    for stage in ("cnn", "init_linear", "linear_rnn", "anneal", "finetune"):
        cfg["training"][stage].update(batch_size=4, max_batches_per_epoch=2, epochs=1)
    cfg["training"]["controls"] = {"batch_size": 4}
    cfg["training"]["checkpoint_every"] = 1
    cfg["training"]["eval_batch_size"] = 4
    cfg["training"]["early_readout_steps"] = 2  # within the rehearsal's 3-step stimulus
    cfg["temporal"]["solution_depth"] = None  # the rehearsal trains R2 only
    cfg["neural"].update(depth=None, region_areas={"V4": 0, "IT": -1})
    cfg["multiarea"]["frontend"].update(depth=None, areas=[-2, -1])
    cfg["ablation"].update(depth=2, dataset=None)  # the rehearsal's one row
    config = tmp_path / "paper-rehearsal.yaml"
    config.write_text(yaml.safe_dump(cfg))

    repo = copy_checkout(tmp_path / "repo")
    run([str(BIN / "snakemake"), "table1", "--cores", "2", "--configfile", str(config)], repo, timeout=1200)

    L = Layout(tmp_path / "results", tmp_path / "data")
    manifest = json.loads(L.manifest("imagenet").read_text())
    assert manifest["source"]["kind"] == "user_path" and "listing_sha256" in manifest["splits"]["train"]
    cnn = json.loads(L.metrics("imagenet", 2, "cnn").read_text())
    assert cnn["provenance"]["config"]["training"]["cnn"]["optimizer"] == "sgd"  # the paper's recipe, unchanged
    assert cnn["provenance"]["config"]["training"]["cnn"]["lr"] == paper_training["cnn"]["lr"]
    # 2 steps: rounds of lr x 1, 0.1, 0.01 one step each, inside the linear warm-up of 5 epochs of 2 batches
    assert cnn["steps"] == 2 and cnn["history"][-1]["lr"] == pytest.approx(0.1 * 0.1 * 2 / 10)
    fcrnn = json.loads(L.metrics("imagenet", 2, "fcrnn").read_text())
    h, target, inputs = fcrnn["hidden"], fcrnn["matched_params"], 3 * 224 * 224
    # the closest integer hidden size (one unit of a 150,528-input RNN carries ~151k parameters: 8% of R2's here)
    assert all(abs(fcrnn["params"] - target) <= abs(fcrnn_params(inputs, k, 1000) - target) for k in (h - 1, h + 1))
    init = json.loads(L.metrics("imagenet", 2, "init_linear").read_text())
    assert len(init["per_step_accuracy"]) == 3 and init["eval_images"] == manifest["splits"]["test"]["n"]
    table = json.loads(L.table("table1", "metrics.json").read_text())
    assert set(table["imagenet"]["R2"]) == {"CNN", "CordsNet (initialization method)", "CordsNet (fine-tuned)",
                                            "CordsNet (direct training)", "FC-RNN (matched parameters)"}
    assert "paper" in L.table("table1", "md").read_text()
