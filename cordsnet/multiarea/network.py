"""The downstream network of Fig 5: a continuous-time RNN of areas in a chain, several seeds in one module.

Areas (default: an association area of 128 units and a motor area of 64) each have dense recurrence within; area
k + 1 receives area k (feedforward) and, with ``feedback``, area k + 1 projects back to area k. The front end's
features and the fixation input reach the first area only; the outputs (fixation and one unit per choice) are read
from the last area only. It shares the dynamics of :mod:`cordsnet.cognitive.networks` (``r <- (1 - alpha) r +
alpha f(W r + W_in u + b + noise)``) and its interface (``weight()`` as ``(S, N, N)``, ``w_in``, ``w_out``, ...), so
the cognitive tasks' batched simulation and resumable training loop run it unchanged.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def area_masks(sizes: list[int], n_in: int, n_out: int, feedback: bool
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Boolean masks of the recurrent ``(N, N)`` (entry [i, j]: from unit j to unit i), input ``(n_in, N)`` and
    readout ``(N, n_out)`` weights that the area structure allows."""
    n = sum(sizes)
    bounds = [0]
    for s in sizes:
        bounds.append(bounds[-1] + s)
    area = torch.cat([torch.full((s,), k) for k, s in enumerate(sizes)])
    to, frm = area[:, None], area[None, :]
    rec = (to == frm) | (to == frm + 1) | ((to == frm - 1) & feedback)
    w_in = torch.zeros(n_in, n, dtype=torch.bool)
    w_in[:, bounds[0]: bounds[1]] = True
    w_out = torch.zeros(n, n_out, dtype=torch.bool)
    w_out[bounds[-2]: bounds[-1]] = True
    return rec, w_in, w_out


class MultiAreaRNN(nn.Module):
    """``len(seeds)`` networks with the same areas, each initialised from its seed."""

    kind = "multiarea"

    def __init__(self, seeds: list[int], n_in: int, sizes: list[int], n_out: int, feedback: bool = True,
                 gain: float = 0.5):
        super().__init__()
        self.seeds, self.sizes, self.feedback = list(seeds), list(sizes), feedback
        n = sum(sizes)
        rec, m_in, m_out = area_masks(self.sizes, n_in, n_out, feedback)
        self.register_buffer("rec_mask", rec, persistent=False)
        self.register_buffer("in_mask", m_in, persistent=False)
        self.register_buffer("out_mask", m_out, persistent=False)
        gens = [torch.Generator().manual_seed(7000 + s) for s in seeds]

        def draw(*shape, std):
            return torch.stack([torch.randn(*shape, generator=g) * std for g in gens])

        fan_in = rec.sum(1).clamp(min=1).float()  # each unit's number of recurrent inputs
        self.w = nn.Parameter(draw(n, n, std=1.0) * (gain / fan_in.sqrt())[None, :, None])
        self.w_in_free = nn.Parameter(draw(n_in, n, std=1 / math.sqrt(n_in)))
        self.w_out_free = nn.Parameter(draw(n, n_out, std=1 / math.sqrt(sizes[-1])))
        self.bias = nn.Parameter(torch.zeros(len(seeds), n))
        self.b_out = nn.Parameter(torch.zeros(len(seeds), n_out))

    @property
    def n_models(self) -> int:
        return len(self.seeds)

    @property
    def w_in(self) -> torch.Tensor:
        return self.w_in_free * self.in_mask

    @property
    def w_out(self) -> torch.Tensor:
        return self.w_out_free * self.out_mask

    def weight(self) -> torch.Tensor:
        return self.w * self.rec_mask

    def area_slices(self) -> list[slice]:
        out, start = [], 0
        for s in self.sizes:
            out.append(slice(start, start + s))
            start += s
        return out
