"""Every command of the `cordsnet` CLI, run in-process on small settings, writes what it promises."""

import json

import numpy as np
import pytest
import yaml

from cordsnet.cli import main
from cordsnet.commands import COMMANDS
from cordsnet.config import load_config
from cordsnet.layout import Layout
from tests.conftest import REPO


def smoke(**sections) -> str:
    """The smoke configuration as --config-json, with sections replaced."""
    cfg = load_config(REPO / "config" / "smoke.yaml")
    for name, value in sections.items():
        cfg[name] = {**cfg[name], **value}
    return json.dumps(cfg)


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert set(COMMANDS) == {"prepare-data", "compute-table", "dynamics-eigs", "dynamics-singular-values",
                             "dynamics-regimes", "train", "table1", "workflow-summary", "temporal-noise",
                             "temporal-sequences", "temporal-solutions", "temporal-tables", "cognitive-train",
                             "cognitive-compare", "cognitive-attractors", "neural-surrogate", "neural-predict",
                             "multiarea-train", "multiarea-table", "ablation-train", "ablation-table", "claims",
                             "claims-power", "import-authors", "classify"}
    assert all(name in out for name in COMMANDS)


def test_bad_config_json_is_one_clear_line(capsys):
    bad = {"run": {"name": "x", "seed": 0}, "paths": {"data": "d", "results": "r"}, "data": {"datasets": ["nope"]}}
    assert main(["prepare-data", "--config-json", json.dumps(bad), "--dataset", "mnist"]) == 2
    assert "data.datasets.0" in capsys.readouterr().err


def test_a_missing_section_is_named_before_any_work(capsys):
    assert main(["table1", "--config-json", json.dumps({"run": {"name": "x", "seed": 0}}), "--out", "t.csv",
                 "--stages-out", "s.csv"]) == 2
    err = capsys.readouterr().err
    assert "`cordsnet table1` reads" in err and "missing: paths, data, model, simulation, training" in err


def test_a_section_left_out_of_a_slice_is_refused_not_filled_with_defaults(capsys):
    """The schema would fill a missing `neural` with the paper scale's defaults (3,200 images): the CLI checks the
    slice as given, before defaults."""
    cfg = json.loads(smoke())
    del cfg["neural"]
    assert main(["neural-predict", "--config-json", json.dumps(cfg), "--out", "p.json", "--table", "p.csv"]) == 2
    assert "missing: neural" in capsys.readouterr().err


def test_missing_data_is_one_clear_line(capsys, tmp_path, no_local_installs):
    cfg = {"run": {"name": "x", "seed": 0}, "paths": {"data": str(tmp_path), "results": str(tmp_path)},
           "data": {"datasets": ["cifar100"], "allow_download": False}}
    assert main(["prepare-data", "--config-json", json.dumps(cfg), "--dataset", "cifar100"]) == 1
    err = capsys.readouterr().err
    assert "no source of dataset 'cifar100'" in err and "To supply it" in err


def test_prepare_data_from_config_file(tmp_path, digits_idx_dir, no_local_installs):
    cfg = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    cfg["paths"]["data"] = str(tmp_path / "d")
    cfg["data"]["sources"]["mnist"] = str(digits_idx_dir)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["prepare-data", "--config", str(path), "--dataset", "mnist"]) == 0
    manifest = json.loads(Layout(data=tmp_path / "d").manifest("mnist").read_text())
    assert manifest["source"]["kind"] == "user_path" and manifest["splits"]["train"]["n"] == 1500


DYNAMICS = {"eig_depth": 2, "eig_image_size": 48, "eig_k": 4, "kernel_sizes": [1, 3], "sv_channels": 4, "sv_size": 6,
            "regime_steps": 2000}



