"""Stable, oscillatory and chaotic regimes of a convolutional recurrent area (Fig 1B, Fig S1B).

One area, no input: tau dr/dt = -r + tanh(W r), W a 3x3 convolution with zero padding as in CordsNet (16 channels
on an 8 x 8 map: 1,024 units, small enough for exact dense eigenvalues). The regime is set by scaling W:

- **stable**: spectral radius below 1; every trajectory converges to the fixed point r = 0.
- **oscillatory**: W scaled so that only its leading complex-conjugate pair of eigenvalues has real part above 1
  (a Hopf bifurcation of the origin); tanh saturation bounds the growth into a limit cycle with period near
  2 pi tau / Im(lambda).
- **chaotic**: spectral radius 3 (many unstable modes); the largest Lyapunov exponent is positive.

Which kernel: the first seed (from ``seed``) whose random kernel has a complex leading eigenvalue separated from the
rest (needed for a clean Hopf bifurcation) and is measured chaotic at radius 3. With circular padding the network
is translation-equivariant and tends to lock into travelling waves (Lyapunov exponent 0), so zero padding is used.

A saturating nonlinearity is used here because with ReLU an unstable linear mode grows without bound instead of
folding back (the classic random rate-network transition, Sompolinsky et al. 1988, needs saturation); the trained
CordsNets of the paper sit in the stable regime, which their spontaneous penalty enforces.

Diagnostics are measured, not assumed: the speed ||dr/dt|| at the end (fixed point), the period from the
recurrence of the state (limit cycle), and the largest Lyapunov exponent by the two-trajectory (Benettin) method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from cordsnet.dynamics.operators import ConvOperator, dense_matrix
from cordsnet.dynamics.spectra import circular_eigenvalues


@dataclass
class ConvRateNetwork:
    weight: torch.Tensor
    size: int
    dt: float = 0.05
    """Euler step in units of tau"""
    padding: str = "zeros"

    def __post_init__(self):
        self.op = ConvOperator(self.weight, self.size, padding=self.padding)

    def step(self, r: torch.Tensor) -> torch.Tensor:
        return r + self.dt * (-r + torch.tanh(self.op.matvec(r)))

    def run(self, r0: torch.Tensor, steps: int) -> torch.Tensor:
        r = r0.clone()
        out = []
        for _ in range(steps):
            r = self.step(r)
            out.append(r)
        return torch.stack(out)

    def eigenvalues(self) -> np.ndarray:
        return eigenvalues(self.weight, self.size, self.padding)


def eigenvalues(weight: torch.Tensor, size: int, padding: str = "zeros") -> np.ndarray:
    """All eigenvalues of the convolution: FFT blocks for circular padding, dense for zero padding (small maps)."""
    if padding == "circular":
        return circular_eigenvalues(weight, size)
    return np.linalg.eigvals(dense_matrix(ConvOperator(weight, size)).numpy())


def lyapunov_exponent(net: ConvRateNetwork, r0: torch.Tensor, steps: int = 20000, transient: int = 4000,
                      renorm_every: int = 10, eps: float = 1e-8, seed: int = 0) -> float:
    """Largest Lyapunov exponent in units of 1/tau (Benettin's two-trajectory method with renormalisation)."""
    gen = torch.Generator().manual_seed(seed)
    r = r0.clone()
    for _ in range(transient):
        r = net.step(r)
    d = torch.randn(r.shape, generator=gen, dtype=r.dtype)
    p = r + eps * d / d.norm()
    total = 0.0
    for t in range(1, steps + 1):
        r, p = net.step(r), net.step(p)
        if t % renorm_every == 0:
            dist = (p - r).norm()
            total += float(torch.log(dist / eps))
            p = r + (p - r) * (eps / dist)
    return total / (steps * net.dt)


def estimate_period(traj: torch.Tensor, dt: float, tol: float = 0.05) -> tuple[float | None, float]:
    """Period of a limit cycle from the recurrence of the state over ``traj`` (T x n, the late part of a run).

    The distance of every earlier state to the last one, relative to the activity's size, has its first local
    minimum below ``tol`` at one period (the sampling by dt leaves a residual of about speed x dt / 2, so the
    tolerance is not tiny). Returns (period in units of tau or None, the relative recurrence error there).
    """
    x = traj.numpy()
    T = len(x)
    scale = np.linalg.norm(x - x.mean(axis=0), axis=1).mean() + 1e-300
    dists = np.linalg.norm(x[::-1] - x[-1], axis=1) / scale  # dists[lag] = |r(T-1-lag) - r(T-1)|
    if not (dists > 2 * tol).any():  # never leaves the neighbourhood of its last state: a fixed point
        return None, 0.0
    left = int(np.argmax(dists > 2 * tol))  # leave the neighbourhood of lag 0 first
    for lag in range(max(left, 2), T - 1):
        if dists[lag] < tol and dists[lag] <= dists[lag - 1] and dists[lag] <= dists[lag + 1]:
            return lag * dt, float(dists[lag])
    return None, float(dists[max(left, 2):].min()) if T > 3 else float("inf")


@dataclass
class RegimeDiagnostics:
    regime: str
    scale: float
    spectral_radius: float
    max_real_eigenvalue: float
    leading_eigenvalue: complex
    final_speed: float
    """||dr/dt|| at the end of the run (per unit, 1/tau)"""
    period: float | None
    period_error: float
    lyapunov: float
    activity_std: float

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["leading_eigenvalue"] = [self.leading_eigenvalue.real, self.leading_eigenvalue.imag]
        return d


def diagnose(net: ConvRateNetwork, regime: str, scale: float, steps: int = 16000, seed: int = 0) -> tuple[
        RegimeDiagnostics, torch.Tensor]:
    """Run from a random state and measure the three diagnostics. Returns them and the recorded trajectory."""
    eig = net.eigenvalues()
    lead = eig[np.argmax(eig.real)]
    gen = torch.Generator().manual_seed(seed)
    r0 = 0.5 * torch.randn(net.op.n, generator=gen, dtype=torch.float64)
    traj = net.run(r0, steps)
    r = traj[-1]
    speed = float((-r + torch.tanh(net.op.matvec(r))).norm() / np.sqrt(net.op.n))
    period, err = estimate_period(traj[-steps // 2:], net.dt)
    lyap = lyapunov_exponent(net, traj[-1], steps=8000, transient=0, seed=seed)
    diag = RegimeDiagnostics(regime, scale, float(np.abs(eig).max()), float(eig.real.max()), complex(lead), speed,
                             period, err, lyap, float(traj[-steps // 4:].std()))
    return diag, traj


def regime_scales(base: torch.Tensor, size: int, padding: str = "zeros", min_gap: float = 0.05) -> dict[str, float]:
    """Scale factors of ``base`` that put the network in each regime.

    stable: spectral radius 0.8. oscillatory: the eigenvalue with the largest real part, which must be one of a
    complex pair separated from the rest by ``min_gap`` (relative), moved to real part 1.05, just past the Hopf
    bifurcation. chaotic: spectral radius 3. Raises ``ValueError`` when the kernel cannot be tuned to a Hopf point.
    """
    eig = eigenvalues(base, size, padding)
    radius = float(np.abs(eig).max())
    order = np.argsort(-eig.real)
    lead = eig[order[0]]
    if abs(lead.imag) < 0.2 * abs(lead.real):
        raise ValueError("the leading eigenvalue is (nearly) real: no Hopf bifurcation to tune to")
    nxt = next(e for e in eig[order] if abs(e.real - lead.real) > 1e-9 * abs(lead.real))
    if (lead.real - nxt.real) / lead.real < min_gap:
        raise ValueError("the next eigenvalue is too close to the leading pair")
    return {"stable": 0.8 / radius, "oscillatory": float(1.05 / lead.real), "chaotic": 3.0 / radius}


def random_kernel(channels: int, seed: int) -> torch.Tensor:
    """i.i.d. normal 3x3 kernel with variance 1 / fan-in."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(channels, channels, 3, 3, generator=gen, dtype=torch.float64) / np.sqrt(channels * 9)


def find_regime_kernel(channels: int = 16, size: int = 8, seed: int = 0, tries: int = 100,
                       min_lyapunov: float = 0.02) -> tuple[torch.Tensor, int, dict[str, float]]:
    """The first kernel from ``seed`` on that can be tuned to a Hopf point and is measured chaotic at radius 3."""
    for s in range(seed, seed + tries):
        w = random_kernel(channels, s)
        try:
            scales = regime_scales(w, size)
        except ValueError:
            continue
        net = ConvRateNetwork(w * scales["chaotic"], size)
        gen = torch.Generator().manual_seed(s)
        r = net.run(0.5 * torch.randn(net.op.n, generator=gen, dtype=torch.float64), 2000)[-1]
        if lyapunov_exponent(net, r, steps=4000, transient=0, seed=s) > min_lyapunov:
            return w, s, scales
    raise RuntimeError(f"no kernel in seeds {seed}..{seed + tries - 1} shows all three regimes")


def demonstrate_regimes(channels: int = 16, size: int = 8, seed: int = 0, steps: int = 16000) -> dict:
    """One kernel, three scalings, measured diagnostics and trajectories (for Fig 1B / S1B)."""
    w, used, scales = find_regime_kernel(channels, size, seed)
    out: dict = {"kernel_seed": used, "channels": channels, "size": size, "units": channels * size * size,
                 "dt_over_tau": ConvRateNetwork.dt, "regimes": {}, "trajectories": {}}
    for regime, factor in scales.items():
        net = ConvRateNetwork(w * factor, size)
        diag, traj = diagnose(net, regime, factor, steps=steps, seed=used)
        out["regimes"][regime] = diag.as_dict()
        out["trajectories"][regime] = traj[::10].numpy().astype(np.float32)
    return out
