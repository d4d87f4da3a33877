"""Model steps on the recordings' clock."""

import numpy as np
import pytest

from cordsnet.neural.timebins import BinError, bin_average, step_times


def test_steps_and_bins_line_up():
    assert np.allclose(step_times(4, 2.0, latency=50.0), [52, 54, 56, 58])
    activity = np.arange(100, dtype=float)[:, None] * np.ones((1, 3))  # step k has value k, at (k + 1) * 2 ms
    binned = bin_average(activity, 2.0, np.array([70.0, 80.0]), np.array([90.0, 100.0]))
    # [70, 90): times 70..88 -> steps 34..43; [80, 100): steps 39..48
    assert np.allclose(binned[:, 0], [np.mean(range(34, 44)), np.mean(range(39, 49))])
    shifted = bin_average(activity, 2.0, np.array([70.0]), np.array([90.0]), latency=20.0)
    assert shifted[0, 0] == pytest.approx(np.mean(range(24, 34)))


def test_uncovered_bins_say_how_long_to_simulate():
    with pytest.raises(BinError, match="simulate at least 140 stimulus steps"):
        bin_average(np.zeros((100, 2)), 2.0, np.array([260.0]), np.array([280.0]))
    with pytest.raises(BinError, match="no simulated step falls"):
        bin_average(np.zeros((100, 2)), 2.0, np.array([-100.0]), np.array([-80.0]))


def test_pre_onset_steps_fill_bins_before_the_latency():
    pre = 10  # steps -9..0 before onset hold 1, the response after onset 2
    activity = np.concatenate([np.ones((pre, 1)), 2 * np.ones((50, 1))])
    assert np.allclose(step_times(12, 2.0, pre_steps=pre)[[0, 9, 10]], [-18.0, 0.0, 2.0])
    binned = bin_average(activity, 2.0, np.array([0.0, 20.0, 40.0]), np.array([20.0, 40.0, 60.0]), latency=20.0,
                         pre_steps=pre)
    # [20, 40) holds times 20 (the last pre-onset step) .. 38 (nine response steps)
    assert np.allclose(binned[:, 0], [1.0, 1.9, 2.0])
