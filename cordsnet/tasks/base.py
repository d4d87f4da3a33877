"""The conventions of the Yang et al. (2019) task suite: input and output layout, ring codes, periods, cost mask and
the performance criterion, shared by every task of :mod:`cordsnet.tasks.suite`.

Inputs (time-major, ``(T, B, n_in)``): a fixation unit (1 while the monkey must fixate), two rings of ``n_ring``
direction-tuned units (``0.8 exp(-d^2 / (2 (pi/8)^2))``, d the circular distance to the unit's preferred
direction), one magnitude unit (used only by the line variant of MemoryPro, zero elsewhere) and one-hot rule units.
Outputs ``(T, B, 2 + n_ring)``: a fixation unit (target 0.8 until the response period, 0.05 after), a ring (0.05
baseline, plus a 0.8 bump at the response direction in the response period) and a magnitude unit (0.05, or
``0.05 + 0.8 m`` in the response period of a line trial: a line is answered on a line, since a sigmoid readout of a
one-dimensional state cannot move a bump around a ring). The cost mask is 1 inside a
trial, ``response_weight`` in the response period, 0 for the first ``grace_ms`` of every period (the network is not
asked to switch instantly) and after a trial ends; the fixation output's column is weighted ``fixation_weight``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TWO_PI = 2 * np.pi
BASELINE = 0.05
"""target of an output that should be off (fixation after it goes off, the ring outside the response)"""
AMPLITUDE = 0.8
"""height above the baseline of an output that should be on; also the peak of an input ring's code"""


@dataclass(frozen=True)
class Timing:
    """Time step and time constant in ms: ``alpha = dt / tau`` is the Euler step of the networks."""

    dt: float = 20.0
    tau: float = 100.0
    grace_ms: float = 100.0
    response_weight: float = 5.0
    fixation_weight: float = 2.0

    @property
    def alpha(self) -> float:
        return self.dt / self.tau

    def steps(self, ms) -> np.ndarray:
        """Durations in ms to whole steps (at least one)."""
        return np.maximum(1, np.rint(np.asarray(ms, dtype=float) / self.dt).astype(int))


@dataclass(frozen=True)
class InputLayout:
    """Where each input and output lives; ``rules`` are the task names of the networks' rule inputs."""

    rules: tuple[str, ...]
    n_ring: int = 32

    @property
    def fixation(self) -> int:
        return 0

    def ring(self, which: int) -> slice:
        """Input ring 1 or 2."""
        start = 1 + (which - 1) * self.n_ring
        return slice(start, start + self.n_ring)

    @property
    def magnitude(self) -> int:
        return 1 + 2 * self.n_ring

    def rule(self, name: str) -> int:
        return 2 + 2 * self.n_ring + self.rules.index(name)

    @property
    def n_in(self) -> int:
        return 2 + 2 * self.n_ring + len(self.rules)

    @property
    def n_out(self) -> int:
        return 2 + self.n_ring

    @property
    def ring_out(self) -> slice:
        """The output ring (after the fixation output)."""
        return slice(1, 1 + self.n_ring)

    @property
    def magnitude_out(self) -> int:
        return 1 + self.n_ring

    @property
    def preferred(self) -> np.ndarray:
        """Preferred directions of a ring's units (input and output rings alike)."""
        return np.arange(self.n_ring) * TWO_PI / self.n_ring


def circular_distance(a, b) -> np.ndarray:
    """Absolute angular distance in [0, pi]."""
    d = np.mod(np.asarray(a) - np.asarray(b), TWO_PI)
    return np.minimum(d, TWO_PI - d)


def ring_code(theta, preferred: np.ndarray, amplitude: float = AMPLITUDE, width: float = np.pi / 8) -> np.ndarray:
    """``(B, n_ring)`` population code of directions ``theta`` (B,)."""
    d = circular_distance(np.asarray(theta)[:, None], preferred[None, :])
    return amplitude * np.exp(-(d**2) / (2 * width**2))


