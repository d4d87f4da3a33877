"""The scorecard: verdict rules, missing inputs reported (never dropped), rows with seeds and their spread."""

import json

import numpy as np
import pytest

from cordsnet.claims.analysis import CLAIMS, scorecard
from cordsnet.claims.verdicts import FAILS, HOLDS, MISSING, UNRESOLVED
from cordsnet.cli import main
from cordsnet.io import save_predictions
from cordsnet.layout import Layout

CFG = {"run": {"name": "t", "seed": 0, "seeds": [0, 1, 2], "scale": "smoke"},
       "data": {"datasets": ["mnist"]}, "model": {"depths": [2]}, "multiarea": {"tasks": ["odr", "numerosity"]},
       "claims": {"comparable_points": 2.0, "resolution_se": 2.0, "eig_tolerance": 1e-6, "confidence": 0.95,
                  "power": 0.8, "primary_datasets": None, "primary_depths": None, "seed_variance": 2.25}}


def cfg_at(tmp_path):
    return {**CFG, "paths": {"results": str(tmp_path / "results"), "data": str(tmp_path / "data")}}


def test_every_claim_is_reported_when_nothing_exists(tmp_path):
    rows, read = scorecard(cfg_at(tmp_path))
    assert [r["claim"] for r in rows] == list(CLAIMS) == [f"C{i}" for i in range(1, 12)]
    assert all(r["verdict"] == MISSING and r["note"].startswith("missing: ") for r in rows) and read == []


def _table1(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"rows": rows}))


def _stage(L, dataset, stage, seed, correct):
    """A predictions file whose correctness is ``correct`` (label 0; a wrong answer says class 1)."""
    f = L.predictions(dataset, 2, stage, seed)
    f.parent.mkdir(parents=True, exist_ok=True)
    correct = np.asarray(correct, dtype=bool)
    save_predictions(f, np.arange(len(correct)), np.zeros(len(correct)), (~correct).astype(int))
    return str(f)


def _row(L, per_seed, dataset="mnist", images=2000, rng=None):
    """A Table 1 row whose stages answer ``images`` shared images: per seed, fine-tuning at its accuracy and the
    other stages at theirs (``per_seed``: [(finetune, direct, cnn, fcrnn) accuracies], one tuple per seed), each a
    different draw over the same images."""
    rng = rng or np.random.default_rng(0)
    difficulty = rng.random(images)
    preds = {s: [] for s in ("finetune", "direct", "cnn", "fcrnn", "anneal")}
    for k, accs in enumerate(per_seed):
        folder = None if k == 0 else k
        for stage, acc in zip(("finetune", "direct", "cnn", "fcrnn"), accs, strict=True):
            # an image is answered correctly when easy enough, with a few idiosyncratic flips per model
            correct = (difficulty < acc) ^ (rng.random(images) < 0.02)
            preds[stage].append(_stage(L, dataset, stage, folder, correct))
        preds["anneal"].append(preds["finetune"][-1])
    return {"dataset": dataset, "depth": 2, "seeds": list(range(len(per_seed))), "test_images": images,
            "accuracy": {s: [] for s in preds}, "predictions": preds}


def test_paired_seeds_decide_resolution(tmp_path):
    """A 3-point lead on the same images holds with consistent seeds, and is not resolved when the seeds disagree by
    more; the CNN at the fine-tuned model's level is comparable within 2 points; a one-seed row pools its seed
    variance from the seeded row."""
    cfg = cfg_at(tmp_path)
    L = Layout.from_config(cfg)
    path = L.table("table1", "json")
    _table1(path, [_row(L, [(0.90, 0.87, 0.90, 0.80), (0.91, 0.88, 0.905, 0.80), (0.89, 0.86, 0.895, 0.80)])])
    rows, read = scorecard(cfg)
    c1, c2, c3 = rows[:3]
    assert c1["verdict"] == HOLDS and read[0] == str(path) and "3 seeds" in c1["numbers"], c1["numbers"]
    assert c1["rows"][0]["estimate"] == pytest.approx(3.0, abs=0.7) and c1["rows"][0]["images"] == 2000
    assert c2["verdict"] == HOLDS and c3["verdict"] == HOLDS
    assert any(f.endswith("predictions.npy") for f in read)
    # the same mean lead, the seeds spread by 8 points: the seed term leaves it open
    _table1(path, [_row(L, [(0.85, 0.88, 0.9, 0.8), (0.90, 0.87, 0.9, 0.8), (0.95, 0.86, 0.9, 0.8)])])
    c1 = scorecard(cfg)[0][0]
    assert c1["verdict"] == UNRESOLVED and c1["rows"][0]["ci"][0] < 0 < c1["rows"][0]["ci"][1]
    # a model 6 points below its CNN on the same images: C2 fails
    _table1(path, [_row(L, [(0.84, 0.80, 0.90, 0.8), (0.845, 0.8, 0.905, 0.8), (0.835, 0.8, 0.895, 0.8)])])
    assert scorecard(cfg)[0][1]["verdict"] == FAILS


