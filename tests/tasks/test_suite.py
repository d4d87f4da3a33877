"""The task generators against trials worked out by hand: periods, inputs, targets, cost mask, performance."""

import numpy as np
import pytest

from cordsnet.tasks import ATTRACTOR_TASKS, SUITE_TASKS, TaskSet, Timing, decode_direction, performance
from cordsnet.tasks.base import circular_distance

TS = TaskSet(SUITE_TASKS)
ATT = TaskSet(ATTRACTOR_TASKS)
RNG = np.random.default_rng


def test_go_trial_at_fixed_timing_has_the_suite_structure():
    lay = TS.layout
    t = TS.generate("go", RNG(0), 3, fixed=True, stimulus=np.array([0.0, np.pi / 2, np.pi]))
    # fixation 500 ms, stimulus 1000 ms, response 500 ms at dt 20: 25 + 50 + 25 steps
    assert t.steps == 100 and (t.length == 100).all() and (t.response_start == 75).all()
    assert (t.inputs[:75, :, lay.fixation] == 1).all() and (t.inputs[75:, :, lay.fixation] == 0).all()
    ring = t.inputs[..., lay.ring(1)]
    assert (ring[:25] == 0).all() and np.allclose(ring[25:].max(-1), 0.8)
    assert circular_distance(decode_direction(ring[30], lay.preferred), [0.0, np.pi / 2, np.pi]).max() < 1e-6
    assert (t.inputs[..., lay.rule("go")] == 1).all() and (t.inputs[..., lay.rule("anti")] == 0).all()
    assert np.allclose(t.targets[:75, :, 0], 0.8) and np.allclose(t.targets[75:, :, 0], 0.05)
    assert np.allclose(t.targets[:75, :, 1:], 0.05) and np.allclose(t.targets[:, :, lay.magnitude_out], 0.05)
    aimed = decode_direction(t.targets[80, :, lay.ring_out], lay.preferred)
    assert circular_distance(aimed, [0.0, np.pi / 2, np.pi]).max() < 1e-6
    # cost mask: 0 for the first 100 ms (5 steps) of each period, 5 in the response, fixation output x 2
    m = t.mask[:, 0, 1]
    assert (m[0:5] == 0).all() and (m[5:25] == 1).all() and (m[25:30] == 0).all() and (m[30:75] == 1).all()
    assert (m[75:80] == 0).all() and (m[80:] == 5).all()
    assert np.allclose(t.mask[:, 0, 0], 2 * m)


def test_anti_answers_the_opposite_direction():
    t = TS.generate("anti", RNG(1), 8)
    assert np.allclose(circular_distance(t.target_direction, t.info["stimulus"]), np.pi)


def test_memorypro_stimulus_is_off_in_the_delay():
    lay = TS.layout
    t = TS.generate("memorypro", RNG(2), 16)
    for b in range(t.batch):
        s0, s1 = t.periods["stimulus"][b]
        d0, d1 = t.periods["delay"][b]
        rings = t.inputs[:, b, 1:1 + 2 * lay.n_ring]
        assert rings[s0:s1].max() > 0.7 and rings[d0:].max() == 0 and (t.inputs[:d1, b, 0] == 1).all()
        assert t.response_start[b] == d1


def test_dm_answers_the_stronger_stimulus():
    t = TS.generate("dm", RNG(3), 64)
    stronger = np.where(t.info["coherence"] > 0, t.info["stimulus"], t.info["stimulus2"])
    assert np.allclose(t.target_direction, stronger)
    assert set(np.round(np.abs(t.info["coherence"]), 3)) <= {0.04, 0.08, 0.16, 0.32}


def test_dms_non_match_keeps_fixation():
    t = TS.generate("dms", RNG(4), 64)
    match = t.info["match"] == 1
    assert match.any() and (~match).any()
    assert np.isnan(t.target_direction[~match]).all()
    assert np.allclose(t.target_direction[match], t.info["test"][match])
    nonmatch = np.flatnonzero(~match)[0]
    assert np.allclose(t.targets[: t.length[nonmatch], nonmatch, 0], 0.8)
    assert circular_distance(t.info["test"][~match], t.info["stimulus"][~match]).min() >= 0.5 * np.pi - 1e-9


def test_attractor_variants_encode_ring_line_and_points():
    lay = ATT.layout
    line = ATT.generate("memorypro_line", RNG(5), 4, fixed=True, stimulus=np.array([0.0, 0.25, 0.5, 1.0]))
    s0, s1 = line.periods["stimulus"][0]
    assert np.allclose(line.inputs[s0:s1, :, lay.magnitude], [0.0, 0.25, 0.5, 1.0])
    assert (line.inputs[s1:, :, lay.magnitude] == 0).all() and (line.inputs[..., lay.ring(1)] == 0).all()
    assert np.isnan(line.target_direction).all() and np.allclose(line.target_magnitude, [0.0, 0.25, 0.5, 1.0])
    r0 = line.response_start[0]
    assert np.allclose(line.targets[r0:, :, lay.magnitude_out], 0.05 + 0.8 * line.target_magnitude)
    assert np.allclose(line.targets[:r0, :, lay.magnitude_out], 0.05) and np.allclose(line.targets[r0:, :, 0], 0.05)
    points = ATT.generate("memorypro_points", RNG(6), 200)
    assert set(np.round(points.target_direction / (np.pi / 2), 6)) <= {0.0, 1.0, 2.0, 3.0}
    ring = ATT.generate("memorypro_ring", RNG(7), 200)
    assert len(np.unique(np.round(ring.target_direction, 6))) == 200


def test_perfect_outputs_are_correct_and_mistakes_are_not():
    lay = TS.layout
    t = TS.mixed(RNG(8), 16)
    out = t.targets.copy()
    assert performance(out, t, lay).all()
    go = ~np.isnan(t.target_direction)
    wrong = out.copy()
    wrong[:, :, lay.ring_out] = np.roll(wrong[:, :, lay.ring_out], lay.n_ring // 2, axis=2)  # the opposite way
    assert not performance(wrong, t, lay)[go].any()
    broke = out.copy()
    broke[10, :, 0] = 0.2  # fixation broken before the response
    assert not performance(broke, t, lay).any()
    line = ATT.generate("memorypro_line", RNG(9), 32)
    out = line.targets.copy()
    assert performance(out, line, ATT.layout).all()
    out[:, :, ATT.layout.magnitude_out] += 0.8 * 0.2  # 0.2 off: more than 0.1 of the range
    assert not performance(out, line, ATT.layout).any()


def test_mixed_batches_are_padded_without_cost_and_reproducible():
    a, b = TS.mixed(RNG(9), 4), TS.mixed(RNG(9), 4)
    assert np.array_equal(a.inputs, b.inputs) and np.array_equal(a.mask, b.mask)
    assert sorted(set(a.task)) == list(range(len(SUITE_TASKS)))
    for i in range(a.batch):
        assert (a.mask[a.length[i]:, i] == 0).all()


def test_timing_sets_the_steps():
    ts = TaskSet(("go",), Timing(dt=10.0, tau=100.0))
    assert ts.timing.alpha == pytest.approx(0.1)
    assert ts.generate("go", RNG(0), 1, fixed=True).steps == 200


def test_unknown_tasks_are_refused():
    with pytest.raises(ValueError, match="unknown task"):
        TaskSet(("go", "pro"))
    with pytest.raises(ValueError, match="not in this task set"):
        TS.generate("memorypro_ring", RNG(0), 2)
