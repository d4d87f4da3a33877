"""The staged pipeline end to end at a tiny scale, resume, determinism, divergence, Table 1."""

import json

import pytest
import torch

from cordsnet.io import load_tensors
from cordsnet.models.fcrnn import fcrnn_params, matched_hidden_size
from cordsnet.training import STAGES, TrainingDivergedError, run_stage, stage_dir
from cordsnet.training.losses import ramp_loss, ramp_weights
from cordsnet.training.stages import anneal_slope
from cordsnet.training.table1 import COLUMNS, table1_rows


def weights(cfg, stage, depth=2):
    return load_tensors(stage_dir(cfg["paths"]["results"], "mnist", depth, stage) / "checkpoint.pt")["model"]


def same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a) and a.keys() == b.keys()


def test_ramp_weights_and_loss():
    w = ramp_weights(30)
    assert w[0] == pytest.approx(1e-3) and w[-1] == pytest.approx(1.0) and torch.all(w[1:] > w[:-1])
    logits = torch.zeros(5, 2, 3)
    logits[-1, :, 0] = 10
    y = torch.zeros(2, dtype=torch.long)
    assert ramp_loss(logits, y, 1) < ramp_loss(logits, y, 3)
    with pytest.raises(ValueError, match="longer than"):
        ramp_loss(logits, y, 6)


def test_anneal_schedule_goes_from_095_to_0():
    f = anneal_slope(40)
    values = [f(s) for s in range(40)]
    assert values[0] == pytest.approx(0.95) and values[-1] == pytest.approx(0.0)
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))


def test_fcrnn_parameter_match_within_5_percent():
    for target in (20_000, 90_000, 1_450_000):
        h = matched_hidden_size(target, 784, 10)
        assert abs(fcrnn_params(784, h, 10) - target) / target < 0.05


def test_pipeline_end_to_end_and_table1(tiny_cfg):
    for stage in STAGES:
        m = run_stage(stage, tiny_cfg, "mnist", 2)
        assert 0.0 <= m["test_accuracy"] <= 1.0
        out = stage_dir(tiny_cfg["paths"]["results"], "mnist", 2, stage)
        assert (out / "checkpoint.pt").is_file() and not (out / "train_state.pt").exists()
        on_disk = json.loads((out / "metrics.json").read_text())
        assert on_disk["provenance"]["data"]["source_kind"] == "user_path"
        assert on_disk["scale"] == "smoke"
    fold = json.loads((stage_dir(tiny_cfg["paths"]["results"], "mnist", 2, "fold") / "metrics.json").read_text())
    assert fold["folding_max_rel_error"] < 1e-5
    init = json.loads((stage_dir(tiny_cfg["paths"]["results"], "mnist", 2, "init_linear") / "metrics.json").read_text())
    assert len(init["per_step_accuracy"]) == tiny_cfg["simulation"]["stimulus_steps"]
    direct = json.loads((stage_dir(tiny_cfg["paths"]["results"], "mnist", 2, "direct") / "metrics.json").read_text())
    fc = json.loads((stage_dir(tiny_cfg["paths"]["results"], "mnist", 2, "fcrnn") / "metrics.json").read_text())
    assert direct["budget_image_steps"] == fc["budget_image_steps"] > 0
    assert direct["image_steps"] <= direct["budget_image_steps"]
    assert fc["param_mismatch"] < 0.05
    rows, sources = table1_rows(tiny_cfg["paths"]["results"], ["mnist"], [2])
    assert len(rows) == 1 and all(c in rows[0] for c in COLUMNS.values())
    assert len(sources) == len(COLUMNS)


