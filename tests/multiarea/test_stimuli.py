"""The renderers draw what they are asked, measured back from the pixels."""

import math

import numpy as np
import pytest

from cordsnet.multiarea import stimuli as st


@pytest.mark.parametrize("equal_area", [False, True])
def test_dot_arrays_hold_the_asked_number_of_separate_dots(equal_area):
    rng = np.random.default_rng(0)
    areas = {}
    for n in range(1, 6):
        for _ in range(5):
            img = st.dot_array(n, 28, rng, radius=2.0, equal_area=equal_area, reference=3)
            assert st.count_dots(img) == n
            assert img[0].max() == img[-1].max() == img[:, 0].max() == img[:, -1].max() == 0  # off the border
        areas[n] = img.sum()
    if equal_area:  # the total area does not tell the number (within pixelisation)
        assert max(areas.values()) / min(areas.values()) < 1.6
    else:
        assert areas[5] > 3 * areas[1]


def test_too_many_dots_name_the_setting():
    with pytest.raises(st.StimulusError, match="multiarea.numerosity.max_dots"):
        st.dot_array(40, 16, np.random.default_rng(0), radius=2.0, tries=50)
    assert st.max_dots(28, 2.0) >= 5 and st.max_dots(16, 2.0) < 5


def test_morph_fraction_is_measured_back():
    rng = np.random.default_rng(1)
    a, b = rng.random((28, 28)), rng.random((28, 28))
    for f in (0.0, 0.2, 0.8, 1.0):
        assert st.morph_fraction(st.morph(a, b, f), a, b) == pytest.approx(f, abs=1e-5)
    with pytest.raises(st.StimulusError, match="fractions"):
        st.morph(a, b, 1.2)


def test_cue_location_is_measured_back():
    for k in range(8):
        angle = st.cue_angle(st.cue(k, 8, 28))
        diff = (angle - 2 * math.pi * k / 8 + math.pi) % (2 * math.pi) - math.pi
        assert abs(diff) < 0.15


@pytest.mark.parametrize("coherence", [0.0, 0.25, 0.5, 1.0])
@pytest.mark.parametrize("direction", [-1, 1])
def test_motion_coherence_and_direction_are_measured_back(coherence, direction):
    frames = st.motion_frames(coherence, direction, 40, 28, np.random.default_rng(2), dots=30, step=2)
    measured, seen = st.measured_coherence(frames, step=2)
    assert abs(measured - coherence) < 0.08
    if coherence >= 0.25:
        assert seen == direction
    with pytest.raises(st.StimulusError, match="coherences"):
        st.motion_frames(1.5, 1, 2, 28, np.random.default_rng(0))
