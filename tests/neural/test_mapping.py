"""The ridge mapping on sites with known answers."""

import numpy as np
import pytest

from cordsnet.neural.mapping import (
    MappingError,
    ceiled,
    ceiled_score,
    paired_bootstrap,
    pearson,
    predictions_over_time,
    predictivity,
    scores_over_time,
)

RNG = np.random.default_rng(0)
FEATURES = RNG.normal(size=(200, 30))


def test_a_linear_site_is_predicted_and_a_noise_site_is_not():
    linear = FEATURES @ RNG.normal(size=30)
    noise = RNG.normal(size=200)
    half = linear / linear.std() + RNG.normal(size=200)  # signal and noise of equal variance: r about 0.71
    r = predictivity(FEATURES, np.stack([linear, noise, half], 1), seed=1)
    assert r[0] > 0.99 and abs(r[1]) < 0.2 and 0.55 < r[2] < 0.8


def test_folds_are_seeded_and_too_few_images_are_refused():
    y = FEATURES[:, :2]
    assert np.array_equal(predictivity(FEATURES, y, seed=3), predictivity(FEATURES, y, seed=3))
    with pytest.raises(MappingError, match="too few for 5 cross-validation folds"):
        predictivity(FEATURES[:8], y[:8])
    with pytest.raises(MappingError, match="same images"):
        predictivity(FEATURES, y[:10])


def test_ceiling_divides_by_positive_reliability_only():
    out = ceiled(np.array([0.4, 0.4, 0.4]), np.array([0.8, 0.0, -0.1]))
    assert out[0] == pytest.approx(0.5) and np.isnan(out[1:]).all()


def test_the_ceiled_score_divides_medians_and_skips_unreliable_bins():
    r = np.array([[0.4, 0.2, 0.5], [0.6, 0.3, 0.5], [0.5, 0.1, 0.5]])  # sites x bins
    rel = np.array([[0.8, 0.05, 0.9], [1.0, 0.05, 1.0], [0.9, 0.05, 0.5]])
    out = ceiled_score(r, rel, min_reliability=0.1, method="brainscore")
    assert out[0] == pytest.approx(0.5 / 0.9) and np.isnan(out[1]) and out[2] == pytest.approx(0.5 / 0.9)
    assert ceiled_score(r, rel, 0.1)[0] == pytest.approx(0.5 / np.sqrt(0.9))


def test_a_model_of_the_true_rates_scores_one_under_the_attenuation_ceiling():
    rng = np.random.default_rng(5)
    truth = rng.gamma(2.0, 1.0, size=(300, 40))  # images x sites, one bin
    trials = rng.poisson(np.repeat(truth[None], 6, axis=0)).astype(float)  # 6 repetitions
    halves = trials[:3].mean(0), trials[3:].mean(0)
    split = pearson(halves[0], halves[1])
    reliability = (2 * split / (1 + split))[:, None]
    r = pearson(truth, trials.mean(0))[:, None]
    assert ceiled_score(r, reliability)[0] == pytest.approx(1.0, abs=0.05)
    assert ceiled_score(r, reliability, method="brainscore")[0] > 1.05


def test_the_paired_bootstrap_tells_a_better_model_and_not_an_equal_one():
    rng = np.random.default_rng(2)
    responses = rng.normal(size=(3, 120, 4))  # bins, images, sites
    good = responses + 0.5 * rng.normal(size=responses.shape)
    poor = responses + 3.0 * rng.normal(size=responses.shape)
    reliability = np.full((4, 3), 0.9)
    better = paired_bootstrap(responses, good, poor, reliability, samples=300)
    assert better["difference"] > 0.3 and better["ci_low"] > 0 and better["p_value"] < 0.01
    same = paired_bootstrap(responses, good, good, reliability, samples=50)
    assert same["difference"] == 0 and same["p_value"] == 1.0


def test_time_invariant_features_fit_once_equal_fits_per_bin():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 6))
    y = 0.3 * rng.normal(size=(40, 3, 4)) + x[:, :3, None]
    once = predictions_over_time(x, y, folds=4)
    per_bin = predictions_over_time(np.repeat(x[None], 4, axis=0), y, folds=4)
    assert once.shape == (4, 40, 3) and np.allclose(once, per_bin)
    r = scores_over_time(once, y)
    assert r.shape == (3, 4) and (r > 0.5).all()
    with pytest.raises(MappingError, match="bins of features"):
        predictions_over_time(np.repeat(x[None], 3, axis=0), y, folds=4)
