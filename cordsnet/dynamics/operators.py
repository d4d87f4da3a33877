"""Matrix-free linear operators of CordsNet's recurrent dynamics.

The recurrent operator of an area is a 3x3 convolution on a C x H x W map: C*H*W units (25,088 for R8's last area,
200,704 for its first at 224 px), far too many for a dense eigendecomposition. These operators apply it without
forming the matrix, as torch functions (batched over vectors, any device) and as scipy ``LinearOperator``s (for
ARPACK). ``dense_matrix`` materialises one for small maps, as the ground truth in tests.

The Jacobian of tau dr/dt = -r + phi(W r + b + F u) at a state is J = (-I + D W) / tau, D = diag(phi'(W r + b + F u)).
:class:`StepJacobianOperator` linearises one Euler step of the whole network (every area and the connections
between them), by forward-mode differentiation of the model's own equation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator

MatVec = Callable[[torch.Tensor], torch.Tensor]
"""Maps a batch of flattened vectors (k x n) to (k x n)."""


class ConvOperator:
    """The matrix of a bias-free 2-D convolution (C -> C, stride 1, 'same' size) acting on C x H x W maps.

    ``padding`` is "zeros" (CordsNet's convolutions) or "circular" (block-circulant: exact FFT singular values).
    """

    def __init__(self, weight: torch.Tensor, size: int, padding: str = "zeros", dtype: torch.dtype = torch.float64):
        if weight.ndim != 4 or weight.shape[0] != weight.shape[1] or weight.shape[2] != weight.shape[3]:
            raise ValueError(f"need a square C x C x k x k kernel, got {tuple(weight.shape)}")
        if weight.shape[2] % 2 == 0:
            raise ValueError("kernel size must be odd for a 'same'-size convolution")
        if padding not in ("zeros", "circular"):
            raise ValueError(f"padding must be 'zeros' or 'circular', got {padding!r}")
        self.weight = weight.detach().to(dtype)
        self.channels = weight.shape[0]
        self.size = size
        self.padding = padding
        self.shape = (self.n, self.n)
        self.dtype = dtype
        self.device = self.weight.device

    @property
    def n(self) -> int:
        return self.channels * self.size * self.size

    def apply_maps(self, x: torch.Tensor) -> torch.Tensor:
        k = self.weight.shape[-1] // 2
        if self.padding == "circular":
            x = torch.nn.functional.pad(x, (k, k, k, k), mode="circular")
            return torch.nn.functional.conv2d(x, self.weight)
        return torch.nn.functional.conv2d(x, self.weight, padding=k)

    def matvec(self, v: torch.Tensor) -> torch.Tensor:
        """Batched: (k x n) or (n,) -> same shape."""
        single = v.ndim == 1
        vb = v.reshape(-1, self.channels, self.size, self.size).to(self.weight.dtype)
        out = self.apply_maps(vb).reshape(vb.shape[0], -1)
        return out[0] if single else out

    def scaled(self, factor: float) -> ConvOperator:
        return ConvOperator(self.weight * factor, self.size, self.padding, self.dtype)


class JacobianOperator:
    """J = (-I + D W) / tau at a state: D = diag(phi'(pre)) given as a mask/derivative map ``d`` (C x H x W)."""

    def __init__(self, conv: ConvOperator, d: torch.Tensor, tau: float = 1.0):
        self.conv = conv
        self.d = d.detach().reshape(-1).to(device=conv.device, dtype=conv.dtype)
        self.tau = tau
        self.n = conv.n
        self.shape = conv.shape
        self.dtype = conv.dtype
        self.device = conv.device

    def matvec(self, v: torch.Tensor) -> torch.Tensor:
        return (-v.to(self.dtype) + self.d * self.conv.matvec(v)) / self.tau


def area_jacobian(model, area: int, states: list[torch.Tensor], stimulus: torch.Tensor | None = None,
                  tau: float = 1.0) -> JacobianOperator:
    """The Jacobian of area ``area`` of a CordsNet at ``states`` (batch 1), holding the other areas fixed.

    ``stimulus`` is the image shown (None = blank). tau in the caller's time unit (the paper: 10 ms). The
    pre-activation and phi' are the model's own (:meth:`~cordsnet.models.CordsNet.preactivation`,
    :meth:`~cordsnet.models.CordsNet.phi_derivative`), so the linearisation is of exactly the simulated equation.
    """
    with torch.no_grad():
        s = model.stem(stimulus) if stimulus is not None else None
        d = model.phi_derivative(model.preactivation(area, states, s))
        op = ConvOperator(model.areas[area].rec.weight, model.arch.areas[area].size)
    return JacobianOperator(op, d[0], tau)


class EulerStepOperator:
    """The Jacobian of one Euler step of a continuous-time Jacobian ``op`` (tau = 1): M = I + alpha J.

    Its eigenvalues mu = 1 + alpha lambda are the per-step multipliers, so the largest |mu| is the slowest mode
    (the direction a trajectory returns along last), which power iteration finds; the largest |lambda| of J itself
    would be the fastest-decaying one.
    """

    def __init__(self, op: JacobianOperator, alpha: float):
        self.op, self.alpha = op, float(alpha)
        self.n, self.shape, self.dtype, self.device = op.n, op.shape, op.dtype, op.device

    def matvec(self, v: torch.Tensor) -> torch.Tensor:
        v = v.to(self.device, self.dtype)
        return v + self.alpha * self.op.matvec(v)


class StepJacobianOperator:
    """The Jacobian of one Euler step of the whole network, d r_{t+1} / d r_t, at a state (batch 1), matrix-free.

    r_{t+1} = (1 - alpha) r_t + alpha phi(pre(r_t)) over all areas at once, with pre the model's own
    :meth:`~cordsnet.models.CordsNet.preactivation` (feedforward input through the relu of the lower areas, skip
    connections, the image shown): products are forward-mode derivatives (``torch.func.jvp``) of exactly the
    simulated equation, in float64. Its eigenvalues are the multipliers of the discrete-time map: all inside the
    unit circle at a fixed point means it is locally stable (the continuous-time eigenvalues are (mu - 1) / alpha).
    """

    def __init__(self, model, states: list[torch.Tensor], stimulus: torch.Tensor | None = None):
        import copy

        self.model = copy.deepcopy(model).double().eval()
        self.shapes = [tuple(r.shape[1:]) for r in states]
        self.sizes = [int(np.prod(sh)) for sh in self.shapes]
        self.n = sum(self.sizes)
        self.shape = (self.n, self.n)
        self.dtype = torch.float64
        self.device = next(self.model.parameters()).device
        with torch.no_grad():
            self.s = self.model.stem(stimulus.double()) if stimulus is not None else None
        self.x0 = torch.cat([r.detach().double().reshape(-1) for r in states]).to(self.device)

    def unflatten(self, flat: torch.Tensor) -> list[torch.Tensor]:
        return [p.reshape(1, *sh) for p, sh in zip(flat.split(self.sizes), self.shapes, strict=True)]

    def step(self, flat: torch.Tensor) -> torch.Tensor:
        """One Euler step of the flattened state of every area."""
        m, a = self.model, self.model.alpha
        states = self.unflatten(flat)
        new = [(1 - a) * r + a * m.phi(m.preactivation(i, states, self.s)) for i, r in enumerate(states)]
        return torch.cat([r.reshape(-1) for r in new])

    def matvec(self, v: torch.Tensor) -> torch.Tensor:
        """Batched: (k x n) or (n,) -> same shape."""
        single = v.ndim == 1
        rows = v.reshape(-1, self.n).to(self.device, self.dtype)
        with torch.no_grad():
            out = torch.stack([torch.func.jvp(self.step, (self.x0,), (row,))[1] for row in rows])
        return out[0] if single else out


def as_linear_operator(op: ConvOperator | JacobianOperator | StepJacobianOperator) -> LinearOperator:
    """A scipy ``LinearOperator`` (float64) for ARPACK and friends."""

    def mv(x: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(np.ascontiguousarray(x.reshape(-1)))
        if np.iscomplexobj(x):
            re = op.matvec(t.real.to(op.device, op.dtype)).cpu().numpy()
            im = op.matvec(t.imag.to(op.device, op.dtype)).cpu().numpy()
            return re + 1j * im
        return op.matvec(t.to(op.device, op.dtype)).cpu().numpy()

    def mm(x: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(np.ascontiguousarray(x.T))
        return op.matvec(t.to(op.device, op.dtype)).cpu().numpy().T

    return LinearOperator(op.shape, matvec=mv, matmat=mm, dtype=np.float64)


def dense_matrix(op: ConvOperator | JacobianOperator | StepJacobianOperator, max_n: int = 20000) -> torch.Tensor:
    """Materialise the operator (column j = A e_j). Only for small maps: the ground truth in tests."""
    if op.n > max_n:
        raise ValueError(f"{op.n} units is too large to materialise (limit {max_n}); use the matrix-free methods")
    eye = torch.eye(op.n, dtype=op.dtype, device=op.device)
    return op.matvec(eye).T.cpu()
