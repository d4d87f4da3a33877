"""Building blocks shared by every model: convolutions (weight-normalised as in the released code), the stem,
and the rule that composes an area's feedforward input from the rectified outputs below it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm as _weight_norm

from cordsnet.models.architecture import Architecture, AreaSpec


def conv(in_ch: int, out_ch: int, kernel: int, stride: int = 1, weight_norm: bool = True) -> nn.Module:
    """A bias-free convolution with 'same'-style padding (kernel // 2)."""
    layer = nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2, bias=False)
    return _weight_norm(layer) if weight_norm else layer


def linear(in_features: int, out_features: int, weight_norm: bool = True) -> nn.Module:
    layer = nn.Linear(in_features, out_features)
    return _weight_norm(layer) if weight_norm else layer


class Stem(nn.Module):
    """paper: 7x7/2 conv then 3x3/2 average pool (224 -> 56); small: 3x3/1 conv for native 28/32 px images.

    No nonlinearity and no bias, as in REFERENCE.md: a blank (zero) image gives a zero drive, which is why the
    spontaneous state is image-independent.
    """

    def __init__(self, arch: Architecture, weight_norm: bool = True):
        super().__init__()
        if arch.stem == "paper":
            self.conv = conv(arch.in_channels, arch.stem_channels, 7, 2, weight_norm)
            self.pool: nn.Module = nn.AvgPool2d(3, stride=2, padding=1)
        else:
            self.conv = conv(arch.in_channels, arch.stem_channels, 3, 1, weight_norm)
            self.pool = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv(x))


def skip_module(spec: AreaSpec, weight_norm: bool = True) -> nn.Module | None:
    """Skip_in (3x3 on the stem output) for area 1, a 1x1/2 projection for areas 3, 5, 7, none otherwise."""
    if spec.skip == "stem":
        return conv(spec.skip_in_channels, spec.in_channels, 3, 1, weight_norm)
    if spec.skip == "proj":
        return conv(spec.skip_in_channels, spec.in_channels, 1, 2, weight_norm)
    return None


def compose_input(spec: AreaSpec, acts: Sequence[torch.Tensor], s: torch.Tensor | None,
                  skip: Callable[[torch.Tensor], torch.Tensor] | None,
                  stem_skip: torch.Tensor | None = None) -> torch.Tensor:
    """u_l from the rectified outputs ``acts`` of the areas below (relu(r) in the RNNs, h in the CNN).

    ``stem_skip`` may carry a precomputed Skip_in(s) (the engine computes it once per image).
    """
    i = spec.index
    if spec.skip == "none":
        assert s is not None
        return s
    if spec.skip == "stem":
        return acts[0] + (stem_skip if stem_skip is not None else skip(s))
    if spec.skip == "identity":
        return acts[i - 1] + acts[i - 2]
    return acts[i - 1] + skip(acts[i - 2])


def readout_features(acts: Sequence[torch.Tensor]) -> torch.Tensor:
    """Global average pool of relu(r_last) + relu(r_second_last): the readout's input at every step."""
    return (acts[-1] + acts[-2]).mean(dim=(-2, -1))
