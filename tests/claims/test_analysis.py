"""The scorecard: verdict rules, missing inputs reported (never dropped), rows with seeds and their spread."""

import csv
import json

import pytest

from cordsnet.claims.analysis import (
    CLAIMS,
    FAILS,
    HOLDS,
    MISSING,
    UNRESOLVED,
    better,
    combine,
    row_difference,
    scorecard,
    within,
)
from cordsnet.cli import main
from cordsnet.layout import Layout

CFG = {"run": {"name": "t", "seed": 0, "seeds": [0, 1, 2], "scale": "smoke"},
       "data": {"datasets": ["mnist"]}, "model": {"depths": [2]},
       "claims": {"comparable_points": 2.0, "resolution_se": 2.0, "eig_tolerance": 1e-6}}


def cfg_at(tmp_path):
    return {**CFG, "paths": {"results": str(tmp_path / "results"), "data": str(tmp_path / "data")}}


def test_verdict_rules():
    assert better(3.0, 1.0) == HOLDS and better(-3.0, 1.0) == FAILS and better(0.5, 1.0) == UNRESOLVED
    assert within(0.5, 1.0, 2.0) == HOLDS and within(3.5, 1.0, 2.0) == FAILS and within(1.5, 1.0, 2.0) == UNRESOLVED
    assert combine([HOLDS, HOLDS]) == HOLDS and combine([HOLDS, UNRESOLVED]) == UNRESOLVED
    assert combine([HOLDS, FAILS, UNRESOLVED]) == FAILS and combine([]) == MISSING


def test_every_claim_is_reported_when_nothing_exists(tmp_path):
    rows, read = scorecard(cfg_at(tmp_path))
    assert [r["claim"] for r in rows] == list(CLAIMS) == [f"C{i}" for i in range(1, 12)]
    assert all(r["verdict"] == MISSING and r["note"].startswith("missing: ") for r in rows) and read == []


def _table1(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _row(ft, direct, cnn="90", fc="80"):
    return {"dataset": "mnist", "model": "R2", "test images": "1000", "CNN": cnn,
            "CordsNet (fine-tuned)": " ".join(ft), "CordsNet (fine-tuned) per seed": " ".join(ft),
            "CordsNet (direct training)": " ".join(direct), "CordsNet (direct training) per seed": " ".join(direct),
            "FC-RNN (matched parameters)": fc, "FC-RNN (matched parameters) per seed": fc}


def test_seeds_spread_decides_resolution(tmp_path):
    """A 3-point mean lead holds with consistent seeds, and is not resolved when the seeds disagree by more."""
    cfg = cfg_at(tmp_path)
    path = Layout.from_config(cfg).table("table1")
    _table1(path, [_row(["89", "90", "91"], ["86", "87", "88"])])
    rows, read = scorecard(cfg)
    c1 = rows[0]
    assert c1["verdict"] == HOLDS and read[0] == str(path) and "3 seeds" in c1["numbers"]
    _table1(path, [_row(["85", "90", "95"], ["88", "87", "86"])])  # the same mean lead, seeds spread by 8 points
    d = row_difference(next(csv.DictReader(path.open())), "CordsNet (fine-tuned)", "CordsNet (direct training)", 2.0)
    assert d["difference"] == pytest.approx(3.0) and d["uncertainty"] > 3.0
    assert scorecard(cfg)[0][0]["verdict"] == UNRESOLVED
    c2 = scorecard(cfg)[0][1]  # CNN 90 vs 90: comparable within 2 points? the spread leaves it open
    assert c2["verdict"] == UNRESOLVED


def test_result_files_decide_the_other_claims(tmp_path):
    cfg = cfg_at(tmp_path)
    L = Layout.from_config(cfg)
    L.table("multiarea").parent.mkdir(parents=True)
    with L.table("multiarea").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["task", "correct (%)", "chance (%)", "seeds", "test trials", "learned"])
        w.writeheader()
        w.writerow({"task": "odr", "correct (%)": 99, "chance (%)": 12.5, "seeds": 2, "test trials": 9,
                    "learned": "yes"})
        w.writerow({"task": "numerosity", "correct (%)": 50, "chance (%)": 20, "seeds": 2, "test trials": 9,
                    "learned": "no"})
    L.analysis("neural", "prediction").parent.mkdir(parents=True)
    L.analysis("neural", "prediction").write_text(json.dumps({"c10": {
        "verdict": "not testable offline", "data": "synthetic surrogate",
        "per_region": {"IT": {"cnn": {"difference": 0.02, "p_value": 0.001}}}}}))
    rows = {r["claim"]: r for r in scorecard(cfg)[0]}
    assert rows["C9"]["verdict"] == FAILS and "numerosity: 50% (chance 20%" in rows["C9"]["numbers"]
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
