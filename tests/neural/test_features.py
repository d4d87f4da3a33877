"""A trained network's activity over time as features, and the time-invariant baseline."""

import numpy as np
import torch

from cordsnet.models import CordsNet
from cordsnet.neural.features import area_time_courses, held_constant


def test_time_courses_are_pooled_rectified_activity_per_step():
    torch.manual_seed(0)
    model = CordsNet(depth=2, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=16).eval()
    images = torch.rand(5, 1, 16, 16)
    out = area_time_courses(model, images, steps=6, areas=[0, 1], spontaneous_steps=4, pool=2, batch_size=2)
    for area, feats in out.items():
        channels = model.areas[area].spec.channels
        assert feats.shape == (6, 5, channels * 4) and (feats >= 0).all()
    assert not np.allclose(out[1][0], out[1][-1])  # activity evolves after onset
    base = held_constant(out[1][-1], 3)
    assert base.shape == (3, 5, out[1].shape[2]) and np.array_equal(base[0], base[2])
