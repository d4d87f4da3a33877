import numpy as np
import pytest
import torch

from cordsnet.dynamics import ConvOperator, arnoldi, arpack_eigs, dense_matrix, power_iteration
from cordsnet.dynamics.eigen import match_eigenvalues


def dense_leading(op, k, which="LM"):
    ev = np.linalg.eigvals(dense_matrix(op).numpy())
    key = np.abs(ev) if which == "LM" else ev.real
    return ev[np.lexsort((-ev.imag, -key))][:k]


@pytest.mark.parametrize("channels, size, seed", [(4, 6, 0), (8, 8, 1), (16, 5, 2)])
def test_arnoldi_and_arpack_match_dense_leading_20(channels, size, seed):
    torch.manual_seed(seed)
    op = ConvOperator(torch.randn(channels, channels, 3, 3, dtype=torch.float64) / np.sqrt(9 * channels), size)
    dense = dense_leading(op, 21)
    ours = arnoldi(op, k=20, tol=1e-10)
    theirs = arpack_eigs(op, k=20, tol=1e-10)
    # the 20th value may be one of a conjugate pair: match against the 21 leading dense values
    assert match_eigenvalues(ours.values, dense) < 1e-4
    assert match_eigenvalues(theirs.values, dense) < 1e-4
    assert ours.residuals.max() < 1e-8
    np.testing.assert_allclose(np.abs(ours.values), np.abs(dense[:20]), atol=1e-6)


def test_arnoldi_largest_real_part():
    torch.manual_seed(3)
    op = ConvOperator(torch.randn(6, 6, 3, 3, dtype=torch.float64) / np.sqrt(54), 6)
    dense = dense_leading(op, 6, which="LR")
    ours = arnoldi(op, k=5, which="LR", tol=1e-10)
    assert match_eigenvalues(ours.values, dense) < 1e-4


def test_arnoldi_on_a_tiny_invariant_subspace_and_bad_arguments():
    w = torch.zeros(2, 2, 3, 3, dtype=torch.float64)
    w[0, 0, 1, 1] = 0.5  # a diagonal operator: 0.5 on channel 0, 0 on channel 1
    op = ConvOperator(w, 4)
    res = arnoldi(op, k=2, m=10)
    np.testing.assert_allclose(np.abs(res.values[0]), 0.5, atol=1e-12)
    with pytest.raises(ValueError, match="need 0 < k < m < n"):
        arnoldi(op, k=40, m=10)
    with pytest.raises(ValueError, match="which"):
        arnoldi(op, k=2, which="SM")


def test_power_iteration_finds_the_dominant_real_eigenvector():
    torch.manual_seed(0)
    w = torch.randn(4, 4, 3, 3, dtype=torch.float64) / 6
    w[0, 0, 1, 1] += 2.0  # a dominant real mode
    op = ConvOperator(w, 6)
    A = dense_matrix(op).numpy()
    ev, vec = np.linalg.eig(A)
    i = np.argmax(np.abs(ev))
    assert abs(ev[i].imag) < 1e-12
    res = power_iteration(op, starts=6)
    assert res.converged and res.start_agreement > 0.999999
    assert abs(res.value - ev[i].real) < 1e-6
    v = np.real(vec[:, i]) / np.linalg.norm(np.real(vec[:, i]))
    assert abs(abs(v @ res.vector) - 1) < 1e-6


def test_arpack_is_a_function_of_its_seed():
    """ARPACK draws a random start vector unless given one; ours comes from the seed, so runs repeat exactly."""
    torch.manual_seed(5)
    op = ConvOperator(torch.randn(8, 8, 3, 3, dtype=torch.float64) / np.sqrt(72), 8)
    a, b = arpack_eigs(op, k=10, tol=1e-6, seed=1), arpack_eigs(op, k=10, tol=1e-6, seed=1)
    assert np.array_equal(a.values, b.values) and a.iterations == b.iterations
