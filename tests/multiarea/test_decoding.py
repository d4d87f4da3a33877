"""The decoding ladder on synthetic stages whose information is known: kept where it is planted, lost where not."""

import numpy as np
import pytest

from cordsnet.multiarea.decoding import decode, ladder, split_areas, window_mean


def test_a_planted_variable_is_decoded_and_noise_is_at_chance():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 50)
    informative = rng.normal(0, 1, (200, 10)) + 3 * np.eye(4)[labels] @ rng.normal(0, 1, (4, 10))
    kept = decode(informative, labels)
    lost = decode(rng.normal(0, 1, (200, 10)), labels)
    assert kept["accuracy"] > 0.9 and kept["ci"][0] > 0.8 and kept["trials"] == 200 and kept["folds"] == 5
    assert lost["accuracy"] < 0.4  # about chance (1/4); cross-validated noise can fall below it
    with pytest.raises(ValueError, match="at least 2 trials of every class"):
        decode(informative[:5], np.array([0, 0, 1, 1, 2]))


def test_the_ladder_shows_where_the_variable_is_lost():
    rng = np.random.default_rng(1)
    n, steps = 160, 20
    labels = np.repeat(np.arange(4), n // 4)
    code = np.eye(4)[labels]
    frames = rng.normal(0, 0.1, (n, 3, 4, 4))
    frames[:, 1, 0, :] += 2 * code  # the stimulus segment (the second of three) carries it
    front = {"front-end area 0": np.repeat((2 * code + rng.normal(0, 0.3, (n, 4)))[:, None], steps, 1),
             "front-end area 1": rng.normal(0, 1, (n, steps, 6))}  # lost here
    late = rng.normal(0, 1, (n, steps, 5))
    late[:, 15:19, :4] += 3 * code[:, None]  # held in the last 100 ms before the go cue (steps 15-18 of 20 ms)
    rows = ladder(frames, [100.0, 100.0, 200.0], front, {"association": late}, labels,
                  {"fixation": (0.0, 100.0), "stimulus": (100.0, 200.0)}, go_ms=380.0, dt_ms=20.0)
    acc = {r["stage"]: r["accuracy"] for r in rows}
    assert list(acc) == ["pixels", "front-end area 0", "front-end area 1", "association"]
    assert acc["pixels"] > 0.9 and acc["front-end area 0"] > 0.9 and acc["association"] > 0.9
    assert acc["front-end area 1"] < 0.5


def test_window_mean_and_split_areas():
    x = np.arange(2 * 5 * 1, dtype=float).reshape(2, 5, 1)
    np.testing.assert_array_equal(window_mean(x, 20.0, 60.0, 20.0), x[:, 1:3].mean(1))
    parts = split_areas(np.zeros((2, 3, 7)), [3, 4], ["a", "b"])
    assert parts["a"].shape == (2, 3, 3) and parts["b"].shape == (2, 3, 4)
    with pytest.raises(ValueError, match="not the areas"):
        split_areas(np.zeros((2, 3, 7)), [3, 3], ["a", "b"])


def test_the_yardstick_inverts_the_log_gaussian_reporter():
    from cordsnet.multiarea.yardstick import implied_sigma, report_accuracy, yardstick

    assert report_accuracy(0.01, 5) == pytest.approx(1.0) and report_accuracy(50.0, 5) < 0.3
    for sigma in (0.1, 0.33, 0.6):
        assert implied_sigma(report_accuracy(sigma, 5), 5) == pytest.approx(sigma, rel=1e-4)
    assert implied_sigma(0.2, 5) == float("inf")  # chance
    y = yardstick([0.551, 0.7], 5, 0.7)
    assert y["criterion_weber"] == pytest.approx(0.207, abs=0.001) and y["network_weber"][0] == pytest.approx(0.333,
                                                                                                              abs=0.001)
    assert 0.40 < y["monkey_report_accuracy"][1] < y["monkey_report_accuracy"][0] < 0.46


def test_psychometric_fits_recover_planted_parameters_and_span_seeds():
    from cordsnet.multiarea.psychometrics import across_seeds, fit_seed, logistic, weibull

    coh = [0.0, 0.1, 0.2, 0.4, 0.8]
    motion = {"values": coh, "accuracy": weibull(np.array(coh), 0.25, 2.0).tolist(), "trials": [400] * 5}
    fit = fit_seed("motion", motion, 5)
    assert fit["threshold (coherence at 82% correct)"] == pytest.approx(0.25, rel=0.02)
    frac = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    cat = {"values": frac, "chose_second": logistic(np.array(frac), 0.45, 0.08).tolist(), "trials": [400] * 6,
           "accuracy": [0.9] * 6}
    assert fit_seed("category", cat, 5)["point of subjective equality (morph fraction)"] == pytest.approx(0.45,
                                                                                                          abs=0.01)
    summary = across_seeds([{"a": 1.0}, {"a": 2.0}, {"a": 3.0}])["a"]
    assert summary["mean"] == 2.0 and summary["ci"][0] == pytest.approx(2.0 - 4.303 / np.sqrt(3), abs=1e-3)
    assert across_seeds([{"a": 1.0}])["a"]["ci"] is None
