"""The staged pipeline end to end at a tiny scale, resume, determinism, divergence, Table 1."""

import copy
import json

import pytest
import torch

from cordsnet.config import ConfigError, validate_config, with_stage_defaults
from cordsnet.io import load_predictions, load_tensors
from cordsnet.layout import Layout
from cordsnet.models.fcrnn import fcrnn_params, matched_hidden_size
from cordsnet.training import STAGES, TrainingDivergedError, run_stage
from cordsnet.training.graph import ALL_STAGES, PREVIOUS, STAGE_TABLE
from cordsnet.training.losses import ramp_loss, ramp_weights
from cordsnet.training.runners import anneal_slope
from cordsnet.training.table1 import COLUMNS, table1_metrics, table1_rows
from tests.conftest import copy_stages


def weights(cfg, stage, depth=2):
    return load_tensors(Layout.from_config(cfg).checkpoint("mnist", depth, stage))["model"]


def metrics(cfg, stage, depth=2):
    return json.loads(Layout.from_config(cfg).metrics("mnist", depth, stage).read_text())


def same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a) and a.keys() == b.keys()


def ancestors(stage):
    out = []
    while stage in PREVIOUS:
        stage = PREVIOUS[stage]
        out.append(stage)
    return out[::-1]


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


def test_every_stage_of_the_table_has_a_runner_a_settings_block_and_a_predecessor():
    """Each record's runner resolves to a function, its settings block exists in the schema's training section,
    and its predecessor is an earlier stage (the table is in run order)."""
    from cordsnet.config import schema

    training = schema()["properties"]["training"]["properties"]
    for i, (name, record) in enumerate(STAGE_TABLE.items()):
        assert callable(record.runner_function()), name
        assert record.settings is None or record.settings in training, name
        assert set(record.training_keys) <= set(training), name
        assert record.previous is None or record.previous in ALL_STAGES[:i], name


def test_the_temporal_models_train_from_the_annealed_model_and_feed_the_analyses(tiny_pipeline, tiny_cfg, tmp_path):
    """rcnn (alpha = 1) and early_readout start from the annealed model and train as fine-tuning does; the temporal
    analyses and their tables run on them end to end."""
    from cordsnet.temporal.analysis import sequences_report, solutions_report
    from cordsnet.temporal.noise import noise_report
    from cordsnet.temporal.tables import temporal_tables
    from cordsnet.trained import load_trained

    cfg = tiny_cfg
    copy_stages(tiny_pipeline, cfg, ["cnn", "fold", "init_linear", "linear_rnn", "anneal", "finetune"])
    rcnn = run_stage("rcnn", cfg, "mnist", 2)
    early = run_stage("early_readout", cfg, "mnist", 2)
    assert rcnn["alpha"] == 1.0 and rcnn["steps"] == json.loads(
        Layout.from_config(cfg).metrics("mnist", 2, "finetune").read_text())["steps"]
    assert early["readout_window"] == [1, 4] and len(early["per_step_accuracy"]) == 4
    assert load_trained(cfg, "mnist", 2, "rcnn").alpha == 1.0
    assert load_trained(cfg, "mnist", 2, "finetune").alpha == cfg["model"]["alpha"]
    L = Layout.from_config(cfg)
    cfg["temporal"]["noise_images"] = cfg["training"]["eval_max_images"]  # then level 0 is Table 1's evaluation
    noise_report(cfg, "mnist", 2).write(L.analysis("temporal", "noise_mnist_R2"))
    sequences_report(cfg, "mnist", 2).write(L.analysis("temporal", "sequences_mnist_R2"))
    solutions_report(cfg).write(L.analysis("temporal", "solutions"))
    tables = temporal_tables(cfg)
    assert {r["network"] for r in tables["sequences"].rows} == {"cordsnet", "cnn", "rcnn"}
    assert {r["readout"] for r in tables["solutions"].rows} == {"late", "early"}
    noise = json.loads(L.analysis("temporal", "noise_mnist_R2").read_text())
    assert all(e == 0.0 for m in noise["models"].values() for e in m["activation_error"][0])
    assert noise["models"]["cordsnet"]["accuracy"][0] == pytest.approx(
        json.loads(L.metrics("mnist", 2, "finetune").read_text())["test_accuracy"])


