"""The CordsNet graph (REFERENCE.md section 1, Table S3) as data: one spec per recurrent area.

Every model in :mod:`cordsnet.models` (continuous-time CordsNet, its CNN counterpart, the discrete-time
baseline) and the plain reference simulation are built from these specs, so the architecture exists once.
Map sizes follow the input size: nothing is hard-coded to 56/28/14/7.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BASE_CHANNELS = (64, 64, 128, 128, 256, 256, 512, 512)
FF_STRIDES = (1, 1, 2, 1, 2, 1, 2, 1)
DEPTHS = (2, 4, 6, 8)
STEMS = ("paper", "small")
MIN_FINAL_MAP = 2
"""The last area's map must be at least 2 x 2, or its 3 x 3 recurrent convolution sees only padding."""


@dataclass(frozen=True)
class AreaSpec:
    index: int
    in_channels: int
    """channels of the feedforward input u_l"""
    channels: int
    stride: int
    size: int
    """side of the area's (square) map"""
    skip: str
    """how u_l is composed: 'none' (u_0 = s), 'stem' (relu(r_0) + Conv3x3(s)), 'identity'
    (relu(r_{l-1}) + relu(r_{l-2})) or 'proj' (relu(r_{l-1}) + Conv1x1/2(relu(r_{l-2})))"""
    skip_in_channels: int = 0


@dataclass(frozen=True)
class Architecture:
    depth: int
    in_channels: int
    num_classes: int
    image_size: int
    stem: str
    stem_channels: int
    stem_size: int
    areas: tuple[AreaSpec, ...]

    @property
    def readout_channels(self) -> int:
        return self.areas[-1].channels


def scaled(channels: int, width: float) -> int:
    return max(1, int(round(channels * width)))


def conv_out(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


def stem_output_size(stem: str, image_size: int) -> int:
    if stem == "paper":  # 7x7/2 conv (pad 3) then 3x3/2 average pool (pad 1): 224 -> 112 -> 56
        return conv_out(conv_out(image_size, 7, 2, 3), 3, 2, 1)
    return image_size  # 3x3/1 conv (pad 1)


def architecture(depth: int, in_channels: int, num_classes: int, width: float = 1.0, stem: str = "paper",
                 image_size: int = 224) -> Architecture:
    """Specs of CordsNet-R``depth``; raises ``ValueError`` with the fix for unsupported choices."""
    if depth not in DEPTHS:
        raise ValueError(f"unsupported depth {depth}: CordsNet has R2, R4, R6 and R8 (depth in {DEPTHS})")
    if stem not in STEMS:
        raise ValueError(f"unknown stem '{stem}': use 'paper' (224 px inputs) or 'small' (native 28/32 px)")
    if width <= 0:
        raise ValueError(f"width multiplier must be positive, got {width}")
    size = stem_output_size(stem, image_size)
    channels = [scaled(c, width) for c in BASE_CHANNELS[:depth]]
    areas: list[AreaSpec] = []
    sizes: list[int] = []
    for i in range(depth):
        stride = FF_STRIDES[i]
        size = size if stride == 1 else math.ceil(size / 2)
        sizes.append(size)
        in_ch = channels[0] if i == 0 else channels[i - 1]
        if i == 0:
            skip, skip_in = "none", 0
        elif i == 1:
            skip, skip_in = "stem", channels[0]
        elif i % 2 == 0:
            skip, skip_in = "identity", channels[i - 2]
        else:
            skip, skip_in = "proj", channels[i - 2]
        areas.append(AreaSpec(i, in_ch, channels[i], stride, size, skip, skip_in))
    if sizes[-1] < MIN_FINAL_MAP:
        need = image_size
        while _final_size(stem, need, depth) < MIN_FINAL_MAP:
            need += 1
        raise ValueError(
            f"input {image_size} px is too small for CordsNet-R{depth} with the '{stem}' stem: the last area's "
            f"map would be {sizes[-1]}x{sizes[-1]} (needs >= {MIN_FINAL_MAP}x{MIN_FINAL_MAP}). Use inputs of at "
            f"least {need} px" + (", or the 'small' stem for native-resolution images" if stem == "paper" else "")
        )
    return Architecture(depth, in_channels, num_classes, image_size, stem, channels[0],
                        stem_output_size(stem, image_size), tuple(areas))


def _final_size(stem: str, image_size: int, depth: int) -> int:
    size = stem_output_size(stem, image_size)
    for i in range(depth):
        if FF_STRIDES[i] == 2:
            size = math.ceil(size / 2)
    return size
