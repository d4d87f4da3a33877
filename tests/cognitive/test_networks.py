"""The four network kinds: matched parameter counts, the convolution as a dense matrix, the shared dynamics."""

import numpy as np
import pytest
import torch

from cordsnet.cognitive.matching import KINDS, MatchingError, cube_side, match_parameters
from cordsnet.cognitive.networks import Integration, TaskRNN, simulate


def test_matching_follows_cordsnet_and_rounds_ties_up():
    m = match_parameters(125, 5)  # 5 channels on 5 x 5, 5 x 5 kernels: 625 weights
    assert (m.side, m.parameters("cordsnet"), m.parameters("sparse"), m.parameters("fc")) == (5, 625, 625, 15625)
    assert m.rank == 3  # 625 / 250 = 2.5: a tie between 500 and 750, the larger rank
    m = match_parameters(512, 7)  # 64 * 49 = 3136; 3136 / 1024 = 3.06
    assert m.rank == 3 and m.nnz == 3136 and m.density == pytest.approx(3136 / 512**2)
    assert match_parameters(216, 5, rank=1, density=0.5).parameters("sparse") == round(0.5 * 216**2)


@pytest.mark.parametrize("call, key, words", [
    (lambda: cube_side(100), "sizes", "the nearest are 64 and 125"),
    (lambda: match_parameters(125, 4), "kernel_size", "odd size from 1 to 9"),
    (lambda: match_parameters(125, 11), "kernel_size", "odd size from 1 to 9"),
    (lambda: match_parameters(125, 5, rank=200), "rank", "impossible for 125 units"),
    (lambda: match_parameters(125, 5, density=1e-6), "density", "impossible"),
])
def test_impossible_settings_name_their_key(call, key, words):
    with pytest.raises(MatchingError, match=words) as err:
        call()
    assert err.value.key == key


@pytest.mark.parametrize("kind", KINDS)
def test_counted_parameters_are_the_trainable_numbers_of_w(kind):
    m = match_parameters(27, 3)
    net = TaskRNN(kind, m, [0, 1], n_in=4, n_out=3)
    assert net.recurrent_parameters() == m.parameters(kind)
    net.weight()[0].sum().backward()  # which recurrent numbers reach network 0's W
    grads = [p.grad[0] for name, p in net.named_parameters() if name in ("w", "kernel", "u", "v")]
    reach = sum(int((g != 0).sum()) for g in grads)
    assert reach == m.parameters(kind)
    assert all((p.grad[1] == 0).all() for name, p in net.named_parameters() if p.grad is not None)


def test_cordsnet_matrix_is_the_zero_padded_convolution():
    m = match_parameters(64, 3)
    net = TaskRNN("cordsnet", m, [3], n_in=2, n_out=2)
    r = torch.randn(5, 64)
    dense = r @ net.weight()[0].T
    conv = torch.nn.functional.conv2d(r.view(5, 4, 4, 4), net.kernel[0], padding=1).reshape(5, 64)
    torch.testing.assert_close(dense, conv, atol=1e-6, rtol=1e-5)


def test_low_rank_and_sparse_matrices_have_their_structure():
    m = match_parameters(125, 5)
    low = TaskRNN("lowrank", m, [0], 3, 3).weight()[0].detach().numpy()
    assert np.linalg.matrix_rank(low) == m.rank
    sparse = TaskRNN("sparse", m, [0], 3, 3).weight()[0]
    assert int((sparse != 0).sum()) == m.nnz


def test_simulate_is_the_euler_equation_and_stacking_changes_nothing():
    m = match_parameters(27, 3)
    nets = [TaskRNN(k, m, [0, 1], n_in=4, n_out=3) for k in ("fc", "sparse")]
    dyn = Integration(alpha=0.2, sigma_in=0.0, sigma_rec=0.0)
    x = torch.rand(2, 12, 5, 4)
    rates, out = simulate(nets, x, dyn)
    # reference: network "sparse" of seed 1 alone, step by step
    net = nets[1].select(1)
    r = torch.zeros(5, 27)
    for t in range(12):
        r = 0.8 * r + 0.2 * torch.relu(r @ net.weight()[0].T + x[1, t] @ net.w_in[0] + net.bias[0])
        torch.testing.assert_close(rates[3, t], r, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(out[3, -1], torch.sigmoid(r @ net.w_out[0] + net.b_out[0]), atol=1e-6, rtol=1e-5)
    alone, _ = simulate([nets[1]], x, dyn)
    torch.testing.assert_close(alone, rates[2:], atol=1e-6, rtol=1e-5)


def test_noise_is_seeded_and_shared_by_kinds():
    m = match_parameters(8, 1)
    nets = [TaskRNN(k, m, [0], n_in=2, n_out=2) for k in ("fc", "fc")]
    x = torch.zeros(1, 6, 3, 2)
    a, _ = simulate(nets, x, Integration(), noise_seed=5)
    b, _ = simulate(nets, x, Integration(), noise_seed=5)
    c, _ = simulate(nets, x, Integration(), noise_seed=6)
    assert torch.equal(a, b) and not torch.equal(a, c)
    torch.testing.assert_close(a[0], a[1])  # two identical networks, one noise realisation
