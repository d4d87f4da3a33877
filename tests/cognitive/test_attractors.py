"""Fixed points, shape measures and readout alignment on networks and point sets with known answers."""

import numpy as np
import pytest
import torch

from cordsnet.cognitive.attractors import (
    FixedPoints,
    classify,
    count_clusters,
    fixed_points,
    neighbours_kept,
    output_alignment,
    shape_measures,
)
from cordsnet.cognitive.matching import match_parameters
from cordsnet.cognitive.networks import Integration, TaskRNN


def test_fixed_point_of_a_network_in_its_linear_range_is_the_analytic_one():
    net = TaskRNN("fc", match_parameters(8, 1), [0], n_in=3, n_out=2)
    with torch.no_grad():
        net.w.mul_(0.2)
        net.bias.fill_(5.0)  # every unit driven well above zero: ReLU acts as the identity
    drive = np.array([1.0, 0.0, 0.5])
    w = net.weight()[0].detach().double().numpy()
    c = drive @ net.w_in[0].detach().double().numpy() + net.bias[0].detach().double().numpy()
    exact = np.linalg.solve(np.eye(8) - w, c)
    assert (exact > 0).all()
    fp = fixed_points(net, drive, np.zeros((3, 8)) + np.arange(3)[:, None], Integration(), steps=3000, lr=0.05)
    assert np.abs(fp.states - exact).max() < 1e-3 and fp.speed.max() < 1e-6


def test_neighbours_are_kept_on_a_bent_loop_and_lost_when_shuffled():
    phi = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    saddle = np.stack([np.cos(phi), np.sin(phi), np.cos(2 * phi)], 1)  # a ring through three dimensions
    assert neighbours_kept(saddle, circular=True) == 1.0
    assert neighbours_kept(saddle[np.random.default_rng(0).permutation(16)], circular=True) < 0.5
    line = np.linspace(0, 1, 11)[:, None] * np.ones((1, 3))
    assert neighbours_kept(line, circular=False) == 1.0


def test_shapes_are_told_apart():
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(20, 3)))[0].T
    phi = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = np.stack([np.cos(phi), np.sin(phi), 0 * phi], 1) @ basis
    line = np.stack([np.linspace(-1, 1, 16), 0.05 * rng.normal(size=16), 0.05 * rng.normal(size=16)], 1) @ basis
    centres = ring[::4]
    points = np.repeat(centres, 4, 0) + 0.01 * rng.normal(size=(16, 20))
    for states, ends, expected in ((ring, ring, "ring"), (line, line, "line"), (points, np.repeat(centres, 4, 0),
                                                                                  "points")):
        m = shape_measures(states, FixedPoints(ends, np.zeros(16)), speed_tol=1e-4, merge=0.1,
                           circular=expected != "line")
        found = classify(m, ring_neighbours=0.75, ring_closure=3.0, line_pc1=0.8, max_points=8)
        assert found == expected, (expected, m)
    assert count_clusters(np.repeat(centres, 4, 0), 0.1) == 4


def test_readout_alignment():
    readout = np.eye(6)[:, :2]
    inside = np.random.default_rng(1).normal(size=(10, 2)) @ readout.T
    assert output_alignment(inside, readout) == pytest.approx(1.0)
    outside = np.random.default_rng(2).normal(size=(10, 4)) @ np.eye(6)[:, 2:].T
    assert output_alignment(outside, readout) == pytest.approx(0.0, abs=1e-12)
