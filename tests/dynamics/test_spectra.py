import numpy as np
import pytest
import torch

from cordsnet.dynamics import ConvOperator, dense_matrix, scale_to_radius, singular_values_vs_kernel
from cordsnet.dynamics.spectra import circular_eigenvalues, circular_singular_values, spectral_radius


@pytest.mark.parametrize("kernel", [1, 3, 5])
def test_fft_singular_values_equal_dense_svd_for_circular_padding(kernel):
    torch.manual_seed(kernel)
    w = torch.randn(3, 3, kernel, kernel, dtype=torch.float64)
    A = dense_matrix(ConvOperator(w, 7, padding="circular")).numpy()
    dense = np.sort(np.linalg.svd(A, compute_uv=False))[::-1]
    np.testing.assert_allclose(circular_singular_values(w, 7), dense, atol=1e-10)
    ev = np.linalg.eigvals(A)
    fft_ev = circular_eigenvalues(w, 7)
    assert max(np.abs(fft_ev - e).min() for e in ev) < 1e-9


def test_zero_padding_differs_only_at_the_border():
    """Zero padding (CordsNet's) has a spectrum close to the circular one; the gap shrinks with the map."""
    torch.manual_seed(0)
    w = torch.randn(4, 4, 3, 3, dtype=torch.float64) / 6
    gaps = []
    for n in (6, 12):
        zero = np.sort(np.linalg.svd(dense_matrix(ConvOperator(w, n)).numpy(), compute_uv=False))[::-1]
        circ = circular_singular_values(w, n)
        gaps.append(np.abs(zero - circ).mean() / circ.mean())
    assert gaps[1] < gaps[0] < 0.2


def test_scale_to_radius():
    torch.manual_seed(0)
    w = torch.randn(4, 4, 3, 3, dtype=torch.float64)
    for padding in ("circular", "zeros"):
        scaled = scale_to_radius(w, 6, 0.9, padding)
        ev = np.linalg.eigvals(dense_matrix(ConvOperator(scaled, 6, padding=padding)).numpy())
        assert abs(np.abs(ev).max() - 0.9) < 1e-6
        assert abs(spectral_radius(scaled, 6, padding) - 0.9) < 1e-6


def test_singular_values_vs_kernel_size():
    sv = singular_values_vs_kernel(kernel_sizes=(1, 3, 5), channels=8, size=8)
    assert set(sv) == {1, 3, 5} and all(len(v) == 8 * 64 for v in sv.values())
    # fan-in scaling keeps the mean squared singular value (the average gain) near 1 for every kernel size
    for v in sv.values():
        assert 0.7 < np.mean(v**2) < 1.3
    # a 1x1 kernel acts identically at every position: only C distinct singular values, each n^2 times;
    # larger kernels give every spatial frequency its own C x C block, spreading them out
    distinct = {k: len(np.unique(np.round(v, 9))) for k, v in sv.items()}
    assert distinct[1] == 8
    assert distinct[3] > 8 * 16 and distinct[5] > 8 * 16