def test_an_analysis_without_its_model_names_the_checkpoint_and_the_fix(tiny_cfg):
    from cordsnet.trained import load_trained

    with pytest.raises(FileNotFoundError, match=r"rcnn/checkpoint.pt.*snakemake"):
        load_trained(tiny_cfg, "mnist", 2, "rcnn")


def test_pipeline_end_to_end_and_table1(tiny_pipeline):
    cfg = tiny_pipeline
    layout = Layout.from_config(cfg)
    for stage in STAGES:
        assert layout.checkpoint("mnist", 2, stage).is_file() and not layout.train_state("mnist", 2, stage).exists()
        m = metrics(cfg, stage)
        assert m["provenance"]["data"]["source_kind"] == "user_path" and m["scale"] == "smoke"
    cnn, fold, init = metrics(cfg, "cnn"), metrics(cfg, "fold"), metrics(cfg, "init_linear")
    assert fold["folding_max_rel_error"] < 1e-5
    assert fold["test_accuracy"] == cnn["test_accuracy"]  # folding is exact: the same predictions
    assert len(init["per_step_accuracy"]) == cfg["simulation"]["stimulus_steps"]
    assert init["eval_images"] == cfg["training"]["eval_max_images"]
    direct, fc = metrics(cfg, "direct"), metrics(cfg, "fcrnn")
    budget = sum(metrics(cfg, s)["image_steps"] for s in ("init_linear", "linear_rnn", "anneal", "finetune"))
    assert direct["budget_image_steps"] == fc["budget_image_steps"] == budget
    per_batch = 16 * (6 + 3) + 3  # batch x (stimulus + post-stimulus steps) + the shared warm-up
    assert direct["image_steps"] == fc["image_steps"] == (budget // per_batch) * per_batch
    assert fc["param_mismatch"] < 0.05
    assert fc["history"][-1]["spont"] > 0  # the penalty is computed for the FC-RNN too
    assert metrics(cfg, "finetune")["nonlinearity"] == "relu" and metrics(cfg, "anneal")["nonlinearity"] == "relu"
    rows, _, sources, _ = table1_rows(layout, ["mnist"], [2])
    assert len(rows) == 1 and len(sources) == len(COLUMNS)
    for stage, column in COLUMNS.items():  # the table shows exactly each stage's own number
        assert rows[0][column] == round(100 * metrics(cfg, stage)["test_accuracy"], 2)


def test_cnn_stage_learns_the_digits(tiny_cfg):
    """One epoch of the 1,350 training digits (84 updates; 150 are held out for validation): measured 30% test
    accuracy; chance is 10%."""
    tiny_cfg["model"].update(stem="paper", width=0.125)
    tiny_cfg["training"]["cnn"].update(optimizer="adamw", lr=3e-3, max_batches_per_epoch=None)
    m = run_stage("cnn", tiny_cfg, "mnist", 2)
    assert m["steps"] == 84 and m["test_accuracy"] > 0.2


@pytest.mark.parametrize("stage", ["cnn", "init_linear", "anneal", "fcrnn"])
def test_resume_after_a_kill_gives_identical_weights(tiny_pipeline, tiny_cfg, stage):
    copy_stages(tiny_pipeline, tiny_cfg, ancestors(stage))
    assert run_stage(stage, tiny_cfg, "mnist", 2, stop_after=3) is None  # killed after step 3 (checkpoint at 2)
    assert load_tensors(Layout.from_config(tiny_cfg).train_state("mnist", 2, stage))["step"] == 2
    run_stage(stage, tiny_cfg, "mnist", 2)  # resumed
    assert same(weights(tiny_pipeline, stage), weights(tiny_cfg, stage))  # = the uninterrupted run


def test_deterministic_for_a_seed(tiny_pipeline, tiny_cfg):
    run_stage("cnn", tiny_cfg, "mnist", 2)
    assert same(weights(tiny_pipeline, "cnn"), weights(tiny_cfg, "cnn"))
    other = dict(tiny_cfg, run=dict(tiny_cfg["run"], seed=1), paths=dict(tiny_cfg["paths"]))
    other["paths"]["results"] += "-seed1"
    run_stage("cnn", other, "mnist", 2)
    assert not same(weights(tiny_pipeline, "cnn"), weights(other, "cnn"))  # the seed matters


def test_divergence_stops_with_a_clear_error_and_keeps_the_checkpoint(tiny_cfg):
    tiny_cfg["training"]["cnn"].update(lr=1e30, max_batches_per_epoch=6, momentum=0.0)
    with pytest.raises(TrainingDivergedError, match="last good checkpoint .*train_state.pt, step [0-9]+"):
        run_stage("cnn", tiny_cfg, "mnist", 2)


def test_missing_previous_stage_is_explained(tiny_cfg):
    with pytest.raises(FileNotFoundError, match="needs the 'anneal' checkpoint"):
        run_stage("finetune", tiny_cfg, "mnist", 2)


def test_min_steps_gives_a_small_set_enough_updates():
    from cordsnet.training.loop import stage_steps

    stage = with_stage_defaults({"epochs": 2, "batch_size": 128, "lr": 0.1})
    assert stage_steps(4000, stage) == 2 * 31
    assert stage_steps(4000, {**stage, "min_steps": 600}) == 600
    assert stage_steps(60000, {**stage, "min_steps": 600}) == 2 * 468
    assert stage_steps(60000, {**stage, "max_batches_per_epoch": 8, "min_steps": 5}) == 16


def test_cuda_without_a_gpu_is_explained(monkeypatch):
    from cordsnet.trained import device_for

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device_for({"run": {"device": "auto"}}).type == "cpu"
    with pytest.raises(RuntimeError, match="no GPU.*'auto' or 'cpu'"):
        device_for({"run": {"device": "cuda"}})


def test_table1_reads_each_column_from_its_own_stage(tmp_path):
    """Written out by hand: the initialisation method ends with annealing (s4), fine-tuning is s5 (docs/training.md)."""
    layout = Layout(tmp_path)
    accuracy = {"cnn": 0.1, "anneal": 0.2, "finetune": 0.3, "direct": 0.4, "fcrnn": 0.5}
    for stage, acc in accuracy.items():
        path = layout.metrics("mnist", 2, stage)
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"test_accuracy": acc, "scale": "smoke", "eval_subset": "all", "eval_images": 100,
                                    "provenance": {"config_hash": stage, "code_version": "v",
                                                   "data": {"source_kind": "user_path", "location": "x"}}}))
    rows, _, sources, _ = table1_rows(layout, ["mnist"], [2])
    assert {c: rows[0][c] for c in COLUMNS.values()} == {
        "CNN": 10.0, "CordsNet (initialization method)": 20.0, "CordsNet (fine-tuned)": 30.0,
        "CordsNet (direct training)": 40.0, "FC-RNN (matched parameters)": 50.0}
    assert sorted(s["config_hash"] for s in sources) == sorted(accuracy)


