"""Eigenvalues of large convolutional operators: the paper's Arnoldi iteration, ARPACK, and power iteration.

- :func:`arnoldi`: Krylov basis with full re-orthogonalisation (classical Gram-Schmidt applied twice, which keeps
  the basis orthonormal to machine precision), eigenvalues of the Hessenberg matrix (Ritz values), explicit
  restarts from the wanted Ritz vectors until their residuals ||A x - lambda x|| fall below ``tol``. The Krylov
  basis and every product live on the operator's device (a GPU when its kernel is there, as in the paper's
  toolkit); only the small projected matrix goes to the host for numpy.
- :func:`arpack_eigs`: scipy's ARPACK (implicitly restarted Arnoldi) on the same operator, for comparison.
- :func:`power_iteration`: the leading eigenvector from several random starts at once (one batched convolution per
  iteration); agreement between starts is the convergence check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from scipy.sparse.linalg import eigs

from cordsnet.dynamics.operators import as_linear_operator


@dataclass
class EigResult:
    values: np.ndarray
    """complex eigenvalues, sorted by decreasing magnitude (``which="LM"``) or real part (``"LR"``)"""
    vectors: np.ndarray | None
    residuals: np.ndarray
    """||A x - lambda x|| / |lambda| for each returned pair"""
    iterations: int
    seconds: float


def _wanted_key(values: np.ndarray, which: str) -> np.ndarray:
    return np.abs(values) if which == "LM" else values.real


def _sort(values: np.ndarray, which: str) -> np.ndarray:
    return np.lexsort((-values.imag, -_wanted_key(values, which)))


def arnoldi(op, k: int = 20, m: int | None = None, which: str = "LM", tol: float = 1e-8, max_restarts: int = 200,
            seed: int = 0, return_vectors: bool = False) -> EigResult:
    """The ``k`` leading eigenvalues of ``op`` (anything with ``matvec`` and ``n``): Arnoldi with Krylov-Schur restarts.

    Each cycle extends an orthonormal Krylov basis to ``m`` vectors (Gram-Schmidt applied twice), takes the
    eigenvalues of the small projected matrix, and, until the ``k`` wanted Ritz pairs have relative residuals below
    ``tol``, restarts by keeping the Schur vectors of the wanted part (Stewart's Krylov-Schur thick restart), so no
    converged information is thrown away. ``which``: "LM" largest magnitude, "LR" largest real part.
    """
    from scipy.linalg import schur

    if which not in ("LM", "LR"):
        raise ValueError(f"which must be 'LM' or 'LR', got {which!r}")
    t0 = time.perf_counter()
    n = op.n
    guard = max(2, k // 4)
    m = m or min(n - 1, max(2 * (k + guard) + 20, 60))
    if not 0 < k < m < n:
        raise ValueError(f"need 0 < k < m < n, got k={k}, m={m}, n={n}")
    guard = min(guard, m - k - 1)
    dtype = getattr(op, "dtype", torch.float64)
    device = getattr(op, "device", torch.device("cpu"))
    gen = torch.Generator().manual_seed(seed)  # drawn on the host: the same start on every device
    Q = torch.zeros(m + 1, n, dtype=dtype, device=device)
    H = np.zeros((m + 1, m))
    v0 = torch.randn(n, generator=gen, dtype=dtype).to(device)
    Q[0] = v0 / v0.norm()
    p = 0
    matvecs = 0
    for restart in range(max_restarts + 1):
        size = m
        for j in range(p, m):
            w = op.matvec(Q[j])
            matvecs += 1
            for _ in range(2):  # classical Gram-Schmidt, twice: orthogonal to machine precision
                h = Q[: j + 1] @ w
                w = w - Q[: j + 1].T @ h
                H[: j + 1, j] += h.cpu().numpy()
            beta = float(w.norm())
            H[j + 1, j] = beta
            if beta < 1e-12 * max(np.linalg.norm(H[: j + 1, j]), 1e-300):  # invariant subspace: exact
                size = j + 1
                break
            Q[j + 1] = w / beta
        Hm = H[:size, :size]
        theta, Y = np.linalg.eig(Hm)
        order = np.lexsort((-theta.imag, -_wanted_key(theta, which)))
        theta, Y = theta[order], Y[:, order]
        residuals = np.abs(H[size, :size] @ Y) / np.maximum(np.abs(theta), 1e-300) if size == m else \
            np.zeros(len(theta))
        # converge a few guard values beyond the k wanted: in a clustered spectrum a Ritz value that has not yet
        # emerged from the cluster can otherwise be missed while the k shown are already accurate
        done = size < m or residuals[: k + guard].max() < tol
        if done or restart == max_restarts:
            break
        keep = min(k + guard + (m - k - guard) // 2, m - 2)
        cut = float(_wanted_key(theta, which)[keep - 1])
        T, U, sdim = schur(Hm, output="real", sort=_selector(which, cut))
        p = int(sdim)
        Uq = torch.from_numpy(np.ascontiguousarray(U[:, :p].T)).to(device=device, dtype=dtype)
        Q[:p] = Uq @ Q[:m]
        Q[p] = Q[m].clone()
        Q[p + 1:] = 0
        b = H[m, :m] @ U[:, :p]
        H = np.zeros((m + 1, m))
        H[:p, :p] = T[:p, :p]
        H[p, :p] = b
    k_out = min(k, len(theta))
    vectors = (Q[:size].cpu().numpy().T @ Y[:, :k_out]) if return_vectors else None
    return EigResult(theta[:k_out], vectors, residuals[:k_out], matvecs, time.perf_counter() - t0)


def _selector(which: str, cut: float):
    """The Schur-reordering predicate that selects the wanted eigenvalues (complex pairs stay together)."""
    if which == "LM":
        return lambda x, y: abs(complex(x, y)) >= cut * (1 - 1e-12)
    return lambda x, y: x >= cut - 1e-12 * abs(cut)


def match_eigenvalues(a: np.ndarray, b: np.ndarray) -> float:
    """Largest distance from a value of ``a`` to its partner in ``b`` (optimal one-to-one matching)."""
    from scipy.optimize import linear_sum_assignment

    cost = np.abs(a[:, None] - b[None, :])
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].max())


def arpack_eigs(op, k: int = 20, which: str = "LM", tol: float = 1e-8, ncv: int | None = None,
                seed: int = 0) -> EigResult:
    """scipy.sparse.linalg.eigs (ARPACK) on the same matrix-free operator, from a start vector drawn from ``seed``.

    Without ``v0`` ARPACK draws its own random start at every call and returns a clustered tail in another order
    each run; with it, the result is a function of the seed (docs/benchmarks.md).
    """
    t0 = time.perf_counter()
    lin = as_linear_operator(op)
    calls = {"n": 0}
    inner = lin.matvec

    def counted(x):
        calls["n"] += 1
        return inner(x)

    lin.matvec = counted  # type: ignore[method-assign]
    ncv = ncv or min(op.n, max(2 * k + 20, 60))
    v0 = np.random.default_rng(seed).standard_normal(op.n)
    vals, vecs = eigs(lin, k=k, which=which, tol=tol, ncv=ncv, v0=v0)
    order = _sort(vals, which)
    vals, vecs = vals[order], vecs[:, order]
    res = np.array([np.linalg.norm(_apply(op, vecs[:, i]) - vals[i] * vecs[:, i]) / max(abs(vals[i]), 1e-300)
                    for i in range(len(vals))])
    return EigResult(vals, vecs, res, calls["n"], time.perf_counter() - t0)


def _apply(op, x: np.ndarray) -> np.ndarray:
    return as_linear_operator(op).matvec(x)


@dataclass
class PowerResult:
    value: float
    vector: np.ndarray
    iterations: int
    converged: bool
    start_agreement: float
    """min over starts of |<x_i, x_best>|: 1 when every start found the same eigenvector"""


def power_iteration(op, starts: int = 8, iters: int = 2000, tol: float = 1e-10, seed: int = 0) -> PowerResult:
    """Leading (real, dominant) eigenvector from ``starts`` random vectors iterated together.

    Converges when the dominant eigenvalue is real and separated; for a dominant complex pair the Rayleigh
    quotients oscillate and ``converged`` is False (use :func:`arnoldi`).
    """
    gen = torch.Generator().manual_seed(seed)
    dtype = getattr(op, "dtype", torch.float64)
    device = getattr(op, "device", torch.device("cpu"))
    X = torch.randn(starts, op.n, generator=gen, dtype=dtype).to(device)
    X = X / X.norm(dim=1, keepdim=True)
    lam = torch.zeros(starts, dtype=dtype, device=device)
    converged = False
    it = 0
    while it < iters:
        it += 1
        Y = op.matvec(X)
        lam_new = (X * Y).sum(dim=1)
        Y = Y / Y.norm(dim=1, keepdim=True)
        sign = torch.where((Y * X).sum(dim=1, keepdim=True) < 0, -1.0, 1.0).to(dtype)
        Y = Y * sign  # a negative dominant eigenvalue flips the vector every step; compare like with like
        change = (Y - X).norm(dim=1).max()
        X, done = Y, bool((lam_new - lam).abs().max() < tol * lam_new.abs().max().clamp_min(1e-300))
        lam = lam_new
        if done and change < 1e-6:
            converged = True
            break
    best = int(lam.abs().argmax())
    agreement = float((X @ X[best]).abs().min())
    return PowerResult(float(lam[best]), X[best].cpu().numpy(), it, converged, agreement)
