"""The run summary reads Snakemake's benchmark files."""

import pytest

from cordsnet.workflow_summary import summarise

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def test_summary_sorts_jobs_by_cost_and_totals_them(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "mnist_R2_cnn.tsv").write_text(HEADER + "30.0\t0:00:30\t900.5\t1\t1\t1\t0\t0\t1\t30\n")
    (tmp_path / "table1.tsv").write_text(HEADER + "2.0\t0:00:02\t100\t1\t1\t1\t0\t0\t1\t2\n")
    rows, totals = summarise(tmp_path, 40.0)
    assert [r["job"] for r in rows] == ["train/mnist_R2_cnn", "table1"]
    assert totals["wall_seconds"] == 40.0 and totals["job_seconds"] == 32.0 and totals["jobs"] == 2
    assert totals["max_rss_mb"] == round(900.5)
    assert rows[0]["share_of_job_time"] == pytest.approx(30 / 32, abs=1e-3)


def test_summary_without_benchmarks_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="run the workflow first"):
        summarise(tmp_path, 1.0)


def test_history_keeps_every_run(tmp_path):
    from cordsnet.workflow_summary import HISTORY_HEADER, append_history

    prov = {"created_utc": "2026-01-01T00:00:00+00:00", "scale": "smoke", "code_version": "v", "config_hash": "h"}
    append_history(tmp_path / "runs.tsv", prov, {"wall_seconds": 2368.0, "job_seconds": 2392.0})
    append_history(tmp_path / "runs.tsv", prov, {"wall_seconds": 3.0, "job_seconds": 2392.0})
    lines = (tmp_path / "runs.tsv").read_text().splitlines()
    assert lines[0] + "\n" == HISTORY_HEADER and len(lines) == 3
    assert lines[1].split("\t")[4] == "2368" and lines[2].split("\t")[4] == "3"
    (tmp_path / "table1.tsv").write_text(HEADER + "2.0\t0:00:02\t100\t1\t1\t1\t0\t0\t1\t2\n")
    rows, _ = summarise(tmp_path, 5.0)  # a second `make reproduce` reads the benchmarks, not the history
    assert [r["job"] for r in rows] == ["table1"]