def test_dynamics_commands(tmp_path):
    cfg = smoke(dynamics=DYNAMICS)
    assert main(["dynamics-eigs", "--config-json", cfg, "--out", str(tmp_path / "eigs.json")]) == 0
    eigs = json.loads((tmp_path / "eigs.json").read_text())
    assert eigs["depth"] == 2 and all(a["max_abs_difference"] < 1e-3 for a in eigs["areas"].values())
    assert set(np.load(tmp_path / "eigs.npz")) == {"first_arnoldi", "first_arpack", "last_arnoldi", "last_arpack"}
    assert main(["dynamics-singular-values", "--config-json", cfg, "--out", str(tmp_path / "sv.json")]) == 0
    sv = np.load(tmp_path / "sv.npz")
    assert sv["k1"].shape == sv["k3"].shape == (4 * 6 * 6,)  # every singular value of C n^2 units
    assert len(np.unique(np.round(sv["k1"], 9))) == 4  # a 1x1 kernel: its C singular values, each n^2 times ...
    assert len(np.unique(np.round(sv["k3"], 9))) > 4  # ... a 3x3 kernel spreads them


@pytest.mark.slow
def test_dynamics_regimes_command(tmp_path):
    """Seed 18 is the first kernel seed with all three regimes, so the search tries one kernel (about 25 s)."""
    cfg = smoke(run={"seed": 18}, dynamics=DYNAMICS)
    assert main(["dynamics-regimes", "--config-json", cfg, "--out", str(tmp_path / "regimes.json")]) == 0
    regimes = json.loads((tmp_path / "regimes.json").read_text())["regimes"]
    assert regimes["stable"]["spectral_radius"] < 1 < regimes["chaotic"]["spectral_radius"]


def test_train_table1_and_workflow_summary(tiny_pipeline, tmp_path):
    """`train` runs a stage, `table1` reads the stages, `workflow-summary` the benchmark files."""
    cfg = dict(tiny_pipeline, paths=dict(tiny_pipeline["paths"], results=str(tmp_path / "results")))
    layout = Layout.from_config(cfg)
    assert main(["train", "--config-json", json.dumps(cfg), "--stage", "cnn", "--dataset", "mnist",
                 "--depth", "2"]) == 0
    ours = json.loads(layout.metrics("mnist", 2, "cnn").read_text())
    theirs = json.loads(Layout.from_config(tiny_pipeline).metrics("mnist", 2, "cnn").read_text())
    assert ours["test_accuracy"] == theirs["test_accuracy"] and ours["history"] == theirs["history"]

    out, stages = tmp_path / "table1.csv", tmp_path / "stages.csv"
    assert main(["table1", "--config-json", json.dumps(tiny_pipeline), "--out", str(out), "--stages-out",
                 str(stages)]) == 0
    metrics = json.loads(out.with_suffix(".metrics.json").read_text())
    assert metrics["mnist"]["R2"]["CNN"] == round(100 * theirs["test_accuracy"], 2)
    import pandas as pd

    table = pd.read_csv(stages).set_index("stage")
    for stage in ("cnn", "fold", "init_linear", "linear_rnn", "anneal", "finetune", "direct", "fcrnn"):
        measured = json.loads(Layout.from_config(tiny_pipeline).metrics("mnist", 2, stage).read_text())
        assert table.loc[stage, "test"] == round(100 * measured["test_accuracy"], 2), stage
        assert table.loc[stage, "val end"] == round(100 * measured["val_accuracy"], 2), stage
    # each stage starts where its predecessor ended (init_linear: from the folded CNN it matches)
    for stage, previous in (("fold", "cnn"), ("init_linear", "fold"), ("linear_rnn", "init_linear"),
                            ("finetune", "anneal")):
        assert table.loc[stage, "val start"] == table.loc[previous, "val end"], stage

    bench = layout.benchmarks() / "train"
    bench.mkdir(parents=True)
    (bench / "mnist_R2_cnn.tsv").write_text("s\th:m:s\tmax_rss\n12.5\t0:00:12\t300\n")
    assert main(["workflow-summary", "--config-json", json.dumps(cfg), "--wall-seconds", "20"]) == 0
    summary = (layout.benchmarks() / "workflow.csv").read_text()
    assert "train/mnist_R2_cnn,12.5,300.0" in summary
