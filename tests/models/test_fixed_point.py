"""The linear model's fixed point is the analytic steady state (I - W_rec)^-1 (b + drive)."""

import torch

from cordsnet.engine import simulate
from cordsnet.models import CordsNet


def dense_conv(conv, channels: int, size: int) -> torch.Tensor:
    """The matrix of a (weight-normalised) convolution on a C x H x W map, column by column."""
    n = channels * size * size
    eye = torch.eye(n, dtype=torch.float64).reshape(n, channels, size, size)
    with torch.no_grad():
        cols = conv.double()(eye).reshape(n, -1)
    conv.float()
    return cols.T


def test_linear_fixed_point_matches_the_analytic_steady_state():
    torch.manual_seed(0)
    m = CordsNet(depth=2, in_channels=1, num_classes=10, width=0.0625, stem="small", image_size=6,
                 nonlinearity="identity")
    c, n = m.areas[0].spec.channels, m.areas[0].spec.size
    with torch.no_grad():
        for area in m.areas:
            area.rec.parametrizations.weight.original0.mul_(0.3)  # keep the recurrence contractive
            area.bias.normal_(0, 0.5)
    x = torch.randn(1, 1, 6, 6)
    with torch.inference_mode():
        out = simulate(m, [(x, 400)], spontaneous_steps=0, record=[0, 1], record_steps=slice(-1, None))
        s = m.stem(x).double()
        drive0 = m.areas[0].ff.double()(s).reshape(-1)
        m.float()
    w0 = dense_conv(m.areas[0].rec, c, n)
    assert torch.linalg.eigvals(w0).abs().max() < 1
    b0 = m.areas[0].bias.double().reshape(-1)
    r0 = torch.linalg.solve(torch.eye(w0.shape[0], dtype=torch.float64) - w0, b0 + drive0)
    torch.testing.assert_close(out.states[0][-1, 0].double().reshape(-1), r0, rtol=1e-5, atol=1e-6)
    # area 1 is driven by relu(r0) + Skip_in(s)
    with torch.inference_mode():
        u1 = torch.relu(r0.reshape(1, c, n, n)) + m.areas[1].skip.double()(s)
        drive1 = m.areas[1].ff.double()(u1).reshape(-1)
        m.float()
    w1 = dense_conv(m.areas[1].rec, c, n)
    b1 = m.areas[1].bias.double().reshape(-1)
    r1 = torch.linalg.solve(torch.eye(w1.shape[0], dtype=torch.float64) - w1, b1 + drive1)
    torch.testing.assert_close(out.states[1][-1, 0].double().reshape(-1), r1, rtol=1e-5, atol=1e-6)
