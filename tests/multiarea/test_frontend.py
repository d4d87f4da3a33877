"""The frozen front end's responses to a bank: the engine's states, pooled over maps and downstream steps."""

import numpy as np
import pytest
import torch

from cordsnet.engine import simulate
from cordsnet.models import CordsNet
from cordsnet.multiarea.frontend import FrontEndError, bank_features, check_format, segment_steps, to_input


def _model():
    torch.manual_seed(0)
    return CordsNet(depth=2, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=16).eval()


def test_features_are_the_areas_channel_means_averaged_per_downstream_step():
    model = _model()
    rng = np.random.default_rng(0)
    frames = rng.random((5, 3, 16, 16)).astype(np.float32)  # trials, segments
    feats = bank_features(model, frames, [20.0, 40.0, 20.0], 2.0, 5, [0, 1], spontaneous_steps=4, mean=[0.5],
                          std=[0.25], batch_size=2)
    c0, c1 = model.areas[0].spec.channels, model.areas[1].spec.channels
    assert feats.shape == (5, 80 // 10, c0 + c1)
    schedule = [(to_input(frames[:, k], 1, [0.5], [0.25]), s) for k, s in enumerate([10, 20, 10])]
    with torch.no_grad():
        res = simulate(model, schedule, spontaneous_steps=4, record=[1])
    area1 = torch.relu(res.states[1]).mean((3, 4))  # (40, 5, C1)
    expected = area1[5:10].mean(0).numpy()  # the second downstream step: front-end steps 5..9
    assert np.allclose(feats[:, 1, c0:], expected, atol=1e-5)


def test_formats_and_clocks_that_do_not_fit_are_named():
    model = _model()
    with pytest.raises(FrontEndError, match="multiarea.frontend"):
        check_format(model, 3, 224, "multiarea.frontend")
    check_format(model, 1, 16, "multiarea.frontend")
    with pytest.raises(FrontEndError, match="whole multiples"):
        segment_steps([21.0, 40.0], 2.0)
    with pytest.raises(FrontEndError, match="dt_ms"):
        bank_features(model, np.zeros((1, 1, 16, 16), np.float32), [22.0], 2.0, 5, [0], 2, [0.5], [0.25])
