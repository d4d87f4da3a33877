"""The verdict rules (cordsnet.claims.verdicts): each decides as its docstring says, at and around its edges."""

from cordsnet.claims.verdicts import (
    FAILS,
    HOLDS,
    MISSING,
    OFFLINE,
    UNRESOLVED,
    at_most,
    better,
    combine,
    significance,
    signs,
    within,
)


def test_differences_against_their_uncertainty():
    assert better(3.0, 1.0) == HOLDS and better(-3.0, 1.0) == FAILS and better(0.5, 1.0) == UNRESOLVED
    assert within(0.5, 1.0, 2.0) == HOLDS and within(3.5, 1.0, 2.0) == FAILS and within(1.5, 1.0, 2.0) == UNRESOLVED
    assert at_most(0.30, 0.35, 0.01) == HOLDS and at_most(0.40, 0.35, 0.01) == FAILS
    assert at_most(0.355, 0.35, 0.01) == UNRESOLVED


def test_rows_combine_as_every_or_any():
    assert combine([HOLDS, HOLDS]) == HOLDS and combine([HOLDS, UNRESOLVED]) == UNRESOLVED
    assert combine([HOLDS, FAILS, UNRESOLVED]) == FAILS and combine([]) == MISSING


def test_significance_needs_every_test_positive_and_significant():
    assert significance([(0.02, 0.001), (0.01, 0.01)], 0.05) == HOLDS
    assert significance([(0.02, 0.001), (0.01, 0.2)], 0.05) == UNRESOLVED
    assert significance([(0.02, 0.001), (-0.01, 0.01)], 0.05) == FAILS
    assert significance([(0.02, 0.001)], 0.05, offline=True) == OFFLINE and significance([], 0.05) == MISSING


def test_signs_of_trends():
    assert signs([0.5, 0.25], 2) == HOLDS and signs([0.5, -0.25], 2) == FAILS and signs([0.5, 0.0], 2) == UNRESOLVED
    assert signs([0.5], 2) == MISSING
