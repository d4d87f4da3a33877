"""Table S5 end to end on the tiny pipeline: runs from the main linear RNN, labelled and counted; C11's rule."""

import json

import pytest

from cordsnet.ablation.analysis import ablation_report, c11_summary
from cordsnet.ablation.settings import run_config, settings
from cordsnet.cli import main
from cordsnet.config import ConfigError, validate_config
from cordsnet.layout import Layout
from tests.conftest import copy_stages


def test_sweep_trains_from_the_main_linear_rnn_and_counts_solutions(tiny_pipeline, tiny_cfg, tmp_path):
    copy_stages(tiny_pipeline, tiny_cfg, ["cnn", "fold", "init_linear", "linear_rnn"])
    tiny_cfg["ablation"].update(ramps=[[1.0, 1.0]], spontaneous_weights=[0.0], seeds=[0], updates=2, images=10,
                                hold_steps=12, post_steps=8, motion_window=4)
    names = [s.name for s in settings(tiny_cfg)]
    assert len(names) == 2
    L = Layout.from_config(tiny_cfg)
    for name in names:
        run = run_config(tiny_cfg, name, 0)
        assert main(["ablation-train", "--config-json", json.dumps(run), "--setting", name,
                     "--dataset", "mnist", "--depth", "2"]) == 0
        m = json.loads((L.ablation_dir(name, 0) / "metrics.json").read_text())
        assert m["steps"] == 2 and m["provenance"]["config"]["training"]["loss_ramp"] == run["training"]["loss_ramp"]
        assert m["val_accuracy_start"] == json.loads(L.metrics("mnist", 2, "linear_rnn").read_text())["val_accuracy"]
    assert not L.stage_dir("mnist", 2, "anneal").exists()  # the main run's stage is not touched
    report, table = ablation_report(tiny_cfg)
    assert [r["setting"] for r in table.rows] == names and all(r["models"] == 1 for r in table.rows)
    for r in table.rows:
        assert r["steady-state"] + r["transient"] == 1
        assert r["mono-stable"] + r["multi-stable"] + r["oscillatory"] == 1
    assert report.data["c11"]["verdict"] in ("holds", "fails", "not resolved at this scale")
    assert sorted(report.data["provenance"]["inputs"]) == sorted(
        str(L.ablation_dir(n, 0) / f) for n in names for f in ("checkpoint.pt", "metrics.json"))
    key = f"{names[0]}__seed0__distance_median"
    assert report.arrays[key].shape == (8,)


def _model(setting, ramp, weight, sweeps, hold, stab):
    return {"setting": setting, "ramp": ramp, "weight": weight, "sweeps": sweeps, "hold_solution": hold,
            "stability_solution": stab}


def _sweeps(n, steep_hold, low_stab, flat_hold="steady-state", high_stab="mono-stable"):
    """``n`` models at each end of both sweeps, all labelled alike at an end."""
    return ([_model("flat", [1, 1], 1e-3, ["ramp"], flat_hold, "mono-stable")] * n
            + [_model("steep", [1e-6, 1], 1e-3, ["ramp"], steep_hold, "mono-stable")] * n
            + [_model("high", [1e-3, 1], 1e-2, ["penalty"], "steady-state", high_stab)] * n
            + [_model("none", [1e-3, 1], 0.0, ["penalty"], "steady-state", low_stab)] * n)


@pytest.mark.parametrize("n, steep_hold, low_stab, verdict", [
    (8, "transient", "multi-stable", "holds"),  # 8 of 8 against 0 of 8 at both ends: p = 8e-5
    (8, "steady-state", "multi-stable", "not resolved at this scale"),  # one sweep shows no difference
    (1, "transient", "multi-stable", "not resolved at this scale"),  # one model per end cannot be significant
])
def test_c11_reads_fishers_test_at_the_two_ends(n, steep_hold, low_stab, verdict):
    out = c11_summary(_sweeps(n, steep_hold, low_stab), {})
    assert out["verdict"] == verdict
    assert out["ramp"]["flattest"] == "flat" and out["penalty"]["smallest"] == "none"
    assert out["ramp"]["models_per_setting"] == n


def test_c11_fails_when_a_trend_reverses_significantly():
    out = c11_summary(_sweeps(8, "steady-state", "mono-stable", flat_hold="transient", high_stab="multi-stable"), {})
    assert out["verdict"] == "fails" and out["ramp"]["trend"] == -1.0 and out["ramp"]["p_value"] < 0.05


def test_the_smallest_detectable_share_difference():
    from cordsnet.ablation.analysis import detectable_share

    assert detectable_share(2, 2) is None  # Fisher's test cannot go below p = 1/6 with two models a side
    assert 0.4 < detectable_share(8, 8) < 0.7
    assert detectable_share(20, 20) < detectable_share(8, 8)


def test_bad_ablation_settings_name_the_key(tiny_cfg):
    for change, key in (({"depth": 4}, "ablation.depth"), ({"dataset": "fmnist"}, "ablation.dataset"),
                        ({"hold_steps": 1}, "ablation.hold_steps"), ({"motion_window": 500}, "ablation.motion_window")):
        cfg = json.loads(json.dumps(tiny_cfg))
        cfg["ablation"].update(change)
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            validate_config(cfg)
