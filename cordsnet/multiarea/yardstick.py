"""The animals' yardstick for numerosity report (C9): what precision a given exact-report accuracy implies, and what
the monkeys the paper models achieve. Added after the first result (issue: Fig 5 again); the declared criterion
(70% exact report) stays the verdict.

Model: the number n of dots is represented as log n plus Gaussian noise of SD ``sigma`` (the log-Gaussian model of
Nieder & Miller 2003, Neuron 37:149-157, in which the Weber fraction is about ``sigma``); a report is the number
whose log is nearest (boundaries at the logs' midpoints). :func:`report_accuracy` is the mean exact-report accuracy
over 1..``max_dots`` equally often; :func:`implied_sigma` inverts it.

Monkeys: average Weber fractions of 0.51-0.60 in delayed match-to-numerosity over 1-30 dots (Merten & Nieder 2009,
J Cogn Neurosci 21:333-346), which in this model is an exact-report accuracy of 41-45% for 1-5 dots; 70% needs a
Weber fraction of about 0.21.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm

MONKEY_WEBER = (0.51, 0.60)
MONKEY_SOURCE = ("Merten & Nieder 2009, J Cogn Neurosci 21:333-346: average Weber fractions 0.51-0.60 of two rhesus "
                 "monkeys (and humans) in delayed match-to-numerosity, 1-30 dots")


def report_accuracy(sigma: float, max_dots: int) -> float:
    """Mean exact-report accuracy over 1..max_dots of a log-Gaussian reporter with noise SD ``sigma``."""
    logs = np.log(np.arange(1, max_dots + 1))
    edges = np.concatenate([[-np.inf], (logs[:-1] + logs[1:]) / 2, [np.inf]])
    return float(np.mean(norm.cdf((edges[1:] - logs) / sigma) - norm.cdf((edges[:-1] - logs) / sigma)))


def implied_sigma(accuracy: float, max_dots: int) -> float:
    """The noise SD (about the Weber fraction) at which the log-Gaussian reporter reaches ``accuracy``; inf at or
    below chance, 0 at 1."""
    chance = 1.0 / max_dots
    if accuracy <= chance + 1e-9:
        return float("inf")
    if accuracy >= 1.0 - 1e-9:
        return 0.0
    return float(brentq(lambda s: report_accuracy(s, max_dots) - accuracy, 1e-4, 50.0))


def yardstick(per_seed_accuracy: list[float], max_dots: int, criterion: float) -> dict:
    """The network's implied Weber fraction per seed beside the criterion's and the monkeys'."""
    return {"model": "log-Gaussian reporter (Nieder & Miller 2003); the Weber fraction is about its noise SD",
            "network_weber": [implied_sigma(a, max_dots) for a in per_seed_accuracy],
            "criterion_weber": implied_sigma(criterion, max_dots),
            "monkey_weber": list(MONKEY_WEBER),
            "monkey_report_accuracy": [report_accuracy(w, max_dots) for w in MONKEY_WEBER],
            "source": MONKEY_SOURCE, "added": "after the first result; the declared criterion stays the verdict"}
