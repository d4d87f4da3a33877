"""Five tasks of the Yang et al. (2019) suite and the three MemoryPro variants of Fig 1D / S3.

Suite (one network learns all five, told which by its rule input, as in Yang et al.):

- ``go``: a stimulus on ring 1 or 2 stays on; respond toward it when fixation goes off.
- ``anti``: the same, respond in the opposite direction.
- ``memorypro`` (Yang's "Dly Go"): a brief stimulus, a delay, respond toward the remembered direction.
- ``dm`` (DM1): two stimuli on ring 1 of different strengths (coherence = their difference); respond toward the
  stronger one.
- ``dms`` (delayed match-to-sample, Yang's "DMS go"): a sample, a delay, a test on the same ring; respond toward the
  test if it matches the sample, keep fixating if not.

These cover the suite's trial structures: reaction to a present stimulus (go), a stimulus-response transformation
(anti), working memory (memorypro), evidence comparison with graded difficulty (dm) and a memory comparison with a
no-go answer (dms). Periods follow Yang et al. in ms; the delays are a parameter (``delays_ms``).

Fig 1D / S3 variants of MemoryPro, one network each: ``memorypro_ring`` (any direction: a ring to remember),
``memorypro_line`` (a magnitude in [0, 1] on the magnitude input, answered on the magnitude output: a line),
``memorypro_points`` (one of ``n_points`` directions: points). Each is learnt together with its Go counterpart
(``go_ring``, ``go_line``, ``go_points``: the same trial with the stimulus on to the end, so nothing is to be
remembered), as Yang et al. learn Go with Dly Go: trained alone from scratch, the continuous variants often stayed at
chance for thousands of steps at the default budget (docs/cognitive.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cordsnet.tasks.base import TWO_PI, InputLayout, Schedule, Timing, Trials, assemble, concat, ring_code

SUITE_TASKS = ("go", "anti", "memorypro", "dm", "dms")
ATTRACTOR_TASKS = ("memorypro_ring", "memorypro_line", "memorypro_points")
COMPANION_TASKS = ("go_ring", "go_line", "go_points")
"""each variant's Go counterpart (the stimulus stays on to the end), learnt alongside it"""
TASKS = SUITE_TASKS + ATTRACTOR_TASKS + COMPANION_TASKS


