"""The temporal analyses (Fig 3A-B, Fig 4B-C) on small hand-built cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cordsnet.engine import simulate
from cordsnet.models import CordsNet, CordsNetCNN, discrete_rcnn
from cordsnet.temporal.analysis import (
    autonomous_trajectories,
    c5_trials,
    feature_map_frames,
    hold_analysis,
    repeated_letter,
    run_sequences,
    sequence_schedule,
    sequence_trials,
    settle_steps,
    step_spectrum,
)

KW = dict(depth=2, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=16)


def _images(n=8):
    gen = torch.Generator().manual_seed(1)
    return torch.randn(n, 1, 16, 16, generator=gen).abs(), torch.arange(n) % 10


def test_the_discrete_rcnn_replaces_its_state_every_step():
    torch.manual_seed(0)
    model = discrete_rcnn(**KW).eval()
    assert model.alpha == 1.0
    x, _ = _images(2)
    with torch.no_grad():
        out = simulate(model, [(x, 4)], spontaneous_steps=2, record=[0, 1])
        s = model.stem(x)
        for t in range(1, 4):
            prev = [out.states[i][t - 1] for i in range(2)]
            for i in range(2):
                # r_t = phi(W r_{t-1} + b + F u_t): nothing of r_{t-1} is kept besides what W carries
                torch.testing.assert_close(out.states[i][t], model.phi(model.preactivation(i, prev, s)),
                                           rtol=1e-5, atol=1e-6)


def test_settle_steps_on_hand_built_segments():
    classes = np.array([[1, 2, 3],
                        [1, 1, 3],
                        [1, 1, 4],
                        [1, 1, 3]])
    # column 0: right from the first step; column 1: from the 2nd; column 2: leaves and comes back, settles at 4
    np.testing.assert_array_equal(settle_steps(classes), [1, 2, 4])


def test_sequence_letters_show_different_classes_and_a_schedule_needs_segments():
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    picks = sequence_trials(labels, ["A", "blank", "B", "A"], 50, seed=0)
    assert set(picks) == {"A", "B"}
    assert bool((labels[picks["A"]] != labels[picks["B"]]).all())
    with pytest.raises(ValueError, match="temporal.sequence"):
        sequence_schedule([], {}, 5)
    with pytest.raises(ValueError, match="2 different classes"):
        sequence_trials(torch.zeros(5, dtype=torch.long), ["A", "B"], 3, seed=0)


def test_sequences_score_the_cnn_on_what_is_on_screen():
    torch.manual_seed(0)
    cnn = CordsNetCNN(**KW).eval()
    x, _ = _images(8)
    with torch.no_grad():
        y = cnn(x).argmax(1)  # labels the CNN gets right by construction
        res = run_sequences({"cnn": cnn, "cordsnet": CordsNet(**KW).eval()}, x, y, ["A", "blank", "A"], 5, 6, 2)
    cnn_res = res["models"]["cnn"]
    assert cnn_res["image_segments_correct"] == 1.0 and cnn_res["blank_segments_correct"] == 1.0
    assert cnn_res["image_settle_mean"] == 1.0
    assert res["models"]["cordsnet"]["classes"].shape == (15, 6)


def test_c5_pairs_the_repeat_with_its_first_showing_and_reads_the_window():
    torch.manual_seed(0)
    model = CordsNet(**KW).eval()
    x, y = _images(8)
    with torch.no_grad():
        res = run_sequences({"cordsnet": model}, x, y, ["A", "blank", "B", "A"], 6, 5, 2, window=(3, 6))
        with pytest.raises(ValueError, match="segment_steps"):
            run_sequences({"cordsnet": model}, x, y, ["A", "blank", "B", "A"], 6, 5, 2, window=(4, 8))
    assert repeated_letter(["A", "blank", "B", "A"]) == ("A", 0, 3) and repeated_letter(["A", "B"]) is None
    trials = res["models"]["cordsnet"]["per_trial"]
    classes = res["models"]["cordsnet"]["classes"]
    # stable: the class at steps 3..5 of the segment equals its last class
    seg0 = classes[0:6]
    np.testing.assert_array_equal(trials[0]["stable"], (seg0[3:] == seg0[-1]).all(0))
    c5 = c5_trials(res, ["A", "blank", "B", "A"], 6)
    assert (c5["first_segment"], c5["repeat_segment"], c5["window"]) == (0, 3, [3, 6])
    assert c5["first_correct"] == trials[0]["correct"].astype(int).tolist() and len(c5["repeat_correct"]) == 5
    assert c5["image_segments"] == 15  # three image segments of five trials; the blank is not counted
    assert c5["image_segments_stable"] == sum(int(trials[k]["stable"].sum()) for k in (0, 2, 3))


def test_feature_map_starts_at_the_spontaneous_state():
    torch.manual_seed(0)
    model = CordsNet(**KW).eval()
    x, _ = _images(1)
    fm = feature_map_frames(model, x[0], 1, [0, 1, 3], spontaneous_steps=4, channel=2)
    with torch.no_grad():
        spont = simulate(model, [(None, 1)], spontaneous_steps=4, batch_size=1).spontaneous[1][0, 2]
        third = simulate(model, [(x, 3)], spontaneous_steps=4, record=[1]).states[1][2, 0, 2]
    np.testing.assert_allclose(fm["frames"][0], spont.numpy(), rtol=1e-6)
    np.testing.assert_allclose(fm["frames"][2], third.numpy(), rtol=1e-5, atol=1e-6)


def test_a_linear_models_step_spectrum_is_that_of_its_weights():
    from cordsnet.dynamics import ConvOperator, dense_matrix
    from cordsnet.dynamics.eigen import match_eigenvalues

    torch.manual_seed(0)
    model = CordsNet(**{**KW, "width": 0.0625}, nonlinearity="identity").eval()
    states = [torch.rand(1, *s) for s in model.state_shapes()]
    got = step_spectrum(model, states, torch.rand(1, 1, 16, 16), k=6)
    a = model.alpha
    expected = np.concatenate([1 - a + a * np.linalg.eigvals(dense_matrix(ConvOperator(area.rec.weight, spec.size)))
                               for area, spec in zip(model.areas, model.arch.areas, strict=True)])
    expected = expected[np.argsort(-np.abs(expected))][:6]
    assert match_eigenvalues(got, expected) < 1e-6


def test_hold_analysis_refuses_a_window_outside_the_stimulus_and_reads_a_steady_model():
    torch.manual_seed(0)
    model = CordsNet(**KW).eval()
    x, y = _images(4)
    with pytest.raises(ValueError, match="hold_steps"):
        hold_analysis(model, x, y, window_end=30, readout_steps=3, hold_steps=20, spontaneous_steps=2)
    # a random contractive model settles: its answer and state at step 300 are those of step 200
    h = hold_analysis(model, x, y, window_end=200, readout_steps=3, hold_steps=300, spontaneous_steps=2)
    assert h["answer_kept"] == 1.0
    assert max(h["state_drift"]) < 1e-3


def test_autonomous_trajectories_return_towards_the_spontaneous_state():
    torch.manual_seed(0)
    model = CordsNet(**KW).eval()
    x, _ = _images(3)
    out = autonomous_trajectories(model, x, stimulus_steps=20, post_steps=80, spontaneous_steps=10)
    assert out["projected"].shape == (3, 100, 2)
    assert out["final_distance"] < 0.05
    assert 0 < out["mode_multiplier"] < 1 and out["mode_converged"]
