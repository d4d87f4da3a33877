"""A trained network's activity over time as features, and the time-invariant baselines."""

import numpy as np
import torch

from cordsnet.models import CordsNet
from cordsnet.models.cnn import CordsNetCNN
from cordsnet.neural.features import (
    area_time_courses,
    cnn_features,
    held_constant,
    steady_state_features,
)


def _model() -> CordsNet:
    torch.manual_seed(0)
    return CordsNet(depth=2, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=16).eval()


def test_time_courses_are_pooled_rectified_activity_per_step():
    model = _model()
    images = torch.rand(5, 1, 16, 16)
    out = area_time_courses(model, images, on_steps=6, off_steps=3, areas=[0, 1], spontaneous_steps=4, pool=2,
                            batch_size=2)
    for area, feats in out.steps.items():
        channels = model.areas[area].spec.channels
        assert feats.shape == (9, 5, channels * 4) and (feats >= 0).all()
        assert out.spontaneous[area].shape == (channels * 4,)
    assert not np.allclose(out.steps[1][0], out.steps[1][5])  # activity evolves after onset
    full = out.with_pre_onset(1, 2)
    assert full.shape == (11, 5, out.steps[1].shape[2])
    assert np.array_equal(full[0, 3], out.spontaneous[1]) and np.array_equal(full[2:], out.steps[1])
    base = held_constant(out.steps[1][-1], 3)
    assert base.shape == (3, 5, out.steps[1].shape[2]) and np.array_equal(base[0], base[2])


def test_steady_state_is_the_last_step_of_the_window():
    model = _model()
    images = torch.rand(4, 1, 16, 16)
    courses = area_time_courses(model, images, on_steps=7, areas=[1], spontaneous_steps=4)
    steady = steady_state_features(model, images, 7, [1], spontaneous_steps=4, batch_size=3)
    assert np.allclose(steady[1], courses.steps[1][-1], atol=1e-6)


def test_cnn_features_are_its_pooled_area_outputs():
    torch.manual_seed(0)
    cnn = CordsNetCNN(depth=2, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=16).eval()
    images = torch.rand(5, 1, 16, 16)
    feats = cnn_features(cnn, images, [0, 1], pool=1, batch_size=2)
    _, _, acts = cnn.features(images)
    assert np.allclose(feats[1], acts[1].mean((2, 3)).detach().numpy(), atol=1e-6)
    assert feats[0].shape == (5, cnn.areas[0].spec.channels)
