"""The Procrustes distance on cases with known answers."""

import numpy as np
import pytest
from scipy.stats import ortho_group

from cordsnet.cognitive.compare import procrustes_distance, trajectory_matrix

RNG = np.random.default_rng(0)
A = RNG.normal(size=(60, 12)) @ RNG.normal(size=(12, 12))


def test_a_rotated_scaled_shifted_copy_is_at_distance_zero():
    q = ortho_group.rvs(12, random_state=1)
    assert procrustes_distance(A, 3.0 * A @ q + 7.0, pcs=None) == pytest.approx(0, abs=1e-7)
    assert procrustes_distance(A, A @ q, pcs=5) == pytest.approx(0, abs=1e-7)


def test_a_permutation_of_units_changes_nothing():
    perm = RNG.permutation(12)
    b = RNG.normal(size=A.shape)
    assert procrustes_distance(A[:, perm], b, pcs=6) == pytest.approx(procrustes_distance(A, b, pcs=6), abs=1e-9)
    assert procrustes_distance(A, A[:, perm], pcs=None) == pytest.approx(0, abs=1e-7)


def test_distance_is_symmetric_bounded_and_sees_differences():
    b = RNG.normal(size=(60, 12))
    d = procrustes_distance(A, b, pcs=None)
    assert d == pytest.approx(procrustes_distance(b, A, pcs=None))
    assert 0.3 < d <= np.sqrt(2)


def test_networks_of_different_sizes_compare_in_principal_components():
    wide = np.hstack([A, np.zeros((60, 30))])
    assert procrustes_distance(A, wide, pcs=8) == pytest.approx(0, abs=1e-7)
    with pytest.raises(ValueError, match="give pcs"):
        procrustes_distance(A, wide, pcs=None)


def test_trajectory_rows_run_condition_by_condition():
    rates = np.arange(2 * 3 * 4).reshape(2, 3, 4)  # (T, B, N)
    m = trajectory_matrix(rates)
    assert m.shape == (6, 4) and np.array_equal(m[1], rates[1, 0]) and np.array_equal(m[2], rates[0, 1])
