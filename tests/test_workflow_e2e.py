"""The smoke scale end to end, as a user runs it: `dvc repro` (which calls Snakemake), the HTML report, an
up-to-date re-run that does nothing, and the DVC round trip (push, fresh clone, pull, no retraining)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from cordsnet.concerns import CONCERNS
from cordsnet.layout import Layout
from cordsnet.training.graph import SEEDED_STAGES, STAGES
from cordsnet.training.table1 import COLUMNS
from tests.workflow_repo import BIN, copy_checkout, run

SMOKE = ["--configfile", "config/smoke.yaml"]
RESULTS = Path("results/smoke")


def snakemake(*args: str) -> list[str]:
    """Targets and options first: `--configfile` takes several values and would swallow a target after it."""
    return [str(BIN / "snakemake"), *args, "--cores", "2", *SMOKE]


def dvc(*args: str) -> list[str]:
    return [str(BIN / "dvc"), *args]


@pytest.fixture(scope="session")
def smoke_repo(tmp_path_factory) -> Path:
    """A git repository of this checkout in which `dvc repro` has reproduced the smoke scale."""
    repo = copy_checkout(tmp_path_factory.mktemp("repo"))
    # the committed dvc.yaml lists the default scale alone; this copy puts the smoke scale under DVC instead
    run([sys.executable, "-m", "cordsnet.dvcfile", "--scales", "smoke", "--out", "dvc.yaml"], repo)
    run(dvc("repro", "figures@smoke", "dynamics@smoke"), repo, timeout=1500)
    return repo


@pytest.mark.slow
def test_smoke_scale_reproduces_every_output(smoke_repo):
    L = Layout(smoke_repo / RESULTS)
    table = L.table("table1", "md").read_text()
    assert "CordsNet (fine-tuned)" in table and "smoke" in table and "packaged_subset" in table
    prov = json.loads(L.table("table1", "provenance.json").read_text())
    # smoke trains two seeds of the whole chain: every column per seed, each model's per-image predictions kept
    assert prov["scale"] == "smoke" and len(prov["inputs"]) == 2 * len(COLUMNS) and prov["seeds"] == [0, 1]
    metrics = json.loads(L.table("table1", "metrics.json").read_text())
    for stage, column in COLUMNS.items():  # Table 1 shows the mean of each stage's own measured numbers
        seeds = [None, 1]
        assert all(L.predictions("mnist", 2, stage, k).is_file() for k in seeds)
        measured = [round(100 * json.loads(L.metrics("mnist", 2, stage, k).read_text())["test_accuracy"], 2)
                    for k in seeds]
        assert metrics["mnist"]["R2"][column] == pytest.approx(sum(measured) / len(measured), abs=0.006)
    stages = L.table("stages").read_text().splitlines()
    assert stages[0].startswith("dataset,model,seed,stage,val start,val end")
    assert len(stages) == 1 + len(STAGES) + len(SEEDED_STAGES)
    claims = json.loads(L.table("claims", "json").read_text())
    assert [r["claim"] for r in claims["claims"]] == [f"C{i}" for i in range(1, 12)]
    assert not any(r["verdict"] == "not yet measured" for r in claims["claims"])  # every claim's inputs exist
    assert sum(json.loads(L.table("claims", "metrics.json").read_text())["verdicts"].values()) == 11
    ablation = L.table("ablation").read_text().splitlines()
    assert len(ablation) == 1 + 3  # the smoke sweep's three settings
    regimes = json.loads(L.analysis("dynamics", "regimes").read_text())
    assert regimes["regimes"]["chaotic"]["lyapunov"] > 0
    for concern in CONCERNS.values():
        for figure in concern.figures:
            assert L.figure(figure, "png").stat().st_size > 1000
            assert L.figure(figure, "provenance.json").is_file()
        if concern.notebook:
            assert L.notebook(concern.notebook).is_file()
    for rule in ("compute_table", "table1"):
        assert list(L.benchmarks().rglob(f"{rule}.tsv"))
    lock = (smoke_repo / "dvc.lock").read_text()
    assert "training@smoke" in lock and "results/smoke/models" in lock


@pytest.mark.slow
def test_each_figure_lists_exactly_the_files_it_read(smoke_repo):
    """The sidecar is built from the reads of that figure alone (training_curves once omitted cnn and fcrnn)."""
    L = Layout(RESULTS)

    def inputs(figure):
        prov = json.loads((smoke_repo / L.figure(figure, "provenance.json")).read_text())
        return sorted(f["file"] for f in prov["inputs"])

    metrics = [str(L.metrics("mnist", 2, s)) for s in STAGES if s != "fold"]
    assert inputs("training_curves") == sorted(metrics)
    assert inputs("accuracy_over_time") == sorted(metrics)  # the CNN and the FC-RNN are drawn as references
    assert inputs("table1_accuracy") == sorted([str(L.table("table1")), str(L.table("table1", "provenance.json"))])
    assert inputs("compute") == sorted([str(L.table("compute")), str(L.table("compute", "provenance.json"))])
    for figure, report in (("eigenvalues", "eigs"), ("singular_values", "singular_values"), ("regimes", "regimes")):
        assert inputs(figure) == sorted([str(L.analysis("dynamics", report)),
                                         str(L.analysis("dynamics", report, "npz"))])
    for figure, report in (("feature_map", "sequences_mnist_R2"), ("sequences", "sequences_mnist_R2"),
                           ("solutions", "solutions"), ("autonomous", "solutions")):
        assert inputs(figure) == sorted([str(L.analysis("temporal", report)),
                                         str(L.analysis("temporal", report, "npz"))])
    for figure in ("noise_activation_error", "noise_accuracy"):
        assert inputs(figure) == [str(L.analysis("temporal", "noise_mnist_R2"))]
    assert inputs("task_performance") == sorted([str(L.table("cognitive_performance")),
                                                 str(L.task_networks("N8") / "metrics.json")])
    for figure, report in (("procrustes", "comparison"), ("attractors", "attractors")):
        assert inputs(figure) == sorted([str(L.analysis("cognitive", report)),
                                         str(L.analysis("cognitive", report, "npz"))])
    tasks = ("numerosity", "category", "odr", "motion")
    assert inputs("multiarea_tasks") == sorted(str(L.analysis("multiarea", t, ext)) for t in tasks
                                               for ext in ("json", "npz"))
    assert inputs("multiarea_performance") == sorted([str(L.table("multiarea"))]
                                                     + [str(L.multiarea_networks(t) / "metrics.json") for t in tasks])
    neural = [str(L.analysis("neural", "prediction")), str(L.analysis("neural", "prediction", "npz"))]
    assert inputs("neural_time_courses") == inputs("neural_predictivity") == sorted(neural)
    assert inputs("neural_comparison") == sorted(neural + [str(L.table("neural_prediction"))])
    assert inputs("ablation_solutions") == sorted([str(L.analysis("ablation", "solutions")), str(L.table("ablation")),
                                                   str(L.analysis("ablation", "solutions", "npz"))])
    assert inputs("claims_scorecard") == [str(L.table("claims", "json"))]


@pytest.mark.slow
def test_the_offline_neural_prediction_is_labelled_synthetic_everywhere(smoke_repo):
    L = Layout(smoke_repo / RESULTS)
    report = json.loads(L.analysis("neural", "prediction").read_text())
    assert report["data"] == "synthetic surrogate" and report["c10"]["verdict"] == "not testable offline"
    assert "SYNTHETIC SURROGATE" in L.table("neural_prediction", "md").read_text()
    for figure in CONCERNS["neural"].figures:
        sidecar = json.loads(L.figure(figure, "provenance.json").read_text())
        assert sidecar["data"] == "synthetic surrogate"
    surrogate = json.loads((L.neural_surrogate() / "surrogate.json").read_text())
    assert surrogate["label"] == "synthetic surrogate" and surrogate["generator"]["stage"] == "anneal"


@pytest.mark.slow
def test_snakemake_report_and_up_to_date_rerun(smoke_repo, tmp_path):
    run(snakemake("--report", str(tmp_path / "report.html")), smoke_repo, timeout=300)
    assert (tmp_path / "report.html").stat().st_size > 10_000
    t0 = time.perf_counter()
    again = run(snakemake("-n"), smoke_repo, timeout=300)
    assert "Nothing to be done" in again.stdout + again.stderr
    assert time.perf_counter() - t0 < 60


@pytest.mark.slow
def test_a_stage_setting_re_plans_only_that_stage_and_what_reads_it(smoke_repo, tmp_path):
    """Each training job gets only the configuration its stage reads: a new fine-tuning lr re-runs fine-tuning and
    the controls (whose budget it sets), plus Table 1 and the training figures; never the CNN or the earlier stages."""
    import yaml

    cfg = yaml.safe_load((smoke_repo / "config" / "smoke.yaml").read_text())
    cfg["training"]["finetune"]["lr"] *= 2
    changed = tmp_path / "smoke-finetune-lr.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    planned = run([str(BIN / "snakemake"), "-n", "--cores", "2", "--configfile", str(changed)], smoke_repo).stdout
    stages = sorted({line.split("stage=")[1].split(",")[0].strip() for line in planned.splitlines()
                     if "wildcards:" in line and "stage=" in line})
    # the RCNN and the early-readout model are the fine-tuning stage with one thing changed: they read its settings
    assert stages == ["direct", "early_readout", "fcrnn", "finetune", "rcnn"], planned[-3000:]
    assert "rule table1:" in planned and "rule compute_table:" not in planned
    assert "rule temporal_row:" in planned and "rule temporal_solutions:" in planned
    assert "rule cognitive_train:" not in planned  # the task networks read none of the vision settings


@pytest.mark.slow
def test_another_seed_re_plans_only_its_stages_and_what_reads_table1(smoke_repo, tmp_path):
    """run.seeds reaches Table 1 and the scorecard only: a third seed plans that seed's five stages, Table 1, the
    scorecard and their figures, and no analysis that reads the main seed's models."""
    import yaml

    cfg = yaml.safe_load((smoke_repo / "config" / "smoke.yaml").read_text())
    cfg["run"]["seeds"] = [0, 1, 2]
    changed = tmp_path / "smoke-three-seeds.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    planned = run([str(BIN / "snakemake"), "-n", "--cores", "2", "--configfile", str(changed)], smoke_repo).stdout
    jobs = sorted({line.split("rule ")[1].rstrip(":") for line in planned.splitlines() if line.startswith("rule ")}
                  | {line.split("localrule ")[1].rstrip(":") for line in planned.splitlines()
                     if line.startswith("localrule ")})
    assert jobs == ["all", "claims_figures", "claims_table", "table1", "train_stage_seed", "training_figures"], (
        planned[-3000:])
    seeds = {line.split("seed=")[1].split(",")[0].strip() for line in planned.splitlines() if "seed=" in line}
    assert seeds == {"2"}


