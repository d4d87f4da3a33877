"""Mapping model activity to recorded sites: cross-validated ridge regression and its ceiling (Fig 6).

For one time bin, ``predictivity`` fits each site's repetition-averaged response from the model's features of the
same images with scikit-learn's ``RidgeCV`` (features standardised on the training fold, each site's penalty chosen
by leave-one-out within it) over seeded K folds of images, and scores the held-out predictions of all folds together
by Pearson r per site. Over time (:func:`predictions_over_time`) each bin gets its own map: time-resolved features are
fitted bin by bin; features held constant over time are fitted once for all bins, which is the same fit because
every (site, bin) target has its own penalty. ``ceiled_score`` divides each bin's median r over sites by a ceiling
made of the median split-half reliability, leaving out bins without a reliable signal; ``ceiled`` is the per-site
ratio. ``paired_bootstrap`` tests whether one model's ceiled predictivity beats another's on the same images (Fig 6's
comparison with a time-invariant baseline).
"""

from __future__ import annotations

import numpy as np


class MappingError(ValueError):
    """Data the mapping cannot use; the message says what to change."""


def held_out_predictions(features: np.ndarray, responses: np.ndarray, folds: int = 5,
                         alphas: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """(images, sites) predictions of ``responses`` (images, sites) from ``features`` (images, features), each image
    predicted by the model fitted on the folds that do not hold it."""
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import KFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features, responses = np.asarray(features, dtype=float), np.asarray(responses, dtype=float)
    if len(features) != len(responses):
        raise MappingError(f"{len(features)} images of features but {len(responses)} of responses: both must be "
                           "the same images in the same order")
    if len(features) < 2 * folds:
        raise MappingError(f"{len(features)} images are too few for {folds} cross-validation folds (at least "
                           f"{2 * folds}): use more images or fewer folds")
    alphas = np.logspace(-3, 4, 15) if alphas is None else alphas
    predicted = np.zeros_like(responses)
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(features):
        model = make_pipeline(StandardScaler(), RidgeCV(alphas=alphas, alpha_per_target=True))
        model.fit(features[train], responses[train])
        predicted[test] = model.predict(features[test])
    return predicted


def predictions_over_time(features: np.ndarray, responses: np.ndarray, folds: int = 5,
                          alphas: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """(bins, images, sites) held-out predictions of ``responses`` (images, sites, bins) from time-resolved
    ``features`` (bins, images, F), one map per bin, or time-invariant ones (images, F), one fit for all bins."""
    responses = np.asarray(responses, dtype=float)
    images, sites, bins = responses.shape
    if np.ndim(features) == 2:
        flat = held_out_predictions(features, responses.reshape(images, sites * bins), folds, alphas, seed)
        return flat.reshape(images, sites, bins).transpose(2, 0, 1)
    if len(features) != bins:
        raise MappingError(f"{len(features)} bins of features but {bins} of responses: bin the model's activity in "
                           "the recordings' bins (cordsnet.neural.timebins.bin_average)")
    return np.stack([held_out_predictions(features[b], responses[..., b], folds, alphas, seed) for b in range(bins)])


def scores_over_time(predicted: np.ndarray, responses: np.ndarray) -> np.ndarray:
    """(sites, bins) Pearson r across images of ``predicted`` (bins, images, sites) and ``responses`` (images,
    sites, bins)."""
    return pearson(predicted.transpose(1, 2, 0), np.asarray(responses, dtype=float))


def pearson(predicted: np.ndarray, responses: np.ndarray) -> np.ndarray:
    """Pearson r over the first axis (images), for every other index (0 where either side is constant)."""
    p = predicted - predicted.mean(0)
    r = responses - responses.mean(0)
    denom = np.sqrt((p**2).sum(0) * (r**2).sum(0))
    return np.divide((p * r).sum(0), denom, out=np.zeros(denom.shape), where=denom > 0)


def predictivity(features: np.ndarray, responses: np.ndarray, folds: int = 5,
                 alphas: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """(sites,) Pearson r between held-out predictions and ``responses`` (images, sites) from ``features``
    (images, features), over ``folds`` folds of images."""
    return pearson(held_out_predictions(features, responses, folds, alphas, seed), np.asarray(responses, dtype=float))


def paired_bootstrap(responses: np.ndarray, predicted_a: np.ndarray, predicted_b: np.ndarray,
                     reliability: np.ndarray, samples: int = 1000, seed: int = 0,
                     min_reliability: float = 0.0, method: str = "attenuation") -> dict[str, float]:
    """Is model A's ceiled predictivity higher than model B's? ``responses`` and the held-out predictions are
    (bins, images, sites), ``reliability`` (sites, bins) as ``split_half_reliability`` gives it; the statistic is
    the mean over scored bins of A's :func:`ceiled_score` minus B's, recomputed on ``samples`` resamplings of the
    images (the same images for both: paired). Returns the difference, its 95% interval and the two-sided bootstrap
    p-value (twice the smaller tail at 0)."""
    rng = np.random.default_rng(seed)
    n = responses.shape[1]

    def statistic(idx: np.ndarray) -> float:
        y = responses[:, idx].transpose(1, 2, 0)
        ra = ceiled_score(pearson(predicted_a[:, idx].transpose(1, 2, 0), y), reliability, min_reliability, method)
        rb = ceiled_score(pearson(predicted_b[:, idx].transpose(1, 2, 0), y), reliability, min_reliability, method)
        return float(np.nanmean(ra - rb))

    observed = statistic(np.arange(n))
    boots = np.array([statistic(rng.integers(0, n, n)) for _ in range(samples)])
    tail = min((boots <= 0).mean(), (boots >= 0).mean())
    return {"difference": observed, "ci_low": float(np.quantile(boots, 0.025)),
            "ci_high": float(np.quantile(boots, 0.975)), "p_value": float(min(1.0, 2 * tail)), "samples": samples,
            "test": "paired bootstrap over images, two-sided"}


CEILINGS = ("attenuation", "brainscore")


def ceiled_score(r: np.ndarray, reliability: np.ndarray, min_reliability: float = 0.0,
                 method: str = "attenuation") -> np.ndarray:
    """(bins,) the ceiled score of each bin: the median over sites of ``r`` (sites, bins) divided by the ceiling made
    of the median over sites of the ``reliability`` (sites, bins): its square root (``attenuation``: Spearman's
    correction, under which a noise-free model of the true rates scores 1, since r(truth, mean of repetitions) =
    sqrt(reliability)), or the reliability itself (``brainscore``: Brain-Score's convention, under which such a model
    scores 1 / sqrt(reliability) > 1). A bin whose median reliability is at most ``min_reliability`` is NaN: it holds
    no reliable stimulus information (before the response starts), and a ceiling near zero would make noise look
    like a perfect score."""
    if method not in CEILINGS:
        raise ValueError(f"ceiling method {method!r}: choose one of {CEILINGS}")
    reliability = np.median(np.asarray(reliability, dtype=float), axis=0)
    raw = np.median(np.asarray(r, dtype=float), axis=0)
    ok = reliability > max(min_reliability, 0.0)
    ceiling = np.sqrt(np.clip(reliability, 0, None)) if method == "attenuation" else reliability
    return np.divide(raw, ceiling, out=np.full(raw.shape, np.nan), where=ok)


def ceiled(score: np.ndarray, reliability: np.ndarray) -> np.ndarray:
    """``score / reliability`` where the reliability is positive, NaN elsewhere."""
    score, reliability = np.asarray(score, dtype=float), np.asarray(reliability, dtype=float)
    return np.divide(score, reliability, out=np.full(np.broadcast(score, reliability).shape, np.nan),
                     where=reliability > 0)
