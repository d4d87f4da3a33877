"""Fig 6's analysis on hand-built cases with known answers: the protocol covers the bins, the verdict follows the
comparison, the chain (bins -> ridge per bin -> ceiling -> paired bootstrap) credits time-resolved features exactly
when the responses need them, and bad settings are refused before any work."""

from __future__ import annotations

import numpy as np
import pytest

from cordsnet.config import ConfigError, load_config
from cordsnet.neural.analysis import c10_summary
from cordsnet.neural.assembly import AssemblyError, Recordings
from cordsnet.neural.mapping import ceiled_score, paired_bootstrap, pearson, predictions_over_time
from cordsnet.neural.recordings import restrict, select_stimuli, sources, window_bins
from cordsnet.neural.timebins import bin_average, protocol, step_times
from tests.conftest import REPO


def test_the_protocol_covers_every_bin_at_every_latency():
    dt, window = 2.0, (0.0, 200.0)
    for latencies in ([0.0], [20.0, 40.0], [0.0, 60.0]):
        pre, on, off = protocol(window, latencies, dt, 100.0, first_bin=0.0)
        assert on == 50
        for lat in latencies:
            times = step_times(pre + on + off, dt, lat, pre)
            assert times[0] < window[0] + dt and times[-1] >= window[1]  # bin_average would find every bin


def _comparison(difference, p):
    return {"difference": difference, "p_value": p}


def test_the_c10_verdict_follows_the_comparisons():
    def regions(*pairs):
        return {r: {"comparison": {"cnn": _comparison(d, p)}} for r, (d, p) in zip(("V4", "IT"), pairs, strict=True)}

    assert c10_summary(regions((0.1, 0.001), (0.2, 0.01)), False, 0.05)["verdict"] == "holds"
    assert c10_summary(regions((0.1, 0.001), (-0.2, 0.01)), False, 0.05)["verdict"] == "fails"
    assert c10_summary(regions((0.1, 0.001), (0.01, 0.4)), False, 0.05)["verdict"] == "not resolved at this scale"
    offline = c10_summary(regions((0.1, 0.001), (0.2, 0.01)), True, 0.05)
    assert offline["verdict"] == "not testable offline" and offline["data"] == "synthetic surrogate"


def _recordings(n=6, bins=4):
    start = np.arange(bins) * 20.0 - 20.0
    trials = np.arange(2 * n * bins, dtype=float).reshape(2 * n, 1, bins)
    ids = np.array([f"s{i}" for i in range(n)])
    return Recordings("V4", ids, trials[:n], start, start + 20, np.array(["a"]), trials,
                      np.concatenate([ids, ids]), np.repeat([0, 1], n))


def test_window_subset_and_restriction():
    rec = _recordings()
    inside = window_bins(rec, [0.0, 40.0])
    assert inside.tolist() == [False, True, True, False]
    with pytest.raises(AssemblyError, match="no time bin"):
        window_bins(rec, [500.0, 600.0])
    ids = select_stimuli({"V4": rec}, 4, seed=0)
    assert len(ids) == 4 and list(ids) == sorted(ids)
    assert np.array_equal(select_stimuli({"V4": rec}, 4, seed=0), ids)
    sub = restrict(rec, ids, inside)
    assert sub.responses.shape == (4, 1, 2) and sub.trials.shape == (8, 1, 2)
    assert set(sub.trial_stimulus) == set(ids)


def test_the_chain_credits_time_resolved_features_only_when_the_responses_need_them():
    """Sites read an early signal u (gone by the end of the image) and a late one v: the steady state keeps only v,
    so in the early bins only the time-resolved features predict; in the late bins both do."""
    rng = np.random.default_rng(0)
    images, steps, pre, dt = 200, 60, 5, 2.0
    u, v = rng.normal(size=(images, 3)), rng.normal(size=(images, 3))
    t = np.arange(steps)[:, None, None]
    course = np.exp(-t / 10.0) * u[None] + (1 - np.exp(-t / 10.0)) * v[None]  # (steps, images, 3)
    course = np.concatenate([np.zeros((pre, images, 3)), course])
    start = np.arange(0.0, 100.0, 20.0)
    feats = bin_average(course, dt, start, start + 20, 0.0, pre)  # (bins, images, 3)
    mix = rng.normal(size=(3, 8))
    truth = np.einsum("bif,fs->isb", feats, mix)  # (images, sites, bins)
    trials = truth[None] + rng.normal(size=(6, *truth.shape))  # six repetitions with noise
    responses = trials.mean(0)
    halves = trials[:3].mean(0), trials[3:].mean(0)
    split = np.stack([pearson(halves[0][..., b], halves[1][..., b]) for b in range(len(start))], axis=1)
    reliability = 2 * split / (1 + split)
    resolved = predictions_over_time(feats, responses, folds=5)
    held = predictions_over_time(course[-1], responses, folds=5)  # the state at the end, over all bins
    score_resolved = ceiled_score(pearson(resolved.transpose(1, 2, 0), responses), reliability)
    score_held = ceiled_score(pearson(held.transpose(1, 2, 0), responses), reliability)
    assert score_resolved[0] > 0.9 and score_held[0] < 0.5  # early: only the time course knows u
    assert abs(score_resolved[-1] - score_held[-1]) < 0.05  # late: both know v
    test = paired_bootstrap(responses.transpose(2, 0, 1), resolved, held, reliability, samples=200)
    assert test["difference"] > 0.1 and test["p_value"] < 0.01
    same = paired_bootstrap(responses.transpose(2, 0, 1), held, held, reliability, samples=50)
    assert same["difference"] == 0.0


def _config(**neural):
    cfg = load_config(REPO / "config" / "smoke.yaml")
    cfg["neural"] = {**cfg["neural"], **neural}
    return cfg


def test_bad_neural_settings_are_refused_naming_the_key():
    import copy

    from cordsnet.config import validate_config

    cfg = load_config(REPO / "config" / "smoke.yaml")
    cases = [({"region_areas": {"V4": 0}}, "neural.region_areas"),
             ({"region_areas": {"V4": 0, "IT": 5}}, "neural.region_areas.IT"),
             ({"window_ms": [100.0, 50.0]}, "neural.window_ms"),
             ({"images": 6}, "neural.images"),
             ({"data": "recordings"}, "neural.sources.assembly"),
             ({"surrogate": {**cfg["neural"]["surrogate"], "stage": "finetune"}}, "neural.surrogate.depth")]
    for change, key in cases:
        bad = copy.deepcopy(cfg)
        bad["neural"].update(change)
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            validate_config(bad)


def test_recordings_without_sources_name_the_missing_file():
    cfg = _config(data="recordings")
    with pytest.raises(AssemblyError, match="neural.sources.assembly"):
        sources(cfg)
