"""The SLURM profile for real: a one-node cluster runs two jobs of the smoke DAG through `--executor slurm` (sbatch +
srun): one CPU rule (data preparation) and one training rule, which the profile sends to the GPU partition. The
whole DAG runs in tests/test_workflow_e2e.py; what this test proves is the profile's mapping onto a real cluster."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from cordsnet.layout import Layout
from tests.slurm_cluster import Cluster, install, unavailable_reason
from tests.workflow_repo import BIN, copy_checkout, run

# Local-cluster settings only (../shared/SLURM.md): squeue instead of sacct (no accounting database), fast polling.
LOCAL_CLUSTER = ["--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2",
                 "--seconds-between-status-checks", "2"]


@pytest.mark.slow
def test_smoke_dag_runs_through_the_slurm_profile(tmp_path, capsys):
    reason = unavailable_reason()
    if reason:
        with capsys.disabled():
            print(f"\nSLURM profile test skipped: {reason}")
        pytest.skip(reason)
    install()
    # munged insists on a world-executable path to its socket; pytest's tmp_path is private, /tmp is not
    state = Path(tempfile.mkdtemp(prefix="cordsnet-slurm-"))
    cluster = Cluster(state)
    cluster.start()
    try:
        repo = copy_checkout(tmp_path / "repo")
        t0 = time.perf_counter()
        target = str(Layout("results/smoke").metrics("mnist", 2, "cnn"))
        cmd = ["timeout", "-k", "30", "900", str(BIN / "snakemake"), target, "--profile", "workflow/profiles/slurm",
               "--configfile", "config/smoke.yaml", "--jobs", "2", *LOCAL_CLUSTER]
        run(cmd, repo, timeout=1000)
        wall = time.perf_counter() - t0
        metrics = json.loads((repo / target).read_text())
        assert metrics["stage"] == "cnn" and metrics["steps"] > 0
        jobs = (cluster.state / "log" / "jobcomp.txt").read_text().splitlines()
        completed = [j for j in jobs if "JobState=COMPLETED" in j]
        assert len(completed) == 2, f"expected the two rules to run as SLURM jobs, found {len(completed)}"
        partitions = {part.split("=", 1)[1] for j in completed for part in j.split() if part.startswith("Partition=")}
        assert partitions == {"cpu", "gpu"}, f"the profile sends training to 'gpu', the rest to 'cpu': {partitions}"
        with capsys.disabled():
            print(f"\nSLURM: {len(completed)} sbatch jobs (data on 'cpu', training on 'gpu') completed in {wall:.0f} s")
    finally:
        cluster.stop()
        shutil.rmtree(state, ignore_errors=True)