@dataclass(frozen=True)
class TaskSet:
    """The tasks one network is trained on, with the suite's shared settings.

    ``fixed`` trials (for comparing networks on one trial set) take every period at its middle duration.
    """

    names: tuple[str, ...]
    timing: Timing = Timing()
    n_ring: int = 32
    delays_ms: tuple[float, ...] = (200.0, 400.0, 800.0, 1600.0)
    coherences: tuple[float, ...] = (0.04, 0.08, 0.16, 0.32)
    n_points: int = 4

    def __post_init__(self):
        unknown = [n for n in self.names if n not in TASKS]
        if unknown:
            raise ValueError(f"unknown task(s) {unknown}; known: {list(TASKS)}")

    @property
    def layout(self) -> InputLayout:
        return InputLayout(tuple(self.names), self.n_ring)

    def generate(self, name: str, rng: np.random.Generator, batch: int, fixed: bool = False,
                 stimulus: np.ndarray | None = None) -> Trials:
        """``batch`` trials of task ``name``; ``stimulus`` (B,) sets the remembered or shown variable (direction in
        radians, or magnitude for the line variant) instead of drawing it."""
        if name not in self.names:
            raise ValueError(f"task {name!r} is not in this task set {list(self.names)}")
        return _GENERATORS[name](self, name, rng, batch, fixed, stimulus)

    def mixed(self, rng: np.random.Generator, per_task: int) -> Trials:
        """``per_task`` trials of every task in one padded batch (the training batch)."""
        return concat([self.generate(n, rng, per_task) for n in self.names])

    # -- shared pieces ----------------------------------------------------------------------------------------
    def _pick(self, rng, batch, fixed, choices) -> np.ndarray:
        choices = np.asarray(choices, dtype=float)
        if fixed:
            return np.full(batch, np.sort(choices)[len(choices) // 2])
        return rng.choice(choices, batch)

    def _uniform(self, rng, batch, fixed, low, high) -> np.ndarray:
        return np.full(batch, (low + high) / 2) if fixed else rng.uniform(low, high, batch)

    def _directions(self, rng, batch, stimulus) -> np.ndarray:
        if stimulus is None:
            return rng.uniform(0, TWO_PI, batch)
        return np.mod(np.asarray(stimulus, dtype=float), TWO_PI)

    def _blank(self, schedule: Schedule) -> np.ndarray:
        return np.zeros((schedule.steps, schedule.length.size, self.layout.n_in))

    def _show(self, inputs, on: np.ndarray, rings: np.ndarray, theta: np.ndarray, strength=1.0) -> None:
        """Add a ring code of ``theta`` on ring ``rings`` (B,) during ``on`` (T, B)."""
        code = ring_code(theta, self.layout.preferred) * np.asarray(strength, dtype=float).reshape(-1, 1)
        for ring in (1, 2):
            sel = on & (rings == ring)[None, :]
            inputs[..., self.layout.ring(ring)] += np.where(sel[..., None], code[None], 0.0)


def _go_like(ts: TaskSet, name: str, rng, batch, fixed, stimulus, anti: bool) -> Trials:
    sched = Schedule({"fixation": ts._uniform(rng, batch, fixed, 300, 700),
                      "stimulus": ts._uniform(rng, batch, fixed, 500, 1500),
                      "response": np.full(batch, 500.0)}, ts.timing)
    theta = ts._directions(rng, batch, stimulus)
    rings = np.full(batch, 1) if fixed else rng.integers(1, 3, batch)
    inputs = ts._blank(sched)
    ts._show(inputs, sched.from_start_of("stimulus"), rings, theta)
    target = np.mod(theta + np.pi, TWO_PI) if anti else theta
    return assemble(sched, ts.layout, ts.timing, inputs, name, target, {"stimulus": theta, "ring": rings})


def _go(ts, name, rng, batch, fixed, stimulus):
    return _go_like(ts, name, rng, batch, fixed, stimulus, anti=False)


def _anti(ts, name, rng, batch, fixed, stimulus):
    return _go_like(ts, name, rng, batch, fixed, stimulus, anti=True)


def _memory_schedule(ts: TaskSet, rng, batch, fixed) -> Schedule:
    return Schedule({"fixation": ts._pick(rng, batch, fixed, (300, 500, 700)),
                     "stimulus": ts._pick(rng, batch, fixed, (200, 400, 600)),
                     "delay": ts._pick(rng, batch, fixed, ts.delays_ms),
                     "response": np.full(batch, 500.0)}, ts.timing)


def _memorypro(ts, name, rng, batch, fixed, stimulus):
    sched = _memory_schedule(ts, rng, batch, fixed)
    inputs = ts._blank(sched)
    on = sched.from_start_of("stimulus") if name.startswith("go_") else sched.during("stimulus")
    if name.endswith("_line"):
        magnitude = np.clip(np.asarray(stimulus, dtype=float), 0, 1) if stimulus is not None else rng.uniform(
            0, 1, batch)
        inputs[..., ts.layout.magnitude] = np.where(on, magnitude[None, :], 0.0)
        return assemble(sched, ts.layout, ts.timing, inputs, name, np.full(batch, np.nan), {"stimulus": magnitude},
                        target_magnitude=magnitude)
    if name.endswith("_points"):
        theta = (np.mod(np.asarray(stimulus, dtype=float), TWO_PI) if stimulus is not None
                 else rng.integers(0, ts.n_points, batch) * TWO_PI / ts.n_points)
        rings = np.full(batch, 1)
    else:
        theta = ts._directions(rng, batch, stimulus)
        rings = np.full(batch, 1) if fixed or name.endswith("_ring") else rng.integers(1, 3, batch)
    ts._show(inputs, on, rings, theta)
    return assemble(sched, ts.layout, ts.timing, inputs, name, theta, {"stimulus": theta, "ring": rings})


def _dm(ts, name, rng, batch, fixed, stimulus):
    sched = Schedule({"fixation": ts._uniform(rng, batch, fixed, 100, 400),
                      "stimulus": ts._pick(rng, batch, fixed, (400, 800, 1600)),
                      "response": np.full(batch, 500.0)}, ts.timing)
    theta1 = ts._directions(rng, batch, stimulus)
    theta2 = np.mod(theta1 + (np.full(batch, np.pi) if fixed else rng.uniform(0.5 * np.pi, 1.5 * np.pi, batch)),
                    TWO_PI)
    coherence = rng.choice(np.asarray(ts.coherences, dtype=float), batch) * rng.choice([-1.0, 1.0], batch)
    mean = np.ones(batch) if fixed else rng.uniform(0.8, 1.2, batch)
    on = sched.during("stimulus")
    inputs = ts._blank(sched)
    ones = np.ones(batch, dtype=int)
    ts._show(inputs, on, ones, theta1, mean + coherence)
    ts._show(inputs, on, ones, theta2, mean - coherence)
    target = np.where(coherence > 0, theta1, theta2)
    return assemble(sched, ts.layout, ts.timing, inputs, name, target,
                    {"stimulus": theta1, "stimulus2": theta2, "coherence": coherence})


def _dms(ts, name, rng, batch, fixed, stimulus):
    sched = Schedule({"fixation": ts._pick(rng, batch, fixed, (300, 500, 700)),
                      "sample": np.full(batch, 300.0),
                      "delay": ts._pick(rng, batch, fixed, ts.delays_ms),
                      "test": np.full(batch, 300.0),
                      "response": np.full(batch, 500.0)}, ts.timing)
    sample = ts._directions(rng, batch, stimulus)
    match = rng.random(batch) < 0.5
    offset = np.full(batch, np.pi) if fixed else rng.uniform(0.5 * np.pi, 1.5 * np.pi, batch)
    test = np.where(match, sample, np.mod(sample + offset, TWO_PI))
    rings = np.full(batch, 1) if fixed else rng.integers(1, 3, batch)
    inputs = ts._blank(sched)
    ts._show(inputs, sched.during("sample"), rings, sample)
    ts._show(inputs, sched.from_start_of("test"), rings, test)
    target = np.where(match, test, np.nan)
    return assemble(sched, ts.layout, ts.timing, inputs, name, target,
                    {"stimulus": sample, "test": test, "match": match.astype(float), "ring": rings})


_GENERATORS: dict[str, Callable[..., Trials]] = {
    "go": _go, "anti": _anti, "memorypro": _memorypro, "dm": _dm, "dms": _dms,
    **{name: _memorypro for name in ATTRACTOR_TASKS + COMPANION_TASKS},
}
