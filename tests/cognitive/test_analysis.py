"""The cognitive-task analyses end to end at the smoke scale's settings: train, compare, attractors, tables."""

import json

import numpy as np
import pytest
import yaml

from cordsnet.cognitive import analysis as cg
from cordsnet.config import load_config
from cordsnet.layout import Layout
from tests.conftest import REPO


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    cfg = load_config(yaml.safe_load((REPO / "config" / "smoke.yaml").read_text()))
    cfg["paths"]["results"] = str(tmp_path_factory.mktemp("cognitive") / "results")
    suite = cg.train_suite(cfg, 8)
    attractors = cg.train_attractors(cfg)
    return cfg, suite, attractors


def test_training_writes_models_and_performance_per_network_and_task(trained):
    cfg, suite, attractors = trained
    where = Layout.from_config(cfg).task_networks("N8")
    assert (where / "checkpoint.pt").exists() and not (where / "train_state.pt").exists()
    assert suite["networks"] == ["fc/0", "fc/1", "cordsnet/0", "cordsnet/1", "lowrank/0", "lowrank/1", "sparse/0",
                                 "sparse/1"]
    assert np.asarray(suite["correct"]).shape == (8, 5)
    assert json.loads((where / "metrics.json").read_text())["recurrent_parameters"] == {
        "fc": 64, "cordsnet": 36, "lowrank": 32, "sparse": 36}  # 2x2x2, 3x3 kernel: 4 * 9; rank 36/16 -> 2
    assert np.asarray(attractors["correct"], dtype=float).shape == (3, 6)  # each variant and its Go


def test_comparison_gives_tables_s1_s2_and_performance(trained, tmp_path):
    cfg, _, _ = trained
    report, (s1, s2, perf) = cg.comparison_report(cfg)
    tasks = report.data["sizes"]["8"]["tasks"]
    assert list(tasks) == cfg["cognitive"]["tasks"]
    for row in tasks.values():
        assert set(row) == {"cordsnet", "lowrank", "sparse", "fc (other seed): floor", "untrained fc: ceiling"}
        assert row["cordsnet"]["n"] == 2 and row["fc (other seed): floor"]["n"] == 1  # seeds 0, 1
        assert all(0 <= v <= np.sqrt(2) + 1e-9 for r in row.values() for v in r["values"])
    assert s1.rows[0]["CordsNet"] == 36 and s1.rows[0]["rank"] == 2
    assert len(s2.rows) == 5 and len(perf.rows) == 4 * 5
    assert set(report.data["c8"]["8"]) >= {"cordsnet", "lowrank", "sparse", "floor", "ceiling"}
    assert report.arrays["N8_cordsnet_pcs"].shape == (cfg["cognitive"]["compare_trials"],
                                                      report.arrays["N8_cordsnet_pcs"].shape[1], 2)
    assert report.data["provenance"]["inputs"][0].endswith("N8/checkpoint.pt")
    s2.write(tmp_path / "table_s2.csv")
    assert "Procrustes" in (tmp_path / "table_s2.md").read_text()


def test_attractor_report_measures_every_variant(trained, tmp_path):
    cfg, _, _ = trained
    report = cg.attractor_report(cfg)
    assert list(report.data["variants"]) == ["memorypro_ring", "memorypro_line", "memorypro_points"]
    for v, m in report.data["variants"].items():
        assert m["found"] in {"ring", "line", "points", "other"} and m["expected"] == cg.SHAPES[v]
        assert 0 <= m["alignment_delay"] <= 1 + 1e-9 and m["probes"] == cfg["cognitive"]["attractor"]["probes"]
        assert report.arrays[f"{v}_trajectories"].shape[0] == m["probes"]
    cg.attractor_table(report).write(tmp_path / "attractors.csv")
    assert "neighbours kept" in (tmp_path / "attractors.csv").read_text()


def test_analyses_without_trained_networks_say_what_to_run(tmp_path):
    cfg = load_config(yaml.safe_load((REPO / "config" / "smoke.yaml").read_text()))
    cfg["paths"]["results"] = str(tmp_path)
    with pytest.raises(FileNotFoundError, match="snakemake cognitive_train"):
        cg.attractor_report(cfg)
