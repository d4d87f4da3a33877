"""Batch-norm folding (training step 2): the CNN counterpart without BN, exactly, and its transfer into CordsNet.

For an area, BN_rec(Conv_rec(BN_ff(Conv_ff(u)))) with BN(y) = a * y + c per channel (eval mode: a = gamma /
sqrt(var + eps), c = beta - a * mean) becomes Conv_rec'(Conv_ff'(u)) + B, with Conv_ff' = a_ff * Conv_ff,
Conv_rec' = a_rec * Conv_rec and a per-unit bias map B = a_rec * Conv_rec(c_ff) + c_rec. Because Conv_rec pads with
zeros, Conv_rec(c_ff) of a constant map is not constant at the border: this is why CordsNet's biases are per unit.
A skip's BN becomes a scaled skip convolution plus a constant map that, pushed through the next Conv_ff, joins that
area's bias.
"""

from __future__ import annotations

import torch
from torch import nn

from cordsnet.models.blocks import compose_input, readout_features
from cordsnet.models.cnn import CordsNetCNN
from cordsnet.models.cordsnet import CordsNet


def bn_affine(bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """(a, c) with BN(y) = a * y + c per channel, in eval mode."""
    a = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return a, bn.bias - a * bn.running_mean


def _const_map(c: torch.Tensor, size: int) -> torch.Tensor:
    return c.reshape(1, -1, 1, 1).expand(1, -1, size, size)


class FoldedCNN(nn.Module):
    """The CNN counterpart with BN folded away: per area pre = Conv_rec'(Conv_ff'(u)) + B (per-unit), exact."""

    def __init__(self, cnn: CordsNetCNN):
        super().__init__()
        self.arch = cnn.arch
        self.stem = cnn.stem
        self.readout = cnn.readout
        self.ff = nn.ModuleList()
        self.rec = nn.ModuleList()
        self.skip = nn.ModuleList()
        self.biases = nn.ParameterList()
        with torch.no_grad():
            for area in cnn.areas:
                spec = area.spec
                a_ff, c_ff = bn_affine(area.bn_ff)
                a_rec, c_rec = bn_affine(area.bn_rec)
                ff = _conv_like(area.ff)
                ff.weight.copy_(area.ff.weight * a_ff.reshape(-1, 1, 1, 1))
                rec = _conv_like(area.rec)
                rec.weight.copy_(area.rec.weight * a_rec.reshape(-1, 1, 1, 1))
                bias = a_rec.reshape(-1, 1, 1) * area.rec(_const_map(c_ff, spec.size))[0] + c_rec.reshape(-1, 1, 1)
                skip: nn.Module = nn.Identity()
                if area.skip is not None:
                    a_s, c_s = bn_affine(area.bn_skip)
                    skip = _conv_like(area.skip)
                    skip.weight.copy_(area.skip.weight * a_s.reshape(-1, 1, 1, 1))
                    in_size = spec.size * spec.stride
                    bias = bias + rec(ff(_const_map(c_s, in_size)))[0]
                self.ff.append(ff)
                self.rec.append(rec)
                self.skip.append(skip)
                self.biases.append(nn.Parameter(bias.clone()))

    def features(self, x: torch.Tensor):
        s = self.stem(x)
        pre, acts, drives = [], [], []
        for i, spec in enumerate(self.arch.areas):
            skip = self.skip[i] if spec.skip in ("stem", "proj") else None
            u = compose_input(spec, acts, s, skip)
            drive = self.ff[i](u)
            p = self.rec[i](drive) + self.biases[i]
            drives.append(drive)
            pre.append(p)
            acts.append(torch.relu(p))
        return s, pre, acts, drives

    def forward(self, x: torch.Tensor) -> torch.Tensor:

        _, _, acts, _ = self.features(x)
        return self.readout(readout_features(acts))


def _conv_like(conv: nn.Conv2d) -> nn.Conv2d:
    return nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, bias=False)


def set_weight(wn_module: nn.Module, weight: torch.Tensor) -> None:
    """Assign an effective weight to a (possibly weight-normalised) module: g = ||w|| per output, v = w.

    An all-zero output row would make v / ||v|| undefined (0/0); it gets an arbitrary direction v and g = 0, so
    the effective weight is still exactly zero.
    """
    with torch.no_grad():
        if not hasattr(wn_module, "parametrizations"):
            wn_module.weight.copy_(weight)
            return
        weight = weight.detach().clone()
        dead = weight.flatten(1).norm(dim=1) == 0
        weight[dead] = 1.0  # any direction: g = 0 below makes the effective row exactly zero
        wn_module.weight = weight  # parametrize's right inverse sets (g, v)
        wn_module.parametrizations.weight.original0[dead] = 0.0


@torch.no_grad()
def transfer_to_cordsnet(folded: FoldedCNN, model: CordsNet) -> None:
    """Copy the stem, feedforward and skip weights and the readout of a folded CNN into ``model`` (stage s2 start).

    The feedforward path is then exactly the CNN's. The per-unit biases are set to the folded CNN's; the
    recurrent kernels and biases are then fitted by the steady-state matching (which starts both from 0, see
    :class:`~cordsnet.training.steady_state.SteadyStateMatcher`) and written over them.
    """
    set_weight(model.stem.conv, folded.stem.conv.weight.detach().clone())
    for i, area in enumerate(model.areas):
        set_weight(area.ff, folded.ff[i].weight.detach().clone())
        if area.skip is not None:
            set_weight(area.skip, folded.skip[i].weight.detach().clone())
        area.bias.copy_(folded.biases[i])
    set_weight(model.readout, folded.readout.weight.detach().clone())
    model.readout.bias.copy_(folded.readout.bias)
