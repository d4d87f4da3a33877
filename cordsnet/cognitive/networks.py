"""Four kinds of continuous-time RNN for the cognitive tasks (Fig 1C, Table S1), several seeds in one module.

All kinds share the dynamics ``r <- (1 - alpha) r + alpha f(W r + W_in u + b + noise)`` (Euler, ``f`` = ReLU as in
CordsNet, or softplus) with dense input and readout layers; they differ only in the recurrent matrix W:

- ``fc``: a dense N x N matrix;
- ``cordsnet``: a recurrent convolution on the C x H x W state of a CordsNet area (N = s^3 units as s channels on an
  s x s map, kernel k, zero padding as in the vision model): C^2 k^2 parameters;
- ``lowrank``: ``W = U V^T`` with rank r: 2 N r parameters;
- ``sparse``: a dense matrix under a fixed random mask with exactly ``nnz`` entries: nnz parameters.

Every kind exposes W as a dense ``(S, N, N)`` tensor (the convolution through a fixed index map into its kernel), so
all kinds and seeds of one size run as one batched matrix product per step, paying the per-step overhead once
(measured in docs/cognitive.md: 1.9x faster than one network at a time with 2 threads, 1.2x with 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from cordsnet.cognitive.matching import KINDS, Matching


def conv_index(side: int, kernel: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Index map from the dense ``(N, N)`` matrix of a zero-padded ``side``-channel convolution on a side x side
    map into its flattened ``(C, C, k, k)`` kernel, and the mask of entries the kernel reaches."""
    c = torch.arange(side)
    ci, yi, xi = torch.meshgrid(c, c, c, indexing="ij")  # output unit (channel, y, x)
    out = torch.stack([ci, yi, xi], -1).reshape(-1, 3)
    dy = out[None, :, 1] - out[:, None, 1] + kernel // 2  # (i, j): input row minus output row, centred
    dx = out[None, :, 2] - out[:, None, 2] + kernel // 2
    valid = (dy >= 0) & (dy < kernel) & (dx >= 0) & (dx < kernel)
    index = ((out[:, None, 0] * side + out[None, :, 0]) * kernel + dy.clamp(0, kernel - 1)) * kernel + dx.clamp(
        0, kernel - 1)
    return index, valid


class TaskRNN(nn.Module):
    """``len(seeds)`` networks of one kind and size, each initialised from its seed.

    Input and readout weights are drawn from the seed alone, so the networks of one seed share them across kinds
    and differ only in the recurrent matrix. ``weight()`` is W as ``(S, N, N)``, entry ``[s, i, j]`` from unit j to
    unit i.
    """

    def __init__(self, kind: str, matching: Matching, seeds: list[int], n_in: int, n_out: int, gain: float = 0.5):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown network kind {kind!r}; known: {list(KINDS)}")
        self.kind, self.matching, self.seeds = kind, matching, list(seeds)
        n, s_count = matching.units, len(seeds)
        shared = [torch.Generator().manual_seed(1000 * s) for s in seeds]
        own = [torch.Generator().manual_seed(1000 * s + 1 + KINDS.index(kind)) for s in seeds]

        def draw(gens, *shape, std=1.0):
            return torch.stack([torch.randn(*shape, generator=g) * std for g in gens])

        self.w_in = nn.Parameter(draw(shared, n_in, n, std=1 / math.sqrt(n_in)))
        self.w_out = nn.Parameter(draw(shared, n, n_out, std=1 / math.sqrt(n)))
        self.bias = nn.Parameter(torch.zeros(s_count, n))
        self.b_out = nn.Parameter(torch.zeros(s_count, n_out))
        if kind == "fc":
            self.w = nn.Parameter(draw(own, n, n, std=gain / math.sqrt(n)))
        elif kind == "cordsnet":
            c, k = matching.side, matching.kernel
            self.kernel = nn.Parameter(draw(own, c, c, k, k, std=gain / math.sqrt(c * k * k)))
            index, valid = conv_index(c, k)
            self.register_buffer("index", index, persistent=False)
            self.register_buffer("valid", valid, persistent=False)
        elif kind == "lowrank":
            std = math.sqrt(gain / n)
            self.u = nn.Parameter(draw(own, n, matching.rank, std=std))
            self.v = nn.Parameter(draw(own, n, matching.rank, std=std))
        else:
            masks = []
            for g in own:
                flat = torch.zeros(n * n, dtype=torch.bool)
                flat[torch.randperm(n * n, generator=g)[: matching.nnz]] = True
                masks.append(flat.view(n, n))
            self.register_buffer("mask", torch.stack(masks))
            self.w = nn.Parameter(draw(own, n, n, std=gain / math.sqrt(matching.density * n)))

    @property
    def n_models(self) -> int:
        return len(self.seeds)

    def weight(self) -> torch.Tensor:
        if self.kind == "fc":
            return self.w
        if self.kind == "cordsnet":
            flat = self.kernel.reshape(self.n_models, -1)
            return flat[:, self.index] * self.valid
        if self.kind == "lowrank":
            return self.u @ self.v.transpose(1, 2)
        return self.w * self.mask

    def recurrent_parameters(self) -> int:
        """Trainable numbers of one network's recurrent weights (the sparse kind's masked-out storage excluded)."""
        if self.kind == "sparse":
            return int(self.mask[0].sum())
        tensor = {"fc": "w", "cordsnet": "kernel"}.get(self.kind)
        if tensor:
            return getattr(self, tensor).numel() // self.n_models
        return (self.u.numel() + self.v.numel()) // self.n_models

    def select(self, i: int) -> TaskRNN:
        """Network ``i`` alone (a copy)."""
        one = TaskRNN.__new__(TaskRNN)
        nn.Module.__init__(one)
        one.kind, one.matching, one.seeds = self.kind, self.matching, [self.seeds[i]]
        for name, p in self.named_parameters(recurse=False):
            setattr(one, name, nn.Parameter(p.detach()[i: i + 1].clone()))
        for name, b in self.named_buffers(recurse=False):
            one.register_buffer(name, b[i: i + 1].clone() if name == "mask" else b,
                                persistent=name == "mask")
        return one