def test_table1_reports_mean_sd_and_every_seed(tmp_path):
    """Three seeds of the whole chain: the mean, the sample SD and min-max, every seed's value, each model's
    predictions file."""
    layout = Layout(tmp_path)
    for folder, acc in ((None, 0.80), (1, 0.82), (2, 0.87)):
        for stage in COLUMNS:
            path = layout.metrics("mnist", 2, stage, folder)
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps({"test_accuracy": 0.9 if stage == "cnn" else acc, "scale": "smoke",
                                        "eval_images": 100,
                                        "provenance": {"config_hash": "h", "code_version": "v",
                                                       "data": {"source_kind": "user_path", "location": "x"}}}))
    rows, md, sources, records = table1_rows(layout, ["mnist"], [2], lambda d, n: [None, 1, 2], main_seed=0)
    row, col = rows[0], "CordsNet (fine-tuned)"
    assert row["seeds"] == 3 and row["seed values"] == "0 1 2" and row["CNN"] == 90.0
    assert row[col] == pytest.approx(83.0) and row[f"{col} SD"] == pytest.approx(3.61, abs=0.01)
    assert (row[f"{col} min"], row[f"{col} max"], row[f"{col} per seed"]) == (80.0, 87.0, "80 82 87")
    assert md[0][col] == "83.0 ± 3.6 (80.0-87.0)" and md[0]["CNN"] == "90.0 ± 0.0 (90.0-90.0)"
    assert len(sources) == 3 * len(COLUMNS) and row["test images"] == 100
    # the same numbers as data, keyed by stage (tables/table1.json, what the scorecard reads)
    assert records[0]["seeds"] == [0, 1, 2] and records[0]["accuracy"]["finetune"] == [80.0, 82.0, 87.0]
    assert records[0]["accuracy"]["cnn"] == [90.0] * 3
    assert records[0]["predictions"]["cnn"][1] == str(layout.predictions("mnist", 2, "cnn", 1))
    # a one-seed row has every column's per-seed value too (the training notebook reads them for every row)
    one, *_ = table1_rows(layout, ["mnist"], [2])
    assert one[0]["CNN per seed"] == "90" and one[0]["CNN SD"] is None


