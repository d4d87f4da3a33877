"""Targets, cost mask and the criterion of a correct trial, at given steps."""

import numpy as np

from cordsnet.multiarea import tasks as T
from cordsnet.multiarea.targets import HIGH, LOW, batch, correct, fixation_input, standardise, targets_and_mask

D = {"fixation": 200.0, "stimulus": 300.0, "delay": 300.0, "response": 200.0}


def _bank():
    return T.odr(4, 28, np.random.default_rng(0), D, 8)


def test_targets_and_mask_at_given_steps():
    bank = _bank()
    targets, mask = targets_and_mask(bank, 20.0, grace_ms=100.0)
    assert targets.shape == (50, 4, 9)
    assert np.all(targets[:40, :, 0] == HIGH) and np.all(targets[40:, :, 0] == LOW)
    for b, t in enumerate(bank.target):
        assert targets[45, b, 1 + t] == HIGH and np.sum(targets[45, b, 1:] == HIGH) == 1
        assert np.all(targets[30, b, 1:] == LOW)
    assert np.all(mask[40:45] == 0)  # the first 100 ms of the response are not scored
    assert mask[46, 0, 1] == 5 and mask[46, 0, 0] == 10 and mask[10, 0, 0] == 2
    assert np.array_equal(fixation_input(bank, 20.0), (np.arange(50) < 40).astype(np.float32))


def test_a_correct_trial_holds_fixation_then_answers():
    bank = _bank()
    index = np.arange(4)
    targets, _ = targets_and_mask(bank, 20.0)
    assert correct(targets, bank, index, 20.0).all()
    broken = targets.copy()
    broken[20, 0, 0] = 0.1  # breaks fixation early
    wrong = targets.copy()
    wrong[-1, 1, 1:] = wrong[-1, 1, 1:][::-1]  # answers another location
    assert not correct(broken, bank, index, 20.0)[0] and not correct(wrong, bank, index, 20.0)[1]


def test_a_batch_is_standardised_features_plus_the_fixation_input():
    bank = _bank()
    feats = np.random.default_rng(1).normal(3.0, 5.0, size=(4, 50, 6))
    z, mean, std = standardise(feats)
    assert abs(z.mean()) < 1e-5 and abs(z.std() - 1) < 1e-3
    b = batch(bank, z, np.array([2, 0]), 20.0)
    assert b.inputs.shape == (50, 2, 7) and b.steps == 50
    assert np.allclose(b.inputs[:, 0, :6], z[2]) and np.array_equal(b.inputs[:, 1, 6], fixation_input(bank, 20.0))
