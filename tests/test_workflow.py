"""The Snakemake workflow parses, validates its configuration and plans every configuration's DAG."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def _dry_run(*extra: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(SNAKEMAKE + ["-n", "--cores", "2", *extra], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("config", ["config/config.yaml", "config/smoke.yaml", "config/paper.yaml"])
def test_dry_run_plans_each_configuration(config, tmp_path):
    if config.endswith("paper.yaml"):  # the recordings are inputs: a plan needs them (stand-ins suffice for -n)
        cfg = yaml.safe_load((REPO / config).read_text())
        for key in ("assembly", "stimuli", "images"):
            cfg["neural"]["sources"][key] = str(tmp_path / key)
            (tmp_path / key).write_text("stand-in for a dry run")
        config = str(tmp_path / "paper.yaml")
        (tmp_path / "paper.yaml").write_text(yaml.safe_dump(cfg))
    res = _dry_run("--configfile", config, "--forceall")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "neural_predict" in res.stdout
    assert "prepare_tensor_dataset" in res.stdout
    assert "compute_table" in res.stdout
    if config.endswith("paper.yaml"):
        assert "prepare_imagenet" in res.stdout and "neural_surrogate" not in res.stdout


def test_the_authors_release_replaces_r8s_training(tmp_path):
    """config/authors.yaml over the paper scale: the fine-tuned R8 comes from the import rule, so the front end, the
    neural prediction and Table 1 plan no training job at all."""
    overlay = {"model": {"imported": [{"dataset": "imagenet", "depth": 8, "path": str(tmp_path / "cordsnetr8.pth")}]},
               "neural": {"sources": {k: str(tmp_path / k) for k in ("assembly", "stimuli", "images")}}}
    for f in ["cordsnetr8.pth", *overlay["neural"]["sources"]]:
        (tmp_path / f).write_text("stand-in for a dry run")
    (tmp_path / "here.yaml").write_text(yaml.safe_dump(overlay))
    res = _dry_run("--configfile", "config/paper.yaml", "config/authors.yaml", str(tmp_path / "here.yaml"),
                   "--forceall", "multiarea", "neural", "table1")
    assert res.returncode == 0, res.stdout + res.stderr
    jobs = res.stdout.split("Job stats:")[1].split("total")[0]
    assert "import_authors" in jobs and "multiarea_train" in jobs and "neural_predict" in jobs, jobs
    assert "train_stage" not in jobs, jobs


def test_missing_recordings_stop_the_plan_naming_the_file(tmp_path):
    res = _dry_run("--configfile", "config/paper.yaml", "--forceall", "neural")
    assert res.returncode != 0
    assert "assy_dicarlo_MajajHong2015_temporal_public.nc" in res.stdout + res.stderr


def test_workflow_rejects_an_invalid_configuration(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((REPO / "config" / "smoke.yaml").read_text().replace("width: 0.125", "width: -2"))
    res = _dry_run("--configfile", str(bad))
    assert res.returncode != 0
    out = res.stdout + res.stderr
    assert "width" in out and ("minimum" in out or "less than" in out)


def test_every_rule_declares_log_benchmark_threads_and_resources():
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text()
        for block in text.split("\nrule ")[1:]:
            name = block.split(":")[0]
            if "shell:" not in block and "script:" not in block and "notebook:" not in block:
                continue  # aggregate target rules (input only)
            for key in ("log:", "benchmark:", "threads:", "resources:"):
                assert key in block, f"rule {name} in {smk.name} lacks {key}"


def test_multi_gpu_training_jobs_run_under_torchrun(tmp_path):
    cfg = tmp_path / "paper4.yaml"
    text = (REPO / "config" / "paper.yaml").read_text()
    assert "  gpus: 1" in text
    cfg.write_text(text.replace("  gpus: 1", "  gpus: 4"))
    target = "results/paper/models/mnist/R2/cnn/metrics.json"
    res = _dry_run("--configfile", str(cfg), "--forceall", "-p", target)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "torch.distributed.run --standalone --nproc-per-node 4 -m cordsnet.cli train --distributed" in res.stdout
    one = _dry_run("--configfile", "config/paper.yaml", "--forceall", "-p", target)
    assert "-m cordsnet.cli train --config-json" in one.stdout and "torch.distributed.run" not in one.stdout
