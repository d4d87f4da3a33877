"""Banks of trials: periods, frames per period, targets, conditions."""

import numpy as np
import pytest

from cordsnet.multiarea import stimuli as st
from cordsnet.multiarea import tasks as T

D = {"fixation": 200.0, "stimulus": 300.0, "delay": 300.0, "response": 200.0}


def test_every_task_shows_black_then_the_stimulus_then_black():
    rng = np.random.default_rng(0)
    protos = (np.zeros((28, 28), np.float32), np.ones((28, 28), np.float32))
    banks = [T.numerosity(12, 28, rng, D, 5), T.category(12, protos, rng, D, [0.0, 0.2, 0.8, 1.0]),
             T.odr(12, 28, rng, D, 8), T.motion(12, 28, rng, D, [0.0, 1.0], frame_ms=20.0)]
    for bank in banks:
        assert bank.periods["response"] == (800.0, 1000.0) and bank.go_ms == 800.0
        assert sum(bank.segment_ms) == pytest.approx(1000.0)
        assert bank.frames[:, 0].max() == 0 and bank.frames[:, -1].max() == 0  # fixation and delay are black
        assert bank.frames[:, 1].max() > 0
        assert bank.target.min() >= 0 and bank.target.max() < bank.n_choices
    numerosity, category, odr, motion = banks
    counts = [st.count_dots(f) for f in numerosity.frames[:, 1]]
    assert np.array_equal(np.array(counts) - 1, numerosity.target) and numerosity.n_choices == 5
    assert np.array_equal(category.target, (category.condition > 0.5).astype(int))
    assert np.allclose(category.frames[:, 1].mean((1, 2)), category.condition)  # black-to-white morph
    assert np.array_equal(odr.target, odr.condition) and odr.n_choices == 8
    assert motion.frames.shape[1] == 1 + 15 + 1 and motion.segment_ms[1] == 20.0
    for f, c, d in zip(motion.frames, motion.condition, motion.info["direction"], strict=True):
        measured, seen = st.measured_coherence(f[1:-1])
        assert abs(measured - c) < 0.2 and (c < 1 or seen == d)
    assert np.array_equal(motion.target, (motion.info["direction"] > 0).astype(int))


def test_a_boundary_morph_is_refused():
    protos = (np.zeros((4, 4)), np.ones((4, 4)))
    with pytest.raises(st.StimulusError, match="0.5"):
        T.category(4, protos, np.random.default_rng(0), D, [0.0, 0.5, 1.0])


def test_numerosity_match_to_sample_shows_a_sample_then_a_test_array():
    durations = {**D, "test": 300.0}
    bank = T.numerosity_match(40, 28, np.random.default_rng(3), durations, 5)
    assert list(bank.periods) == list(T.MATCH_PERIODS) and bank.go_ms == 1100.0 and bank.n_choices == 2
    assert bank.frames.shape[1] == 5 and bank.frames[:, 2].max() == 0 and bank.frames[:, 4].max() == 0
    sample = np.array([st.count_dots(f) for f in bank.frames[:, 1]])
    test = np.array([st.count_dots(f) for f in bank.frames[:, 3]])
    assert np.array_equal(sample, bank.info["sample"]) and np.array_equal(test, bank.info["test"])
    assert np.array_equal(bank.target, (sample == test).astype(int))
    assert np.array_equal(bank.condition, test - sample) and np.abs(bank.condition).max() <= 2
    assert 0.3 < bank.target.mean() < 0.7 and test.min() >= 1 and test.max() <= 5