@pytest.mark.parametrize("stage", ["cnn", "init_linear", "anneal"])
def test_resume_after_a_kill_gives_identical_weights(tiny_cfg, clone, tmp_path, stage):
    other = clone(tiny_cfg)
    other["paths"]["results"] = str(tmp_path / "other")
    for cfg in (tiny_cfg, other):  # the stages before
        for s in STAGES[: STAGES.index(stage)]:
            run_stage(s, cfg, "mnist", 2)
    run_stage(stage, tiny_cfg, "mnist", 2)  # uninterrupted
    assert run_stage(stage, other, "mnist", 2, stop_after=3) is None  # killed after step 3 (checkpoint at 2)
    state = load_tensors(stage_dir(other["paths"]["results"], "mnist", 2, stage) / "train_state.pt")
    assert state["step"] == 2
    run_stage(stage, other, "mnist", 2)  # resumed
    assert same(weights(tiny_cfg, stage), weights(other, stage))


def test_deterministic_for_a_seed(tiny_cfg, clone, tmp_path):
    other = clone(tiny_cfg)
    other["paths"]["results"] = str(tmp_path / "again")
    run_stage("cnn", tiny_cfg, "mnist", 2)
    run_stage("cnn", other, "mnist", 2)
    assert same(weights(tiny_cfg, "cnn"), weights(other, "cnn"))


def test_divergence_stops_with_a_clear_error_and_keeps_the_checkpoint(tiny_cfg):
    tiny_cfg["training"]["cnn"].update(lr=1e30, max_batches_per_epoch=6, momentum=0.0)
    with pytest.raises(TrainingDivergedError, match="last good checkpoint .*train_state.pt, step [0-9]+"):
        run_stage("cnn", tiny_cfg, "mnist", 2)


def test_missing_previous_stage_is_explained(tiny_cfg):
    with pytest.raises(FileNotFoundError, match="needs the 'anneal' checkpoint"):
        run_stage("finetune", tiny_cfg, "mnist", 2)


def test_min_steps_gives_a_small_set_enough_updates():
    from cordsnet.training.loop import stage_steps

    stage = {"epochs": 2, "batch_size": 128}
    assert stage_steps(4000, stage) == 2 * 31
    assert stage_steps(4000, {**stage, "min_steps": 600}) == 600
    assert stage_steps(60000, {**stage, "min_steps": 600}) == 2 * 468
    assert stage_steps(60000, {**stage, "max_batches_per_epoch": 8, "min_steps": 5}) == 16


def test_cuda_without_a_gpu_is_explained(monkeypatch):
    from cordsnet.training.stages import device_for

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device_for({"run": {"device": "auto"}}).type == "cpu"
    with pytest.raises(RuntimeError, match="no GPU.*'auto' or 'cpu'"):
        device_for({"run": {"device": "cuda"}})


def test_table1_metrics_nest_dataset_model_column():
    from cordsnet.training.table1 import table1_metrics

    row = {"dataset": "mnist", "model": "R2", **{c: 50.0 + i for i, c in enumerate(COLUMNS.values())}, "data": "x"}
    nested = table1_metrics([row])
    assert nested["mnist"]["R2"] == {c: 50.0 + i for i, c in enumerate(COLUMNS.values())}


def test_steady_state_fit_is_written_into_the_weight_normalised_model_exactly():
    from cordsnet.models import CordsNet
    from cordsnet.training.stages import SteadyStateMatcher

    torch.manual_seed(0)
    model = CordsNet(depth=2, in_channels=1, num_classes=10, width=0.0625, stem="small", image_size=8)
    matcher = SteadyStateMatcher(model)
    assert all(float(k.detach().abs().max()) == 0 for k in matcher.kernels)  # starts without recurrence
    with torch.no_grad():
        for k in matcher.kernels:
            k.normal_()
            k[0] = 0.0  # an output channel without recurrence: weight norm's v / ||v|| would be 0 / 0
    matcher.write_into(model)
    for area, k in zip(model.areas, matcher.kernels, strict=True):
        assert torch.isfinite(area.rec.weight).all()
        assert torch.allclose(area.rec.weight, k, atol=1e-6)
