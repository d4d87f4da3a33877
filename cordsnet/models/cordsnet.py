"""CordsNet-R2/R4/R6/R8: the continuous-time convolutional RNN (REFERENCE.md section 1).

Per area l: tau dr_l/dt = -r_l + phi(Conv_rec_l(r_l) + b_l + Conv_ff_l(u_l)), discretised by forward Euler with
alpha = dt / tau: r_l <- (1 - alpha) r_l + alpha phi(...). ``phi`` is the area nonlinearity that the training
stages change (identity for the linear RNN, a PReLU whose shared slope is annealed from 1 to 0, then ReLU);
the rectification between areas and before the readout is always a ReLU, as in the CNN the model is
initialised from.

The model holds parameters and the equations of one area (:meth:`CordsNet.preactivation`, :meth:`CordsNet.phi`,
:meth:`CordsNet.phi_derivative`); :mod:`cordsnet.engine` simulates it (``simulate(model, [(images, steps)])``), the
compute accounting counts it and the dynamics toolkit linearises it, all through these methods. The models do not
import the engine.
"""

from __future__ import annotations

import torch
from torch import nn

from cordsnet.data.registry import dataset_info
from cordsnet.models.architecture import Architecture, AreaSpec, architecture
from cordsnet.models.blocks import Stem, compose_input, conv, linear, skip_module

NONLINEARITIES = ("identity", "prelu", "relu")


class Area(nn.Module):
    """One recurrent area: feedforward conv, recurrent 3x3 conv, per-unit bias (C x H x W), optional skip."""

    def __init__(self, spec: AreaSpec, weight_norm: bool = True):
        super().__init__()
        self.spec = spec
        self.ff = conv(spec.in_channels, spec.channels, 3, spec.stride, weight_norm)
        self.rec = conv(spec.channels, spec.channels, 3, 1, weight_norm)
        self.bias = nn.Parameter(torch.zeros(spec.channels, spec.size, spec.size))
        self.skip = skip_module(spec, weight_norm)


class CordsNet(nn.Module):
    def __init__(self, depth: int = 8, in_channels: int = 3, num_classes: int = 1000, width: float = 1.0,
                 stem: str = "paper", image_size: int = 224, alpha: float = 0.2, nonlinearity: str = "relu",
                 slope: float = 0.0, weight_norm: bool = True):
        super().__init__()
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha = dt/tau must be in (0, 1], got {alpha}")
        self.arch: Architecture = architecture(depth, in_channels, num_classes, width, stem, image_size)
        self.alpha = float(alpha)
        self.stem = Stem(self.arch, weight_norm)
        self.areas = nn.ModuleList(Area(spec, weight_norm) for spec in self.arch.areas)
        self.readout = linear(self.arch.readout_channels, num_classes, weight_norm)
        self.register_buffer("slope", torch.tensor(float(slope)))
        self.nonlinearity = "relu"
        self.set_nonlinearity(nonlinearity, slope if nonlinearity == "prelu" else None)

    # -- configuration -------------------------------------------------------------------------------------
    @classmethod
    def from_config(cls, model_cfg: dict, dataset: str, depth: int, image_size: int | None = None,
                    **overrides) -> CordsNet:
        """Build from the ``model`` section of a configuration for ``dataset`` at ``depth``."""
        info = dataset_info(dataset)
        kwargs = dict(depth=depth, in_channels=info.channels, num_classes=info.num_classes,
                      width=model_cfg["width"], stem=model_cfg["stem"],
                      image_size=image_size or info.native_size, alpha=model_cfg["alpha"],
                      weight_norm=model_cfg["weight_norm"])
        kwargs.update(overrides)
        return cls(**kwargs)

    @property
    def depth(self) -> int:
        return self.arch.depth

    def set_nonlinearity(self, kind: str, slope: float | None = None) -> None:
        """identity (slope 1), prelu with a shared negative ``slope``, or relu (slope 0)."""
        if kind not in NONLINEARITIES:
            raise ValueError(f"unknown nonlinearity '{kind}'; choose one of {NONLINEARITIES}")
        if kind == "prelu":
            if slope is None:
                raise ValueError("prelu needs its shared negative slope (1 = linear, 0 = relu)")
            self.slope.fill_(float(slope))
        else:
            self.slope.fill_(1.0 if kind == "identity" else 0.0)
        self.nonlinearity = kind

    def phi(self, x: torch.Tensor) -> torch.Tensor:
        """The area nonlinearity of the dynamics."""
        if self.nonlinearity == "relu":
            return torch.relu(x)
        if self.nonlinearity == "identity":
            return x
        return torch.where(x >= 0, x, x * self.slope)

    def phi_derivative(self, pre: torch.Tensor) -> torch.Tensor:
        """phi'(pre): 1 or 0 for relu (0 at 0), 1 for identity, 1 or the slope for prelu (1 at 0)."""
        if self.nonlinearity == "relu":
            return (pre > 0).to(pre.dtype)
        if self.nonlinearity == "identity":
            return torch.ones_like(pre)
        return torch.where(pre >= 0, torch.ones_like(pre), self.slope.expand_as(pre))

    def preactivation(self, area: int, states: list[torch.Tensor], s: torch.Tensor | None) -> torch.Tensor:
        """Conv_rec(r_l) + b_l + Conv_ff(u_l) of area ``area``, with u_l composed from relu of ``states``.

        ``s`` is the stem output of the image on screen, or None for a blank screen (the stem has no bias, so a
        blank image drives nothing). This is the equation as REFERENCE.md writes it, recomputing everything: the
        plain reference simulation and the Jacobian use it; the engine computes the same sums with less work.
        """
        spec = self.arch.areas[area]
        a = self.areas[area]
        acts = [torch.relu(r) for r in states]
        if s is None and spec.skip in ("none", "stem"):
            u = acts[0] if spec.skip == "stem" else None
        else:
            u = compose_input(spec, acts, s, a.skip)
        pre = a.rec(states[area]) + a.bias
        return pre if u is None else pre + a.ff(u)

    def state_shapes(self) -> list[tuple[int, int, int]]:
        return [(a.channels, a.size, a.size) for a in self.arch.areas]


def discrete_rcnn(**kwargs) -> CordsNet:
    """The discrete-time recurrent CNN baseline of Fig 3B: the same graph with alpha = 1.

    With alpha = dt / tau = 1 the Euler update becomes r_t = phi(W_rec r_{t-1} + b + W_ff u_t): every step replaces
    the state, as in discrete-time recurrent CNNs (CORnet-style), instead of relaxing towards it.
    """
    kwargs["alpha"] = 1.0
    return CordsNet(**kwargs)