def test_an_imported_row_is_not_trained_here(tmp_path):
    """A row whose fine-tuned model is the authors' release: Table 1 says "not trained here" in every column, the
    stage table skips it, the data mark it imported (the claims then leave it out)."""
    from cordsnet.training.table1 import NOT_TRAINED, stage_rows

    layout = Layout(tmp_path)
    path = layout.metrics("imagenet", 8, "finetune")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"imported": True, "trained_here": False, "scale": "paper",
                                "source": {"file": "/x/cordsnetr8.pth", "sha256": "ab" * 32},
                                "provenance": {"config_hash": "h", "code_version": "v"}}))
    rows, md, sources, records = table1_rows(layout, ["imagenet"], [8])
    assert all(rows[0][c] is None and md[0][c] == NOT_TRAINED for c in COLUMNS.values())
    assert "cordsnetr8.pth" in rows[0]["every model scored on"] and records[0]["imported"]
    assert sources[0]["file"] == str(path) and stage_rows(layout, ["imagenet"], [8]) == ([], [])


def test_table1_refuses_models_scored_on_different_images(tmp_path):
    layout = Layout(tmp_path)
    for stage in COLUMNS:
        path = layout.metrics("mnist", 2, stage)
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"test_accuracy": 0.5, "eval_images": 100 if stage == "cnn" else 50,
                                    "provenance": {"config_hash": "h", "code_version": "v",
                                                   "data": {"source_kind": "user_path", "location": "x"}}}))
    with pytest.raises(ValueError, match="different numbers of test images"):
        table1_rows(layout, ["mnist"], [2])


def test_another_seed_trains_its_own_whole_chain(tiny_pipeline, tiny_cfg):
    """Seed 1 trains its own CNN, folding and steady-state fit and the stages after them under seed1/, differs from
    seed 0's, and its controls read their budget from seed 1's stages; the main run's files are untouched; each
    model writes its per-image test predictions."""
    layout = Layout.from_config(tiny_cfg)
    for stage in ("cnn", "fold", "init_linear", "linear_rnn", "anneal", "finetune", "fcrnn"):
        run_stage(stage, tiny_cfg, "mnist", 2, seed=1)
        assert layout.checkpoint("mnist", 2, stage, 1).is_file()
        assert not layout.checkpoint("mnist", 2, stage).exists()
    m = json.loads(layout.metrics("mnist", 2, "fcrnn", 1).read_text())
    assert m["provenance"]["seed"] == 1
    budget = sum(json.loads(layout.metrics("mnist", 2, s, 1).read_text())["image_steps"]
                 for s in ("init_linear", "linear_rnn", "anneal", "finetune"))
    assert m["budget_image_steps"] == budget
    for stage in ("cnn", "init_linear", "linear_rnn"):  # another initialisation and batch order
        seed1 = load_tensors(layout.checkpoint("mnist", 2, stage, 1))["model"]
        assert not same(weights(tiny_pipeline, stage), seed1), stage
    pred = load_predictions(layout.predictions("mnist", 2, "fcrnn", 1))
    assert len(pred) == m["eval_images"] and (pred["label"] == pred["predicted"]).mean() == pytest.approx(
        m["test_accuracy"])
    with pytest.raises(ValueError, match="trained once"):
        run_stage("rcnn", tiny_cfg, "mnist", 2, seed=1)


