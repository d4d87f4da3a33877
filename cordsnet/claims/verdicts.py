"""The verdict vocabulary of the scorecard and the rules that turn numbers into verdicts, in one place.

Every verdict of the scorecard (claims C1-C11) is computed here from the numbers a producer wrote; a producer that
shows a claim's verdict beside its own numbers (the neural prediction's C10, the ablation's C11) calls the same rule,
so the two can never disagree. Torch-free and import-free: every layer may use it.
"""

from __future__ import annotations

from collections.abc import Sequence

HOLDS, FAILS, UNRESOLVED = "holds", "fails", "not resolved at this scale"
MISSING, OFFLINE = "not yet measured", "not testable offline"
VERDICTS = (HOLDS, FAILS, UNRESOLVED, MISSING, OFFLINE)


def better(diff: float, unc: float) -> str:
    """A difference that should be positive: holds beyond its uncertainty, fails below minus it."""
    return HOLDS if diff > unc else FAILS if diff < -unc else UNRESOLVED


def within(gap: float, unc: float, threshold: float) -> str:
    """A gap that should be at most ``threshold``: holds when it is even with its uncertainty, fails when it
    exceeds it even without."""
    return HOLDS if gap + unc <= threshold else FAILS if gap - unc > threshold else UNRESOLVED


def at_most(value: float, reference: float, spread: float) -> str:
    """A value that should not exceed ``reference``: holds at or below it, fails above it by more than ``spread``."""
    diff = value - reference
    return HOLDS if diff <= 0 else FAILS if diff > spread else UNRESOLVED


def combine(verdicts: Sequence[str]) -> str:
    """Over rows: holds in every row, fails in any, otherwise not resolved."""
    if not verdicts:
        return MISSING
    if FAILS in verdicts:
        return FAILS
    return HOLDS if all(v == HOLDS for v in verdicts) else UNRESOLVED


def significance(tests: Sequence[tuple[float, float]], alpha: float, offline: bool = False) -> str:
    """(difference, p-value) pairs that should all be positive: holds when every difference is positive at
    p < ``alpha``, fails when any is negative at p < ``alpha``, otherwise not resolved; "not testable offline" on
    synthetic data, whatever its numbers (C10)."""
    if offline:
        return OFFLINE
    if not tests:
        return MISSING
    if all(d > 0 and p < alpha for d, p in tests):
        return HOLDS
    return FAILS if any(d < 0 and p < alpha for d, p in tests) else UNRESOLVED


def signs(trends: Sequence[float], expected: int) -> str:
    """Trends that should all be positive: holds when all are, fails when any is negative, otherwise (a zero trend)
    not resolved; fewer than ``expected`` measured: not yet measured (C11)."""
    if len(trends) < expected:
        return MISSING
    if any(t < 0 for t in trends):
        return FAILS
    return HOLDS if all(t > 0 for t in trends) else UNRESOLVED
