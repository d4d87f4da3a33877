"""The scorecard's paired statistics, calibrated on simulated correctness with known truth: with no true difference
"holds" and "fails" each come out at most at the declared rate (2.5% one-sided), over one row and over four rows
(Holm); with a difference well beyond the margin the verdict comes out as it should."""

import numpy as np
import pytest
from scipy.special import expit

from cordsnet.claims.statistics import decide, holm, mcnemar_p, paired_difference, share_verdict, unit_difference
from cordsnet.claims.verdicts import FAILS, HOLDS, UNRESOLVED

DRAWS = 400
RATE = 0.025
SLACK = 0.02
"""binomial noise of a 2.5% rate over 400 draws: SD 0.8 points; the bound allows 2.5 SD"""


def simulate(rng, seeds=3, images=2000, delta=0.0, sd_seed=0.15, acc=0.85):
    """Correctness (seeds x images) of models A and B on shared images of varied difficulty: B's logit is the
    image's, A's the same shifted by ``delta``; every seed shifts each model by its own N(0, sd_seed) on the logit
    scale (what retraining moves). With ``delta`` 0 the two are exchangeable: no true difference."""
    theta = rng.normal(np.log(acc / (1 - acc)), 1.5, images)
    ea, eb = rng.normal(0, sd_seed, (seeds, 1)), rng.normal(0, sd_seed, (seeds, 1))
    a = rng.random((seeds, images)) < expit(theta + delta + ea)
    b = rng.random((seeds, images)) < expit(theta + eb)
    return a, b


def rates(verdicts):
    v = np.asarray(verdicts)
    return float(np.mean(v == HOLDS)), float(np.mean(v == FAILS))


def test_a_null_difference_holds_and_fails_at_most_at_the_declared_rate():
    rng = np.random.default_rng(0)
    verdicts = [decide([paired_difference(*simulate(rng))], margin=0.0).verdict for _ in range(DRAWS)]
    holds, fails = rates(verdicts)
    assert holds <= RATE + SLACK and fails <= RATE + SLACK, (holds, fails)


def test_four_null_rows_fail_the_claim_at_most_at_the_declared_rate():
    """Holm across a claim's rows: "fails in any row" would otherwise be near 10% under no effect."""
    rng = np.random.default_rng(1)
    verdicts = [decide([paired_difference(*simulate(rng, images=1000)) for _ in range(4)], margin=0.0).verdict
                for _ in range(DRAWS // 2)]
    assert rates(verdicts)[1] <= RATE + SLACK


def test_a_one_seed_row_with_the_declared_seed_variance_stays_calibrated():
    rng = np.random.default_rng(2)
    # the seed variance of the difference when each model's logit moves by N(0, 0.15), measured on many one-seed
    # draws of a large image set (the image term is then small): what a pooled estimate from seeded rows declares
    declared = float(np.var([(lambda a, b: 100 * (a.mean() - b.mean()))(*simulate(rng, seeds=1, images=20000))
                             for _ in range(200)]))
    assert declared > 0
    verdicts = [decide([paired_difference(*simulate(rng, seeds=1), seed_variance=declared)], margin=0.0).verdict
                for _ in range(DRAWS)]
    holds, fails = rates(verdicts)
    assert holds <= RATE + SLACK and fails <= RATE + SLACK, (holds, fails)
    with pytest.raises(ValueError, match="seed_variance"):
        paired_difference(*simulate(rng, seeds=1))


@pytest.mark.parametrize("delta, margin, expected", [(1.0, 0.0, HOLDS), (-1.0, 0.0, FAILS), (0.0, -10.0, HOLDS),
                                                     (-1.0, -2.0, FAILS)])
def test_a_difference_well_beyond_the_margin_is_decided(delta, margin, expected):
    """A logit shift of 1.0 at 85% accuracy is about 9 points, well beyond a 0 margin over five seeds; a
    non-inferiority margin of 10 points is cleared by a null difference, and a 9-point deficit fails a 2-point
    margin."""
    rng = np.random.default_rng(3)
    verdicts = [decide([paired_difference(*simulate(rng, seeds=5, delta=delta))], margin=margin).verdict
                for _ in range(40)]
    assert np.mean(np.asarray(verdicts) == expected) >= 0.9
    assert not any(v == (FAILS if expected == HOLDS else HOLDS) for v in verdicts)


def test_the_detectable_difference_and_the_interval():
    rng = np.random.default_rng(4)
    d = paired_difference(*simulate(rng, seeds=5, images=5000))
    assert d.ci[0] < d.estimate < d.ci[1] and d.detectable > 2 * d.se and d.seeds == 5 and d.images == 5000
    small = paired_difference(*simulate(rng, seeds=5, images=500))
    assert small.detectable > d.detectable  # fewer images, a coarser row
    assert decide([], 0.0).verdict == "not yet measured"
    assert decide([d], margin=d.ci[1] + 50).verdict in (FAILS, UNRESOLVED)


def test_mcnemar_on_one_seed():
    a = np.array([1, 1, 1, 1, 0, 1, 1, 1, 1, 1] * 20, dtype=bool)
    b = np.array([1, 0, 1, 0, 0, 1, 0, 1, 1, 0] * 20, dtype=bool)
    assert mcnemar_p(a, b) < 1e-6 and mcnemar_p(a, a) == 1.0


def test_holm_is_statsmodels_holm():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(5)
    for m in (1, 2, 4, 7):
        p = rng.random(m) ** 3
        assert np.allclose(holm(p), multipletests(p, method="holm")[1])


def test_a_difference_over_units_is_a_t_interval_calibrated_under_no_effect():
    d = unit_difference([1.0, 2.0, 3.0])
    assert (d.estimate, d.df, d.images) == (2.0, 2.0, 0)
    assert d.ci[0] == pytest.approx(2.0 - 4.303 * 1 / np.sqrt(3), abs=1e-3)
    rng = np.random.default_rng(5)
    verdicts = [decide([unit_difference(rng.normal(0, 1, 4))], margin=0.0).verdict for _ in range(DRAWS)]
    holds, fails = rates(verdicts)
    assert holds <= RATE + SLACK and fails <= RATE + SLACK
    with pytest.raises(ValueError, match="two"):
        unit_difference([1.0])


def test_a_share_is_judged_on_its_exact_interval():
    assert share_verdict(990, 1000, 0.9)[0] == HOLDS
    assert share_verdict(800, 1000, 0.9)[0] == FAILS
    verdict, (lo, hi) = share_verdict(9, 10, 0.9)
    assert verdict == UNRESOLVED and lo < 0.9 < hi
