"""The cost ledger (cordsnet.ledger) on DAGs whose critical path and makespans are known by hand."""

import base64
import json

import pytest

from cordsnet.ledger import Job, critical_path, edges, ledger, list_schedule, markdown, read_jobs, update_costs


def job(rule, out, inputs=(), start=0.0, seconds=1.0):
    return Job(rule, [out], list(inputs), start, start + seconds)


@pytest.fixture()
def diamond():
    """data (1 s) -> {a: 10 s, b: 2 s, c: 2 s, d: 2 s} -> table (1 s): the chain through a is 12 s."""
    return [job("prepare_tensor_dataset", "data/m.json", seconds=1),
            job("train_stage", "results/models/mnist/R2/cnn/metrics.json", ["data/m.json"], seconds=10),
            job("temporal_row", "results/temporal/b.json", ["data/m.json"], seconds=2),
            job("temporal_row", "results/temporal/c.json", ["data/m.json"], seconds=2),
            job("temporal_row", "results/temporal/d.json", ["data/m.json"], seconds=2),
            job("claims_table", "results/tables/claims.csv",
                ["results/models/mnist/R2/cnn/metrics.json", "results/temporal/b.json", "results/temporal/c.json",
                 "results/temporal/d.json"], seconds=1)]


def test_the_critical_path_is_the_longest_chain(diamond):
    seconds, chain = critical_path(diamond, edges(diamond))
    assert seconds == 12 and [diamond[i].rule for i in chain] == ["prepare_tensor_dataset", "train_stage",
                                                                   "claims_table"]


def test_list_scheduling_starts_the_longest_chain_first(diamond):
    deps = edges(diamond)
    assert list_schedule(diamond, deps, 1) == 18  # one core: every second in turn
    # two cores: the 10 s job starts at once beside the three 2 s jobs, so the end is the critical path; a scheduler
    # that took the short jobs first would start it at 3 s and end at 14 s
    assert list_schedule(diamond, deps, 2) == 12
    assert list_schedule(diamond, deps, 64) == 12


def test_the_ledger_sums_by_concern_stage_and_model(diamond):
    led = ledger(diamond, wall_seconds=12.0, machine_cores=2)
    assert led["job_seconds"] == 18 and led["core_use"] == pytest.approx(18 / 24, abs=1e-3)
    assert led["by_concern"] == {"training": 10, "temporal": 6, "data": 1, "claims": 1}
    assert led["by_stage"] == {"cnn": 10} and led["by_model"] == {"mnist R2": 10}
    assert "| 2 | 0.2 min | measured 0.2 min (1.00 x the projection) |" in markdown(led)


def test_jobs_are_read_from_snakemakes_metadata(tmp_path, diamond):
    """One metadata file per output, named by its base64 path; a job's outputs share its hash and end time."""
    meta = tmp_path / "metadata"
    meta.mkdir()
    for k, j in enumerate(diamond):
        for extra, out in enumerate(j.outputs + [j.outputs[0] + ".extra"]):
            name = base64.b64encode(out.encode()).decode().rstrip("=")
            (meta / name).write_text(json.dumps({"rule": j.rule, "input": j.inputs, "job_hash": k,
                                                 "starttime": j.start + 0.01 * extra, "endtime": j.end,
                                                 "incomplete": False}))
    jobs = read_jobs(meta)
    assert len(jobs) == len(diamond) and all(len(j.outputs) == 2 for j in jobs)
    assert critical_path(jobs, edges(jobs))[0] == pytest.approx(12)


def test_update_costs_price_each_trained_stage(tmp_path):
    stage = tmp_path / "models" / "fmnist" / "R4" / "seed1" / "anneal"
    stage.mkdir(parents=True)
    (stage / "metrics.json").write_text(json.dumps({"steps": 280, "wall_seconds": 140.0, "scale": "default"}))
    (row,) = update_costs(tmp_path / "models")
    assert row == {"dataset": "fmnist", "depth": "4", "seed": "1", "stage": "anneal", "scale": "default",
                   "steps": 280, "seconds": 140.0, "seconds_per_update": 0.5}


def test_a_run_with_no_recorded_job_time_still_writes_its_ledger():
    led = ledger([job("table1", "results/tables/table1.csv", seconds=0.0)], wall_seconds=20.0, machine_cores=2)
    assert "no job time recorded" in markdown(led)