def decode_direction(ring: np.ndarray, preferred: np.ndarray) -> np.ndarray:
    """Population-vector direction of ring activity ``(..., n_ring)`` in [0, 2 pi)."""
    return np.mod(np.arctan2(ring @ np.sin(preferred), ring @ np.cos(preferred)), TWO_PI)


@dataclass
class Trials:
    """A batch of trials, time-major, padded to the longest; ``length`` steps are real in each trial.

    ``response_start`` is the step the fixation input goes off; ``target_direction`` is the direction to answer, or
    NaN; ``target_magnitude`` the magnitude to answer (line trials), or NaN. Where both are NaN the correct answer is
    to keep fixating (non-match in DMS). ``periods`` maps each named period to its (B, 2) start and end
    steps; ``info`` holds each trial's task variables (stimulus directions, coherence, match ...).
    """

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    length: np.ndarray
    response_start: np.ndarray
    target_direction: np.ndarray
    target_magnitude: np.ndarray
    task: np.ndarray
    periods: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def batch(self) -> int:
        return self.inputs.shape[1]

    @property
    def steps(self) -> int:
        return self.inputs.shape[0]


def concat(parts: list[Trials]) -> Trials:
    """Trials of several tasks in one padded batch (periods and info keep their own tasks' keys, NaN elsewhere)."""
    steps = max(p.steps for p in parts)

    def pad(a: np.ndarray) -> np.ndarray:
        return np.pad(a, ((0, steps - a.shape[0]),) + ((0, 0),) * (a.ndim - 1))

    def merged(dicts: list[dict[str, np.ndarray]], width: int | None) -> dict[str, np.ndarray]:
        keys = sorted({k for d in dicts for k in d})
        out = {}
        for k in keys:
            cols = []
            for p, d in zip(parts, dicts, strict=True):
                shape = (p.batch,) if width is None else (p.batch, width)
                cols.append(d[k].astype(float) if k in d else np.full(shape, np.nan))
            out[k] = np.concatenate(cols)
        return out

    return Trials(
        inputs=np.concatenate([pad(p.inputs) for p in parts], axis=1),
        targets=np.concatenate([pad(p.targets) for p in parts], axis=1),
        mask=np.concatenate([pad(p.mask) for p in parts], axis=1),
        length=np.concatenate([p.length for p in parts]),
        response_start=np.concatenate([p.response_start for p in parts]),
        target_direction=np.concatenate([p.target_direction for p in parts]),
        target_magnitude=np.concatenate([p.target_magnitude for p in parts]),
        task=np.concatenate([p.task for p in parts]),
        periods=merged([p.periods for p in parts], 2),
        info=merged([p.info for p in parts], None),
    )