def test_secondary_rows_do_not_vote_and_one_seed_rows_pool_the_seed_variance(tmp_path):
    cfg = cfg_at(tmp_path)
    cfg["claims"] = {**cfg["claims"], "primary_datasets": ["fmnist"]}
    cfg["data"] = {"datasets": ["fmnist", "mnist"]}
    L = Layout.from_config(cfg)
    seeded = _row(L, [(0.90, 0.80, 0.9, 0.8), (0.91, 0.81, 0.9, 0.8), (0.89, 0.79, 0.9, 0.8)], dataset="fmnist")
    worse = _row(L, [(0.80, 0.90, 0.9, 0.8)], dataset="mnist")  # one seed, direct training far ahead
    _table1(L.table("table1", "json"), [seeded, worse])
    c1 = scorecard(cfg)[0][0]
    assert c1["verdict"] == HOLDS  # the MNIST row is on the wrong side, but secondary
    fm, mn = c1["rows"]
    assert fm["primary"] and not mn["primary"] and "secondary" in c1["numbers"]
    assert mn["seed_variance_pooled"] and mn["seed_variance"] == pytest.approx(fm["seed_variance"])
    cfg["claims"]["primary_datasets"] = None  # every row votes: the MNIST row fails the claim
    assert scorecard(cfg)[0][0]["verdict"] == FAILS


def test_an_imported_row_is_left_out_of_the_paired_claims(tmp_path):
    cfg = cfg_at(tmp_path)
    L = Layout.from_config(cfg)
    trained = _row(L, [(0.90, 0.80, 0.9, 0.8), (0.91, 0.81, 0.9, 0.8), (0.89, 0.79, 0.9, 0.8)])
    imported = {"dataset": "imagenet", "depth": 8, "imported": True, "seeds": [], "accuracy": {}, "predictions": {}}
    _table1(L.table("table1", "json"), [trained, imported])
    c1 = scorecard(cfg)[0][0]
    assert c1["verdict"] == HOLDS and len(c1["rows"]) == 1
    assert "imagenet R8: not trained here" in c1["numbers"]
    _table1(L.table("table1", "json"), [imported])
    c1 = scorecard(cfg)[0][0]
    assert c1["verdict"] == MISSING and "authors' release" in c1["note"]


def test_models_scored_on_other_images_are_refused(tmp_path):
    cfg = cfg_at(tmp_path)
    L = Layout.from_config(cfg)
    row = _row(L, [(0.9, 0.8, 0.9, 0.8)])
    row["predictions"]["direct"] = [_stage(L, "mnist", "direct", None, np.ones(1500, dtype=bool))]
    _table1(L.table("table1", "json"), [row])
    with pytest.raises(ValueError, match="different test images"):
        scorecard(cfg)


def _sequences(L, first, repeat, stable, segments=3000):
    f = L.analysis("temporal", "sequences_mnist_R2")
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(json.dumps({"c5": {"first_correct": [int(v) for v in first],
                                    "repeat_correct": [int(v) for v in repeat], "image_segments_stable": stable,
                                    "image_segments": segments, "rule": "test rule"}}))