def test_table1_metrics_nest_dataset_model_column():
    row = {"dataset": "mnist", "model": "R2", **{c: 50.0 + i for i, c in enumerate(COLUMNS.values())}, "data": "x"}
    nested = table1_metrics([row])
    assert nested["mnist"]["R2"] == {c: 50.0 + i for i, c in enumerate(COLUMNS.values())}


def test_steady_state_fit_is_written_into_the_weight_normalised_model_exactly():
    from cordsnet.models import CordsNet
    from cordsnet.training.steady_state import SteadyStateMatcher

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


def test_controls_read_their_own_settings_with_the_schema_defaults(tiny_pipeline):
    from cordsnet.training.context import stage_settings

    controls = stage_settings(tiny_pipeline, "fcrnn")
    assert controls["lr"] == tiny_pipeline["training"]["controls"]["lr"]
    assert controls["weight_decay"] == 0.0 and controls["optimizer"] == "adamw"
    recorded = metrics(tiny_pipeline, "fcrnn")["provenance"]["config"]["training"]
    assert recorded["controls"] == tiny_pipeline["training"]["controls"] and "finetune" not in recorded
    own = dict(tiny_pipeline, training=dict(tiny_pipeline["training"],
                                            controls=dict(tiny_pipeline["training"]["controls"], lr_direct=0.02)))
    assert stage_settings(own, "direct")["lr"] == 0.02 and stage_settings(own, "fcrnn")["lr"] == controls["lr"]
    assert "lr_direct" not in stage_settings(own, "direct")


def test_the_spontaneous_penalty_sums_or_averages_over_areas():
    from cordsnet.training.losses import spontaneous_penalty

    spont = [torch.zeros(1, 2, 3, 3), torch.zeros(1, 4, 2, 2)]
    recorded = {0: torch.full((5, 2, 2, 3, 3), 1.0), 1: torch.full((5, 2, 4, 2, 2), 3.0)}
    assert float(spontaneous_penalty(recorded, spont)) == pytest.approx(1.0 + 9.0)
    assert float(spontaneous_penalty(recorded, spont, "mean")) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="reduce"):
        spontaneous_penalty(recorded, spont, "max")


def test_the_released_scripts_protocol_trains_the_fcrnn_and_cordsnet(tiny_pipeline, tiny_cfg):
    """warmup_gradient false + penalty_reduce mean (config/paper.yaml) run through the same in-time path."""
    tiny_cfg["training"].update(warmup_gradient=False, penalty_reduce="mean")
    copy_stages(tiny_pipeline, tiny_cfg, ancestors("fcrnn"))
    for stage in ("finetune", "fcrnn"):
        run_stage(stage, tiny_cfg, "mnist", 2)
        recorded = metrics(tiny_cfg, stage)["provenance"]["config"]["training"]
        assert recorded["warmup_gradient"] is False and recorded["penalty_reduce"] == "mean"
        assert not same(weights(tiny_cfg, stage), weights(tiny_pipeline, stage))  # a different recipe


def test_every_stage_keeps_its_best_validation_state(tiny_pipeline):
    """The kept state is the best-scoring eligible one; annealing keeps a ReLU state (slope 0); the test split
    scores only the kept state; each stage starts where its predecessor ended."""
    val_n = json.loads(Layout.from_config(tiny_pipeline).manifest("mnist").read_text())["validation"]["n"]
    for stage in ("cnn", "linear_rnn", "anneal", "finetune", "direct", "fcrnn"):
        m = metrics(tiny_pipeline, stage)
        scores = {v["step"]: v["val_accuracy"] for v in m["validation"]}
        assert scores[0] == m["val_accuracy_start"] and m["val_images"] == val_n, stage
        if stage == "anneal":
            slope = anneal_slope(m["steps"], hold=tiny_pipeline["training"]["anneal_hold"])
            eligible = {s: a for s, a in scores.items() if s > 0 and slope(s - 1) == 0.0}
            assert eligible and m["selected_step"] in eligible
        else:
            eligible = scores
        assert m["val_accuracy"] == max(eligible.values()) == scores[m["selected_step"]], stage
    assert metrics(tiny_pipeline, "linear_rnn")["val_accuracy_start"] == metrics(tiny_pipeline, "init_linear")[
        "val_accuracy"]
    assert metrics(tiny_pipeline, "init_linear")["val_accuracy_start"] == metrics(tiny_pipeline, "fold")[
        "val_accuracy"]
    m = metrics(tiny_pipeline, "init_linear")
    assert len(m["steady_state_rel_error"]) == 2 and m["steady_state_target"] > 0


