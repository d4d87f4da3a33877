"""The scorecard: verdict rules, missing inputs reported (never dropped), rows with seeds and their spread."""

import json

import pytest

from cordsnet.claims.analysis import CLAIMS, row_difference, scorecard
from cordsnet.claims.verdicts import FAILS, HOLDS, MISSING, UNRESOLVED
from cordsnet.cli import main
from cordsnet.layout import Layout

CFG = {"run": {"name": "t", "seed": 0, "seeds": [0, 1, 2], "scale": "smoke"},
       "data": {"datasets": ["mnist"]}, "model": {"depths": [2]}, "multiarea": {"tasks": ["odr", "numerosity"]},
       "claims": {"comparable_points": 2.0, "resolution_se": 2.0, "eig_tolerance": 1e-6}}


def cfg_at(tmp_path):
    return {**CFG, "paths": {"results": str(tmp_path / "results"), "data": str(tmp_path / "data")}}


def test_every_claim_is_reported_when_nothing_exists(tmp_path):
    rows, read = scorecard(cfg_at(tmp_path))
    assert [r["claim"] for r in rows] == list(CLAIMS) == [f"C{i}" for i in range(1, 12)]
    assert all(r["verdict"] == MISSING and r["note"].startswith("missing: ") for r in rows) and read == []


def _table1(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"rows": rows}))


def _row(ft, direct, cnn=90.0, fc=80.0):
    return {"dataset": "mnist", "depth": 2, "test_images": 1000,
            "accuracy": {"cnn": [cnn], "finetune": ft, "direct": direct, "fcrnn": [fc], "anneal": ft}}


def test_seeds_spread_decides_resolution(tmp_path):
    """A 3-point mean lead holds with consistent seeds, and is not resolved when the seeds disagree by more."""
    cfg = cfg_at(tmp_path)
    path = Layout.from_config(cfg).table("table1", "json")
    _table1(path, [_row([89.0, 90.0, 91.0], [86.0, 87.0, 88.0])])
    rows, read = scorecard(cfg)
    c1 = rows[0]
    assert c1["verdict"] == HOLDS and read[0] == str(path) and "3 seeds" in c1["numbers"]
    _table1(path, [_row([85.0, 90.0, 95.0], [88.0, 87.0, 86.0])])  # the same mean lead, seeds spread by 8 points
    d = row_difference(json.loads(path.read_text())["rows"][0], "finetune", "direct", 2.0)
    assert d["difference"] == pytest.approx(3.0) and d["uncertainty"] > 3.0
    assert scorecard(cfg)[0][0]["verdict"] == UNRESOLVED
    c2 = scorecard(cfg)[0][1]  # CNN 90 vs 90: comparable within 2 points? the spread leaves it open
    assert c2["verdict"] == UNRESOLVED


def test_result_files_decide_the_other_claims(tmp_path):
    cfg = cfg_at(tmp_path)
    L = Layout.from_config(cfg)
    L.analysis("multiarea", "odr").parent.mkdir(parents=True)
    for task, correct, chance, learned in (("odr", 0.99, 0.125, True), ("numerosity", 0.5, 0.2, False)):
        L.analysis("multiarea", task).write_text(json.dumps({
            "task": task, "chance": chance, "test_trials": 9, "learned": learned,
            "per_seed": [{"correct": correct}, {"correct": correct}]}))
    L.analysis("neural", "prediction").parent.mkdir(parents=True)
    L.analysis("neural", "prediction").write_text(json.dumps({"c10": {
        "data": "synthetic surrogate", "significance": 0.05,  # no verdict written: the scorecard computes it
        "per_region": {"IT": {"cnn": {"difference": 0.02, "p_value": 0.001}}}}}))
    rows = {r["claim"]: r for r in scorecard(cfg)[0]}
    assert rows["C9"]["verdict"] == FAILS and "numerosity: 50.0% (chance 20.0%" in rows["C9"]["numbers"]
    assert rows["C10"]["verdict"] == "not testable offline" and "synthetic surrogate" in rows["C10"]["numbers"]
    assert rows["C1"]["verdict"] == MISSING


def test_cli_writes_the_table_json_and_verdict_counts(tmp_path):
    cfg = cfg_at(tmp_path)
    out = tmp_path / "results" / "tables" / "claims.csv"
    assert main(["claims", "--config-json", json.dumps(cfg), "--out", str(out)]) == 0
    metrics = json.loads(out.with_suffix(".metrics.json").read_text())
    assert metrics["verdicts"]["not yet measured"] == 11
    card = json.loads(out.with_suffix(".json").read_text())
    assert len(card["claims"]) == 11 and card["provenance"]["seeds"] == [0, 1, 2]
    assert "not yet measured" in out.with_suffix(".md").read_text()