def _activation(z: torch.Tensor, activation: str) -> torch.Tensor:
    return torch.relu(z) if activation == "relu" else nn.functional.softplus(z)


def recurrence(drive: torch.Tensor, w_t: torch.Tensor, alpha: float, activation: str) -> torch.Tensor:
    """``r_t = (1 - a) r_{t-1} + a f(drive_t + r_{t-1} W^T)`` from ``r_{-1} = 0``; drive ``(M, T, B, N)``, ``w_t``
    = W^T ``(M, N, N)``. A plain loop differentiated by autograd: a hand-written backward was slower at the default
    sizes (benchmarks/cognitive.py, docs/cognitive.md)."""
    r = drive.new_zeros(drive.shape[0], drive.shape[2], drive.shape[3])
    rates = []
    for drive_t in drive.unbind(1):  # one unbind: indexing per step would back-propagate a full-size zero each step
        r = (1 - alpha) * r + alpha * _activation(torch.baddbmm(drive_t, r, w_t), activation)
        rates.append(r)
    return torch.stack(rates, 1)


@dataclass(frozen=True)
class Integration:
    """How the networks are integrated in time: Euler step ``alpha``, nonlinearity and noise (in units of the
    suite: the injected noise is ``sigma sqrt(2 / alpha)`` per step, so its effect does not depend on dt)."""

    alpha: float = 0.2
    activation: str = "relu"
    sigma_in: float = 0.01
    sigma_rec: float = 0.05

    def f(self, x: torch.Tensor) -> torch.Tensor:
        return _activation(x, self.activation)


def simulate(networks: list[TaskRNN], inputs: torch.Tensor, integration: Integration, noise_seed: int | None = None,
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Run every network of ``networks`` (all of one size) from rest on its slot's inputs.

    ``inputs`` is ``(S, T, B, n_in)``: network ``s`` of every module reads slot ``s`` (a seed's trials, or a task
    variant's). Returns rates ``(M, T, B, N)`` and sigmoid outputs ``(M, T, B, n_out)``, M the networks of all
    modules in order. ``noise_seed`` None runs without noise (evaluation); otherwise the noise is drawn from it, one
    realisation per slot shared by every kind: at one seed all kinds see the same trials and the same noise.
    """
    slots, _, batch, _ = inputs.shape
    for net in networks:
        if net.n_models != slots:
            raise ValueError(f"{net.kind} holds {net.n_models} networks but the inputs have {slots} slots")
    scale = math.sqrt(2 / integration.alpha)
    gen = None if noise_seed is None else torch.Generator(device=inputs.device).manual_seed(noise_seed)
    if gen is not None and integration.sigma_in > 0:
        inputs = inputs + integration.sigma_in * scale * torch.randn(inputs.shape, generator=gen, device=inputs.device)
    drive = torch.cat([torch.einsum("stbi,sin->stbn", inputs, net.w_in) for net in networks])
    if gen is not None and integration.sigma_rec > 0:  # one draw per slot, the same for every kind (and cheaper)
        noise = integration.sigma_rec * scale * torch.randn((slots, *drive.shape[1:]), generator=gen,
                                                         device=inputs.device)
        drive = drive + noise.repeat(len(networks), 1, 1, 1)
    drive = drive + torch.cat([net.bias for net in networks])[:, None, None, :]
    w_t = torch.cat([net.weight() for net in networks]).transpose(1, 2)
    rates_t = recurrence(drive, w_t, integration.alpha, integration.activation)
    w_out = torch.cat([net.w_out for net in networks])
    b_out = torch.cat([net.b_out for net in networks])
    outputs = torch.sigmoid(torch.einsum("mtbn,mno->mtbo", rates_t, w_out) + b_out[:, None, None, :])
    return rates_t, outputs
