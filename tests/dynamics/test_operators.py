import numpy as np
import pytest
import torch

from cordsnet.dynamics import ConvOperator, area_jacobian, as_linear_operator, dense_matrix
from cordsnet.engine import simulate
from cordsnet.models import CordsNet


def test_matvec_is_the_convolution_and_batches():
    torch.manual_seed(0)
    w = torch.randn(3, 3, 3, 3, dtype=torch.float64)
    op = ConvOperator(w, 5)
    v = torch.randn(4, op.n, dtype=torch.float64)
    expected = torch.nn.functional.conv2d(v.reshape(4, 3, 5, 5), w, padding=1).reshape(4, -1)
    torch.testing.assert_close(op.matvec(v), expected)
    torch.testing.assert_close(op.matvec(v[0]), expected[0])
    A = dense_matrix(op)
    torch.testing.assert_close(v @ A.T, expected)


def test_scipy_linear_operator_agrees_including_complex_vectors():
    torch.manual_seed(1)
    op = ConvOperator(torch.randn(2, 2, 3, 3, dtype=torch.float64), 4)
    lin = as_linear_operator(op)
    A = dense_matrix(op).numpy()
    x = np.random.default_rng(0).standard_normal(op.n) + 1j * np.random.default_rng(1).standard_normal(op.n)
    np.testing.assert_allclose(lin.matvec(x), A @ x, atol=1e-12)
    X = np.random.default_rng(2).standard_normal((op.n, 3))
    np.testing.assert_allclose(lin.matmat(X), A @ X, atol=1e-12)


def test_operator_rejects_bad_kernels_and_large_dense():
    with pytest.raises(ValueError, match="square"):
        ConvOperator(torch.zeros(2, 3, 3, 3), 4)
    with pytest.raises(ValueError, match="odd"):
        ConvOperator(torch.zeros(2, 2, 2, 2), 4)
    with pytest.raises(ValueError, match="too large to materialise"):
        dense_matrix(ConvOperator(torch.zeros(64, 64, 3, 3), 56))


def test_area_jacobian_matches_autograd():
    torch.manual_seed(0)
    m = CordsNet(depth=2, in_channels=1, num_classes=10, width=0.0625, stem="small", image_size=6)
    with torch.no_grad():
        for a in m.areas:
            a.bias.normal_(0, 0.3)
    x = torch.randn(1, 1, 6, 6)
    with torch.inference_mode():
        out = simulate(m, [(x, 30)], spontaneous_steps=10)
    states = [s.clone().float() for s in out.final_states]
    J = dense_matrix(area_jacobian(m, 1, states, x, tau=1.0))
    area = m.areas[1]

    def f(r1):
        with torch.no_grad():
            u = torch.relu(states[0]) + area.skip(m.stem(x))
            drive = area.ff(u)
        pre = area.rec(r1.reshape(1, *m.state_shapes()[1])) + area.bias + drive
        return (-r1 + torch.relu(pre).reshape(-1))

    auto = torch.autograd.functional.jacobian(f, states[1].reshape(-1))
    torch.testing.assert_close(J.float(), auto, rtol=1e-4, atol=1e-5)
