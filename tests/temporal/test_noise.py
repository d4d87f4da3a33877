"""The noise sweep (Fig 3C-D) on small hand-built models, where the answers are known."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cordsnet.models import CordsNet, CordsNetCNN
from cordsnet.temporal.noise import c4_summary, curve_area, noise_sweep, paired_difference
from cordsnet.training.evaluate import evaluate_recurrent

SIM = {"spontaneous_steps": 3, "stimulus_steps": 6, "readout_steps": 3}


def _models():
    torch.manual_seed(0)
    kw = dict(depth=2, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=16)
    return {"cordsnet": CordsNet(**kw).eval(), "cnn": CordsNetCNN(**kw).eval()}


def _images(n=12):
    gen = torch.Generator().manual_seed(1)
    return torch.randn(n, 1, 16, 16, generator=gen), torch.randint(0, 10, (n,), generator=gen)


def test_noiseless_level_gives_zero_error_and_the_plain_accuracy():
    models = _models()
    x, y = _images()
    out = noise_sweep(models, x, y, [0.0, 0.5, 2.0], SIM, batch_size=5)
    assert out["levels"] == [0.0, 0.5, 2.0]
    for m in models:
        err = out["activation_error"][m]
        assert err.shape == (3, 2)
        assert np.all(err[0] == 0.0)  # the same noiseless run twice: exactly zero
        assert np.all(err[2] > err[1]) and np.all(err[1] > 0)  # more noise, larger error
    # level 0 is Table 1's evaluation of the same images
    sim = {**SIM, "post_stimulus_steps": 0, "penalty_steps": 1, "precision": "fp32"}
    cfg = {"simulation": sim, "training": {"eval_max_images": None, "eval_batch_size": 5}}
    from cordsnet.training.protocol import cordsnet_protocol

    data = torch.utils.data.TensorDataset(x, y)
    ev = evaluate_recurrent(cordsnet_protocol(models["cordsnet"], sim), data, cfg, models["cordsnet"])
    assert out["accuracy"]["cordsnet"][0] == pytest.approx(ev["test_accuracy"])


def test_the_sweep_is_a_function_of_the_seed():
    models = _models()
    x, y = _images()
    a = noise_sweep(models, x, y, [1.0], SIM, seed=3, batch_size=5)
    b = noise_sweep(models, x, y, [1.0], SIM, seed=3, batch_size=5)
    c = noise_sweep(models, x, y, [1.0], SIM, seed=4, batch_size=5)
    assert np.array_equal(a["activation_error"]["cordsnet"], b["activation_error"]["cordsnet"])
    assert not np.array_equal(a["activation_error"]["cordsnet"], c["activation_error"]["cordsnet"])


def test_the_time_averaged_cnn_sees_the_noise_shrunk_by_the_root_of_its_frames():
    """C4's control: the CNN shown the mean of many frames of std 2 is nearly the noiseless CNN; one frame is not."""
    models = {"cnn": _models()["cnn"]}
    models["averaged"] = models["cnn"]
    x, y = _images(40)
    out = noise_sweep(models, x, y, [2.0], SIM, batch_size=20, averaged={"averaged": 10_000})
    err = {m: out["activation_error"][m][1].mean() for m in models}
    assert 0 < err["averaged"] < err["cnn"] / 300  # the noise's variance shrinks by the frames


def test_negative_noise_is_refused():
    models = _models()
    x, y = _images()
    with pytest.raises(ValueError, match=">= 0"):
        noise_sweep(models, x, y, [-0.1], SIM)


def test_curve_area_and_paired_difference():
    correct = np.array([[1, 1, 1], [1, 0, 0], [0, 0, 0]], dtype=bool)
    np.testing.assert_allclose(curve_area(correct, [0.0, 1.0, 2.0]), [1.0, 0.25, 0.0])
    d = paired_difference(np.array([1.0, 1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0, 0.0]))
    assert d["difference"] == pytest.approx(0.25)
    assert d["se"] == pytest.approx(np.std([1, 0, 0, 0], ddof=1) / 2)
    sweep = {"levels": [0.0, 1.0], "correct": {"cordsnet": np.ones((4, 2), bool), "cnn": np.zeros((4, 2), bool)}}
    s = c4_summary(sweep)
    assert s["area_under_curve"] == {"cordsnet": 1.0, "cnn": 0.0}
    assert s["differences"]["cordsnet - cnn"]["difference"] == 1.0
