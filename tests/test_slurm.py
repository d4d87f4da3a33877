"""The SLURM profile for real: a one-node cluster runs the smoke DAG through `--executor slurm` (sbatch + srun)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import pytest

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
        cmd = ["timeout", "-k", "30", "1500", str(BIN / "snakemake"), "--profile", "workflow/profiles/slurm",
               "--configfile", "config/smoke.yaml", "--jobs", "4", *LOCAL_CLUSTER]
        run(cmd, repo, timeout=1600)
        wall = time.perf_counter() - t0
        results = repo / "results" / "smoke"
        table = json.loads((results / "tables" / "table1.metrics.json").read_text())
        assert "R2" in table["mnist"]
        assert (results / "figures" / "table1_accuracy.png").is_file()
        jobs = (cluster.state / "log" / "jobcomp.txt").read_text().splitlines()
        completed = [j for j in jobs if "JobState=COMPLETED" in j]
        assert len(completed) >= 10, f"expected every rule to run as a SLURM job, found {len(completed)}"
        partitions = {part.split("=", 1)[1] for j in completed for part in j.split() if part.startswith("Partition=")}
        assert partitions == {"cpu", "gpu"}, f"the profile sends training to 'gpu', the rest to 'cpu': {partitions}"
        with capsys.disabled():
            print(f"\nSLURM smoke DAG: {len(completed)} sbatch jobs completed in {wall:.0f} s")
    finally:
        cluster.stop()
        shutil.rmtree(state, ignore_errors=True)