def test_anneal_holds_relu_for_its_last_steps():
    """20 levels 0.95 .. 0 over the first 75 steps (the last level, 0, from step 72), then 0 for the last 25."""
    f = anneal_slope(100, hold=0.25)
    assert f(0) == pytest.approx(0.95) and f(71) == pytest.approx(0.05)
    assert all(f(s) == 0.0 for s in range(72, 100))
    assert anneal_slope(100)(94) > 0  # without the hold only the last level is ReLU


def test_lr_decay_cosine_reaches_the_stage_and_anneal_decays_over_its_hold(tiny_cfg, tiny_pipeline, monkeypatch):
    """With ``lr_decay: cosine`` the rate stays full through annealing's slope ramp and falls to 0 over its ReLU
    hold; the steady-state fit, fine-tuning and the controls decay over the whole stage; ``none`` passes no
    schedule."""
    import cordsnet.training.in_time as in_time
    import cordsnet.training.runners as runners
    import cordsnet.training.steady_state as steady_state

    seen = {}
    real = in_time.train

    def spy(model, opt, data, loop, loss_fn, scheduler=None, **kw):
        seen[loop.desc.split()[2]] = (loop.steps, scheduler)
        return real(model, opt, data, loop, loss_fn, scheduler=scheduler, **kw)

    monkeypatch.setattr(in_time, "train", spy)
    monkeypatch.setattr(steady_state, "train", spy)
    copy_stages(tiny_pipeline, tiny_cfg, ("cnn", "fold", "init_linear", "linear_rnn"))
    for stage in ("init_linear", "anneal", "finetune"):
        tiny_cfg["training"][stage]["lr_decay"] = "cosine"
    tiny_cfg["training"]["controls"]["lr_decay"] = "cosine"
    for stage in ("init_linear", "anneal", "finetune", "fcrnn"):
        run_stage(stage, tiny_cfg, "mnist", 2)
    steps, f = seen["anneal"]
    ramp = runners.anneal_ramp_steps(steps, tiny_cfg["training"]["anneal_hold"])
    assert 0 < ramp < steps and all(f(s) == 1.0 for s in range(ramp)) and f(steps) == pytest.approx(0.0)
    for stage in ("init_linear", "finetune", "fcrnn"):
        steps, f = seen[stage]
        assert f(0) == 1.0 and f(steps // 2) < 1.0 and f(steps) == pytest.approx(0.0), stage
    tiny_cfg["training"]["finetune"]["lr_decay"] = "none"
    run_stage("finetune", tiny_cfg, "mnist", 2)
    assert seen["finetune"][1] is None


def test_lr_decay_on_a_stage_with_its_own_schedule_is_refused(tiny_cfg):
    cfg = copy.deepcopy(tiny_cfg)
    cfg["training"]["cnn"]["lr_decay"] = "cosine"
    with pytest.raises(ConfigError, match=r"training\.cnn\.lr_decay.*lr_rounds"):
        validate_config(cfg)


def test_steady_state_loss_fits_iterations_and_penalises_a_separate_power_of_w():
    """The fit unrolls `iterations` fixed-point steps; the penalty is ||W^k r||^2 / ||r||^2 with its own k."""
    from cordsnet.training.losses import steady_state_loss

    torch.manual_seed(0)
    w = 0.5 * torch.eye(3)  # W acts as 0.5 * identity on 3 'channels'

    def rec(r):
        return torch.einsum("ij,bj->bi", w, r)

    x, b = torch.randn(4, 3), torch.zeros(3)
    fixed_point = x / (1 - 0.5)
    mse10, pen = steady_state_loss(x, fixed_point, rec, b, iterations=10, contraction_iterations=2)
    mse3, _ = steady_state_loss(x, fixed_point, rec, b, iterations=3, contraction_iterations=2)
    assert mse10 < mse3 * 1e-3  # 10 iterations reach the steady state; 3 do not
    assert pen == pytest.approx(0.5 ** 4)  # (0.5^2)^2: W applied twice, energy ratio
    _, pen5 = steady_state_loss(x, fixed_point, rec, b, iterations=10, contraction_iterations=5)
    assert pen5 == pytest.approx(0.5 ** 10)


def test_init_linear_selects_its_contraction_weight_on_validation(tiny_pipeline, tiny_cfg):
    """A list of contraction weights: one fit per weight, the best on validation kept (ties: the larger weight),
    the kept fit identical to a run with that weight alone, its folders gone, and the budget that of one fit.
    A fit killed during its first weight resumes to the same result."""
    copy_stages(tiny_pipeline, tiny_cfg, ["cnn", "fold"])
    tiny_cfg["training"]["contraction_weight"] = [0.0, 100.0]
    assert run_stage("init_linear", tiny_cfg, "mnist", 2, stop_after=3) is None  # the first weight's fit killed
    assert run_stage("init_linear", tiny_cfg, "mnist", 2) is not None
    m = metrics(tiny_cfg, "init_linear")
    scores = {c["weight"]: c["val_accuracy"] for c in m["contraction_candidates"]}
    assert set(scores) == {0.0, 100.0}
    best = max(scores.values())
    assert m["contraction_weight"] == max(w for w, a in scores.items() if a == best)
    assert m["val_accuracy"] == best
    assert m["steps"] == metrics(tiny_pipeline, "init_linear")["steps"]
    assert m["image_steps"] == metrics(tiny_pipeline, "init_linear")["image_steps"]  # one fit's updates
    out = Layout.from_config(tiny_cfg).stage_dir("mnist", 2, "init_linear")
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "metrics.json", "predictions.npy"]
    kept = weights(tiny_cfg, "init_linear")
    alone = copy.deepcopy(tiny_cfg)
    alone["training"]["contraction_weight"] = m["contraction_weight"]
    alone["paths"]["results"] += "-alone"
    copy_stages(tiny_pipeline, alone, ["cnn", "fold"])
    run_stage("init_linear", alone, "mnist", 2)
    assert same(kept, weights(alone, "init_linear"))