class Schedule:
    """Named, consecutive periods with per-trial durations in ms, as step masks on the batch's time grid."""

    def __init__(self, durations_ms: dict[str, np.ndarray], timing: Timing):
        self.names = list(durations_ms)
        steps = np.stack([timing.steps(durations_ms[n]) for n in self.names])  # (P, B)
        self.end = np.cumsum(steps, axis=0)
        self.start = self.end - steps
        self.length = self.end[-1]
        self.steps = int(self.length.max())
        self._t = np.arange(self.steps)[:, None]

    def bounds(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        i = self.names.index(name)
        return self.start[i], self.end[i]

    def during(self, *names: str) -> np.ndarray:
        """(T, B) True inside any of the named periods."""
        on = np.zeros((self.steps, self.length.size), dtype=bool)
        for n in names:
            s, e = self.bounds(n)
            on |= (self._t >= s) & (self._t < e)
        return on

    def from_start_of(self, name: str) -> np.ndarray:
        """(T, B) True from the start of ``name`` to the end of the trial."""
        s, _ = self.bounds(name)
        return (self._t >= s) & (self._t < self.length)

    def periods(self) -> dict[str, np.ndarray]:
        return {n: np.stack(self.bounds(n), axis=1) for n in self.names}


def assemble(schedule: Schedule, layout: InputLayout, timing: Timing, inputs: np.ndarray, task: str,
             target_direction: np.ndarray, info: dict[str, np.ndarray], response: str = "response",
             target_magnitude: np.ndarray | None = None) -> Trials:
    """Targets, cost mask and bookkeeping from a task's inputs (fixation and rule are filled in here).

    The fixation input is on until the ``response`` period starts; the response period asks for the ring bump
    at ``target_direction``, or the magnitude output at ``target_magnitude``, or continued fixation where neither.
    """
    steps, batch = schedule.steps, schedule.length.size
    in_trial = schedule._t < schedule.length
    resp_start, _ = schedule.bounds(response)
    fixating = (schedule._t < resp_start) & in_trial
    inputs[..., layout.fixation] = fixating
    inputs[..., layout.rule(task)] = in_trial

    magnitude = np.full(batch, np.nan) if target_magnitude is None else np.asarray(target_magnitude, dtype=float)
    aim = ~np.isnan(target_direction)
    go = aim | ~np.isnan(magnitude)
    responding = schedule.from_start_of(response)
    targets = np.full((steps, batch, layout.n_out), BASELINE)
    targets[..., 0] = np.where(fixating | (~go[None, :] & in_trial), AMPLITUDE, BASELINE)
    bump = ring_code(np.where(aim, target_direction, 0.0), layout.preferred)
    targets[..., layout.ring_out] += np.where((responding & aim[None, :])[..., None], bump[None], 0.0)
    targets[..., layout.magnitude_out] += np.where(responding & ~np.isnan(magnitude)[None, :],
                                                   AMPLITUDE * np.nan_to_num(magnitude)[None, :], 0.0)

    weight = np.where(schedule.from_start_of(response), timing.response_weight, 1.0) * in_trial
    grace = timing.steps(timing.grace_ms)
    for name in schedule.names:
        s, _ = schedule.bounds(name)
        weight[(schedule._t >= s) & (schedule._t < s + grace)] = 0.0
    mask = np.repeat(weight[..., None], layout.n_out, axis=2)
    mask[..., 0] *= timing.fixation_weight
    return Trials(inputs=inputs.astype(np.float32), targets=targets.astype(np.float32), mask=mask.astype(np.float32),
                  length=schedule.length.copy(), response_start=resp_start.copy(),
                  target_direction=target_direction.astype(float), target_magnitude=magnitude,
                  task=np.full(batch, layout.rules.index(task)),
                  periods=schedule.periods(), info=info)


def performance(outputs: np.ndarray, trials: Trials, layout: InputLayout, tolerance: float = 0.2 * np.pi,
                settle_steps: int = 5) -> np.ndarray:
    """Per-trial correctness (B,) bool, the suite's criterion.

    Correct = the fixation output stayed above 0.5 at every step before the fixation input went off (but the first
    ``settle_steps``, while the network leaves its resting state: the first period's grace), and at
    the trial's last step either (go trials) the fixation output is below 0.5 and the ring's decoded direction is
    within ``tolerance`` of the target (line trials: the decoded magnitude within ``tolerance / (2 pi)`` of the
    target, the same fraction of its range), or (hold trials) the fixation output is still above 0.5.
    """
    steps = np.arange(outputs.shape[0])[:, None]
    before = (steps < trials.response_start[None, :]) & (steps >= settle_steps)
    held = np.all((outputs[..., 0] > 0.5) | ~before, axis=0)
    last = outputs[trials.length - 1, np.arange(trials.batch)]
    aim, line = ~np.isnan(trials.target_direction), ~np.isnan(trials.target_magnitude)
    direction = decode_direction(last[:, layout.ring_out], layout.preferred)
    aimed = circular_distance(direction, np.nan_to_num(trials.target_direction)) < tolerance
    magnitude = (last[:, layout.magnitude_out] - BASELINE) / AMPLITUDE
    sized = np.abs(magnitude - np.nan_to_num(trials.target_magnitude)) < tolerance / (2 * np.pi)
    released = last[:, 0] < 0.5
    return held & np.where(aim, released & aimed, np.where(line, released & sized, ~released))
