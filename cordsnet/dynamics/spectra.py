"""Singular values of the recurrent convolution and scaling to a target spectral radius (Fig 1B, Fig S1).

With circular padding a C -> C convolution on an n x n map is block-circulant: the 2-D DFT block-diagonalises it,
with one C x C block per spatial frequency (k1, k2), K(k1, k2) = sum_{p,q} W[:, :, p, q] exp(2 pi i (k1 p + k2 q)/n)
(Sedghi, Gupta & Long, 2019). Its singular values (and eigenvalues) are those of the n^2 blocks: exact, and
O(n^2 C^3) instead of O((n^2 C)^3). Zero padding (CordsNet's) differs only at the border; the tests compare both
with a dense SVD.
"""

from __future__ import annotations

import numpy as np
import torch

from cordsnet.dynamics.eigen import arnoldi
from cordsnet.dynamics.operators import ConvOperator


def frequency_blocks(weight: torch.Tensor, size: int) -> np.ndarray:
    """The n^2 blocks (n^2 x C x C, complex) of a circular convolution with ``weight`` on ``size`` x ``size`` maps."""
    w = weight.detach().double().numpy()
    c_out, c_in, k, _ = w.shape
    if k > size:
        raise ValueError(f"kernel {k} is larger than the {size} x {size} map")
    padded = np.zeros((c_out, c_in, size, size))
    half = k // 2
    # cross-correlation tap (p, q) reads x[i + p - half, j + q - half]: place it at offset (p - half) mod n
    for p in range(k):
        for q in range(k):
            padded[:, :, (p - half) % size, (q - half) % size] += w[:, :, p, q]
    blocks = np.fft.ifft2(padded, axes=(2, 3)) * size * size  # sum_x w[x] exp(+2 pi i k x / n)
    return blocks.transpose(2, 3, 0, 1).reshape(size * size, c_out, c_in)


def circular_singular_values(weight: torch.Tensor, size: int) -> np.ndarray:
    """All C n^2 singular values of the circular convolution, descending."""
    sv = np.linalg.svd(frequency_blocks(weight, size), compute_uv=False).reshape(-1)
    return np.sort(sv)[::-1]


def circular_eigenvalues(weight: torch.Tensor, size: int) -> np.ndarray:
    """All C n^2 eigenvalues of the circular convolution (complex)."""
    return np.linalg.eigvals(frequency_blocks(weight, size)).reshape(-1)


def spectral_radius(weight: torch.Tensor, size: int, padding: str = "circular") -> float:
    """Largest |eigenvalue|: exact via the FFT for circular padding, by Arnoldi for zero padding."""
    if padding == "circular":
        return float(np.abs(circular_eigenvalues(weight, size)).max())

    return float(np.abs(arnoldi(ConvOperator(weight, size), k=1, m=40).values[0]))


def scale_to_radius(weight: torch.Tensor, size: int, radius: float, padding: str = "circular") -> torch.Tensor:
    """``weight`` rescaled so the convolution's spectral radius is ``radius``."""
    return weight * (radius / spectral_radius(weight, size, padding))


def singular_values_vs_kernel(kernel_sizes=(1, 3, 5, 7, 9), channels: int = 16, size: int = 16, seed: int = 0,
                              fan_in_scaling: bool = True) -> dict[int, np.ndarray]:
    """Singular values of random recurrent convolutions for several kernel sizes (Fig S1A).

    Weights are i.i.d. normal with variance 1 / (C k^2) (the fan-in), so every kernel size has the same expected
    squared gain: the distributions then differ only through the convolutional structure.
    """
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for k in kernel_sizes:
        w = torch.randn(channels, channels, k, k, generator=gen, dtype=torch.float64)
        if fan_in_scaling:
            w = w / np.sqrt(channels * k * k)
        out[k] = circular_singular_values(w, size)
    return out
