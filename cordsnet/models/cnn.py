"""The CNN counterpart (training step 1): the CordsNet graph without time.

Each area is Conv_ff -> BN -> Conv_rec -> BN -> ReLU; skip projections get their own BN. Built from the same
architecture specs and blocks as :class:`~cordsnet.models.cordsnet.CordsNet`, with plain (not weight-normalised)
convolutions because batch norm already fixes their scale; folding the BN into CordsNet's per-unit biases and
weights is done by the training stage that initialises the RNN.
"""

from __future__ import annotations

import torch
from torch import nn

from cordsnet.models.architecture import Architecture, AreaSpec, architecture
from cordsnet.models.blocks import Stem, compose_input, conv, linear, readout_features, skip_module


class CNNArea(nn.Module):
    def __init__(self, spec: AreaSpec):
        super().__init__()
        self.spec = spec
        self.ff = conv(spec.in_channels, spec.channels, 3, spec.stride, weight_norm=False)
        self.bn_ff = nn.BatchNorm2d(spec.channels)
        self.rec = conv(spec.channels, spec.channels, 3, 1, weight_norm=False)
        self.bn_rec = nn.BatchNorm2d(spec.channels)
        self.skip = skip_module(spec, weight_norm=False)
        self.bn_skip = nn.BatchNorm2d(spec.in_channels) if self.skip is not None else None
        # Conv_rec starts as the identity: the linear RNN later has to reproduce this map as (I - W)^-1, which a
        # 3x3 W approximates only when the map is well conditioned (measured in docs/design.md).
        nn.init.dirac_(self.rec.weight)

    def skip_bn(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn_skip(self.skip(x))

    def preactivation(self, u: torch.Tensor) -> torch.Tensor:
        """BN(Conv_rec(BN(Conv_ff(u)))): what the linear RNN's steady state is trained to match."""
        return self.bn_rec(self.rec(self.bn_ff(self.ff(u))))


class CordsNetCNN(nn.Module):
    def __init__(self, depth: int = 8, in_channels: int = 3, num_classes: int = 1000, width: float = 1.0,
                 stem: str = "paper", image_size: int = 224):
        super().__init__()
        self.arch: Architecture = architecture(depth, in_channels, num_classes, width, stem, image_size)
        self.stem = Stem(self.arch, weight_norm=False)
        self.areas = nn.ModuleList(CNNArea(spec) for spec in self.arch.areas)
        self.readout = linear(self.arch.readout_channels, num_classes, weight_norm=False)

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
        """Stem output, per-area pre-activations and per-area outputs h_l = relu(pre_l)."""
        s = self.stem(x)
        pre: list[torch.Tensor] = []
        acts: list[torch.Tensor] = []
        for area in self.areas:
            skip = area.skip_bn if area.skip is not None else None
            u = compose_input(area.spec, acts, s, skip)
            p = area.preactivation(u)
            pre.append(p)
            acts.append(torch.relu(p))
        return s, pre, acts

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, _, acts = self.features(x)
        return self.readout(readout_features(acts))
