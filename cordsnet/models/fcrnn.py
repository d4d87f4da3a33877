"""The fully-connected continuous-time RNN control of Table 1: the image flattened into a vector.

tau dr/dt = -r + relu(W r + U x + b), readout z = V r + c, simulated with the same Euler step, warm-up, stimulus and
readout window as CordsNet. Its hidden size is the integer whose parameter count is closest to a given CordsNet's:
the comparison asks what convolutional structure buys at equal size. At the default scale the match is within 5%;
with 224 px inputs one hidden unit carries 150,528 input weights, so for CordsNet-R2 on ImageNet (about 0.66 M
parameters, 4 hidden units) the closest count is 8% off (measured in tests/test_paper_scale.py).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def fcrnn_params(inputs: int, hidden: int, classes: int) -> int:
    return inputs * hidden + hidden * hidden + hidden + hidden * classes + classes


def matched_hidden_size(target_params: int, inputs: int, classes: int) -> int:
    """Hidden size N with fcrnn_params(N) closest to ``target_params`` (N^2 + (inputs + classes + 1) N + classes)."""
    b = inputs + classes + 1
    n = (-b + math.sqrt(b * b + 4 * max(target_params - classes, 1))) / 2
    best = min((max(1, int(n) + d) for d in (-1, 0, 1, 2)),
               key=lambda h: abs(fcrnn_params(inputs, h, classes) - target_params))
    return best


class FCRNN(nn.Module):
    def __init__(self, inputs: int, hidden: int, classes: int, alpha: float = 0.2):
        super().__init__()
        self.alpha = alpha
        self.hidden = hidden
        self.inp = nn.Linear(inputs, hidden, bias=False)
        self.rec = nn.Linear(hidden, hidden, bias=True)
        self.readout = nn.Linear(hidden, classes)
        with torch.no_grad():
            self.rec.weight.mul_(0.5)

    def simulate(self, images: torch.Tensor | None, steps: int, spontaneous_steps: int, post_steps: int = 0,
                 batch_size: int | None = None, warmup_grad: bool = True
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Logits over the stimulus and post-stimulus steps (T x B x K), the post-stimulus states (T' x B x N) and
        the spontaneous state (1 x N). The warm-up runs at batch 1 (a blank input is the same for every image);
        ``warmup_grad=False`` runs it without gradients (the released training scripts' protocol)."""
        b = images.shape[0] if images is not None else batch_size
        a = self.alpha
        r = torch.zeros(1, self.hidden, dtype=self.rec.weight.dtype, device=self.rec.weight.device)
        with torch.set_grad_enabled(torch.is_grad_enabled() and warmup_grad):
            for _ in range(spontaneous_steps):
                r = torch.lerp(r, torch.relu(self.rec(r)), a)
        spont = r
        r = r.expand(b, -1)
        drive = self.inp(images.flatten(1)) if images is not None else 0.0
        logits, post = [], []
        for t in range(steps + post_steps):
            d = drive if t < steps else 0.0
            r = torch.lerp(r, torch.relu(self.rec(r) + d), a)
            logits.append(self.readout(r))
            if t >= steps:
                post.append(r)
        post_t = torch.stack(post) if post else torch.zeros(0, b, self.hidden)
        return torch.stack(logits), post_t, spont
