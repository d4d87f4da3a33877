"""The smoke configuration runs the whole DAG end to end; an up-to-date re-run does nothing."""

import json
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_smoke_workflow_end_to_end(tmp_path):
    base = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path),
            "--configfile", str(REPO / "config" / "smoke.yaml"), "--cores", "2"]
    env = {"CORDSNET_NO_TQDM": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    import os

    env = dict(os.environ, **env)
    res = subprocess.run(base, capture_output=True, text=True, timeout=1200, env=env)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    results = tmp_path / "results" / "smoke"
    table = (results / "tables" / "table1.md").read_text()
    assert "CordsNet (fine-tuned)" in table and "smoke" in table and "packaged_subset" in table
    prov = json.loads((results / "tables" / "table1.provenance.json").read_text())
    assert prov["scale"] == "smoke" and prov["inputs"]
    regimes = json.loads((results / "dynamics" / "regimes.json").read_text())
    assert regimes["regimes"]["chaotic"]["lyapunov"] > 0
    for name in ("table1_accuracy", "accuracy_over_time", "training_curves", "compute"):
        assert (results / "figures" / f"{name}.png").stat().st_size > 1000
        assert (results / "figures" / f"{name}.provenance.json").is_file()
    assert (results / "notebooks" / "training.ipynb").is_file()
    for rule in ("compute_table", "table1"):
        assert (results / "benchmarks").rglob(f"{rule}.tsv")
    report = subprocess.run(base + ["--report", str(tmp_path / "report.html")], capture_output=True, text=True,
                            timeout=300, env=env)
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    assert (tmp_path / "report.html").stat().st_size > 10_000
    t0 = time.perf_counter()
    again = subprocess.run(base + ["-n"], capture_output=True, text=True, timeout=300, env=env)
    assert again.returncode == 0
    assert "Nothing to be done" in again.stdout + again.stderr
    assert time.perf_counter() - t0 < 60