def test_the_exact_savings_change_no_weight_and_no_score(tiny_pipeline, tiny_cfg, tmp_path, monkeypatch):
    """Annealing's ReLU path at slope 0, the start scores taken from the predecessor and training's readout of the
    loss's window only (docs/benchmarks.md, "Exact savings") give the same checkpoints and the same validation
    curves as the work they save: the PReLU path at slope 0, a second validation pass at every stage's start, and a
    readout at every step."""
    import dataclasses

    import cordsnet.training.graph as graph
    import cordsnet.training.in_time as in_time
    import cordsnet.training.protocol as protocol

    copy_stages(tiny_pipeline, tiny_cfg, ("cnn", "fold", "init_linear"))
    for stage in ("linear_rnn", "anneal", "finetune"):
        run_stage(stage, tiny_cfg, "mnist", 2)
    saved = {s: (weights(tiny_cfg, s), metrics(tiny_cfg, s)) for s in ("linear_rnn", "anneal", "finetune")}

    slow = copy.deepcopy(tiny_cfg)
    slow["paths"]["results"] = str(tmp_path / "slow")
    copy_stages(tiny_pipeline, slow, ("cnn", "fold", "init_linear"))
    monkeypatch.setattr(in_time, "set_slope", lambda model, s: model.set_nonlinearity("prelu", s))
    table = {n: dataclasses.replace(s, same_start=False) for n, s in graph.STAGE_TABLE.items()}
    monkeypatch.setattr(in_time, "STAGE_TABLE", table)
    every_step = protocol.simulate
    monkeypatch.setattr(protocol, "simulate", lambda *a, readout_steps=None, **k: every_step(*a, **k))
    for stage in ("linear_rnn", "anneal", "finetune"):
        run_stage(stage, slow, "mnist", 2)
        w, m = saved[stage]
        assert same(w, weights(slow, stage)), stage
        assert m["validation"] == metrics(slow, stage)["validation"], stage
        assert m["val_accuracy_start"] == metrics(slow, stage)["val_accuracy_start"], stage