@pytest.mark.slow
def test_dvc_round_trip_restores_results_without_retraining(smoke_repo, tmp_path):
    remote = tmp_path / "remote"
    run(dvc("remote", "add", "--force", "-d", "roundtrip", str(remote)), smoke_repo)
    run(["git", "add", "-A"], smoke_repo)
    run(["git", "commit", "-q", "-m", "smoke results under DVC"], smoke_repo)
    run(dvc("push"), smoke_repo, timeout=300)

    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(smoke_repo), str(clone)], tmp_path)
    assert not (clone / RESULTS / "models").exists()
    run(dvc("pull"), clone, timeout=300)  # bare, as DVC users type it
    assert (clone / RESULTS / "models" / "mnist" / "R2" / "finetune" / "checkpoint.pt").is_file()

    # DVC restores files in its own order, so their modification times say nothing; `snakemake --touch` (what
    # `make restore` runs) re-dates them in DAG order, and fails if any output of the DAG was not restored.
    run(snakemake("--touch"), clone)
    planned = run(snakemake("-n"), clone)
    assert "Nothing to be done" in planned.stdout + planned.stderr, planned.stdout[-3000:]

    status = run(dvc("status", "--with-deps", "figures@smoke"), clone).stdout  # DVC's own check: hashes
    assert "up to date" in status and "changed" not in status, status

    tables = clone / RESULTS / "tables"
    for suffix in (".csv", ".md", ".metrics.json", ".provenance.json"):
        (tables / f"table1{suffix}").unlink()
    run(snakemake("table1", "figures", "--forcerun", "training_figures", "table1"), clone)
    for suffix in (".csv", ".metrics.json"):
        original = (smoke_repo / RESULTS / "tables" / f"table1{suffix}").read_text()
        assert (tables / f"table1{suffix}").read_text() == original, f"table1{suffix} differs after the round trip"
    # the Markdown's footer names the code version, which is the clone's commit: compare the table itself
    original, again = ((root / RESULTS / "tables" / "table1.md").read_text().split("\n\nScale: ")[0]
                       for root in (smoke_repo, clone))
    assert again == original
    assert (clone / RESULTS / "figures" / "table1_accuracy.png").stat().st_size > 1000