def test_c5_pairs_the_repeat_with_the_first_showing_and_judges_stability(tmp_path):
    cfg = cfg_at(tmp_path)
    cfg["claims"] = {**cfg["claims"], "stable_share": 0.9}
    L = Layout.from_config(cfg)
    rng = np.random.default_rng(0)
    first = rng.random(1000) < 0.9
    same = first.copy()  # ten flips each way: the same accuracy, not the same answers
    same[np.flatnonzero(first)[:10]], same[np.flatnonzero(~first)[:10]] = False, True
    _sequences(L, first, same, 2950)
    c5 = {r["claim"]: r for r in scorecard(cfg)[0]}["C5"]
    assert c5["verdict"] == HOLDS and c5["rows"][0]["seeds"] == 1, c5["numbers"]
    _sequences(L, first, same, 1500)  # half the image segments flip after the readout window starts
    assert {r["claim"]: r for r in scorecard(cfg)[0]}["C5"]["verdict"] == FAILS
    worse = first & (rng.random(1000) < 0.85)  # the repeat loses about 13 points
    _sequences(L, first, worse, 2950)
    c5 = {r["claim"]: r for r in scorecard(cfg)[0]}["C5"]
    assert c5["verdict"] == FAILS and c5["rows"][0]["wrong_side"]


def _comparison(L, cordsnet, lowrank, sparse):
    f = L.analysis("cognitive", "comparison")
    f.parent.mkdir(parents=True, exist_ok=True)
    per_seed = {"cordsnet": cordsnet, "lowrank": lowrank, "sparse": sparse}
    f.write_text(json.dumps({"seeds": list(range(len(cordsnet))), "c8": {"125": {
        **{k: float(np.mean(v)) for k, v in per_seed.items()}, "floor": 0.3, "ceiling": 0.7, "per_seed": per_seed}}}))


def test_c8_has_an_interval_on_both_sides(tmp_path):
    """Per seed, the larger comparator minus CordsNet in % of the 0.3-0.7 range, non-inferior within 10%."""
    cfg = cfg_at(tmp_path)
    cfg["claims"] = {**cfg["claims"], "procrustes_margin": 0.1}
    L = Layout.from_config(cfg)

    def c8():
        return {r["claim"]: r for r in scorecard(cfg)[0]}["C8"]

    _comparison(L, [0.40, 0.41, 0.39, 0.40], [0.42, 0.43, 0.41, 0.42], [0.40, 0.40, 0.40, 0.40])
    assert c8()["verdict"] == HOLDS and c8()["rows"][0]["estimate"] == pytest.approx(5.0)
    _comparison(L, [0.52, 0.53, 0.51, 0.52], [0.42, 0.43, 0.41, 0.42], [0.40, 0.40, 0.40, 0.40])  # 25% farther
    assert c8()["verdict"] == FAILS
    _comparison(L, [0.40, 0.60], [0.42, 0.43], [0.40, 0.40])  # two seeds that disagree: one degree of freedom
    assert c8()["verdict"] == UNRESOLVED and c8()["rows"][0]["df"] == 1


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


def test_the_seed_planner_prices_seeds_and_shrinks_the_detectable_difference(tmp_path):
    """claims-power: more seeds, a smaller detectable difference; each extra seed priced by the ledger's seconds."""
    from cordsnet.claims.power import plan, seed_price

    cfg = cfg_at(tmp_path)
    L = Layout.from_config(cfg)
    table = {"rows": [_row(L, [(0.90, 0.80, 0.9, 0.8), (0.91, 0.82, 0.9, 0.8), (0.89, 0.79, 0.9, 0.8)])]}
    costs = [{"dataset": "mnist", "depth": "2", "seed": k, "stage": s, "seconds": 100.0}
             for k in ("1", "2") for s in ("cnn", "finetune")] + [
             {"dataset": "mnist", "depth": "2", "seed": None, "stage": "cnn", "seconds": 999.0}]
    assert seed_price(costs, "mnist", 2) == 200.0 and seed_price(costs, "fmnist", 2) is None
    rows = [r for r in plan(table, costs, cfg["claims"]) if r["claim"] == "C1"]
    assert [r["seeds"] for r in rows] == [3, 5, 8] and rows[0]["measured seeds"] == 3
    assert rows[0]["detectable"] > rows[1]["detectable"] > rows[2]["detectable"] > 0
    assert [r["extra job seconds"] for r in rows] == [0, 400, 1000]
    assert rows[1]["extra wall minutes (2 cores)"] == pytest.approx(400 / 2 / 60, abs=0.05)
