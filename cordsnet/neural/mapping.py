"""Mapping model activity to recorded sites: cross-validated ridge regression and its ceiling (Fig 6).

For one time bin, ``predictivity`` fits each site's repetition-averaged response from the model's features of the
same images with scikit-learn's ``RidgeCV`` (features standardised on the training fold, the penalty chosen by
leave-one-out within it) over seeded K folds of images, and scores the held-out predictions of all folds together by
Pearson r per site. ``ceiled`` divides by the sites' split-half reliability (Brain-Score's convention: score /
ceiling), leaving sites without a positive ceiling out (NaN).
"""

from __future__ import annotations

import numpy as np


class MappingError(ValueError):
    """Data the mapping cannot use; the message says what to change."""


def predictivity(features: np.ndarray, responses: np.ndarray, folds: int = 5,
                 alphas: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """(sites,) Pearson r between held-out predictions and ``responses`` (images, sites) from ``features``
    (images, features), over ``folds`` folds of images."""
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
        model = make_pipeline(StandardScaler(), RidgeCV(alphas=alphas)).fit(features[train], responses[train])
        predicted[test] = model.predict(features[test])
    p = predicted - predicted.mean(0)
    r = responses - responses.mean(0)
    denom = np.sqrt((p**2).sum(0) * (r**2).sum(0))
    return np.divide((p * r).sum(0), denom, out=np.zeros(responses.shape[1]), where=denom > 0)


def ceiled(score: np.ndarray, reliability: np.ndarray) -> np.ndarray:
    """``score / reliability`` where the reliability is positive, NaN elsewhere."""
    score, reliability = np.asarray(score, dtype=float), np.asarray(reliability, dtype=float)
    return np.divide(score, reliability, out=np.full(np.broadcast(score, reliability).shape, np.nan),
                     where=reliability > 0)
