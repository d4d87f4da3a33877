"""The four image-based tasks of Fig 5 as banks of trials: frames per named period, targets and conditions.

Time is in ms with the step ``dt`` explicit, in neurogym's habit. Every trial has the same named periods
(``fixation``, ``stimulus``, ``delay``, ``response``; durations per task in the configuration); the screen is black
except in the stimulus period, which shows one image (dot array, morph, cue) or a sequence of frames (random-dot
motion, one frame every ``frame_ms``). The fixation signal is a separate input to the downstream network, on until
the response period: the go cue, as in the cognitive suite. The answer is one of ``n_choices`` classes:

- ``numerosity``: how many dots (1..max_dots, one choice each; the ``report`` mode), or (``match`` mode) delayed
  match-to-sample of numerosity as in Nieder & Miller 2002: a sample array, a delay, a test array of the same number
  (match, half the trials) or one or two more or fewer (non-match), answered match or non-match, the condition being
  the numerical distance test - sample. Half of the arrays have their total dot area equated across numbers;
- ``category``: which prototype a morph is closer to (fractions never 0.5); the condition is the morph fraction;
- ``odr``: which of ``locations`` places the cue was at, after the delay (oculomotor delayed response);
- ``motion``: left or right, at a coherence drawn from ``coherences``; the condition is the coherence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cordsnet.multiarea import stimuli as st

TASKS = ("numerosity", "category", "odr", "motion")
PERIODS = ("fixation", "stimulus", "delay", "response")
MATCH_PERIODS = ("fixation", "stimulus", "delay", "test", "response")


@dataclass
class Bank:
    """Trials of one task. ``frames`` (trials, segments, H, W) raw images in [0, 1], each segment shown for
    ``segment_ms[k]``; ``periods`` maps each period to its (start, end) in ms; the response period starts at
    ``go_ms``."""

    task: str
    frames: np.ndarray
    segment_ms: list[float]
    periods: dict[str, tuple[float, float]]
    target: np.ndarray
    condition: np.ndarray
    n_choices: int
    info: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def go_ms(self) -> float:
        return self.periods["response"][0]

    @property
    def total_ms(self) -> float:
        return self.periods["response"][1]

    @property
    def trials(self) -> int:
        return len(self.target)


def period_bounds(durations: dict[str, float], order=PERIODS) -> dict[str, tuple[float, float]]:
    """Consecutive periods in the given order."""
    out, t = {}, 0.0
    for name in order:
        out[name] = (t, t + durations[name])
        t += durations[name]
    return out


def _assemble(task: str, stim: np.ndarray, durations: dict[str, float], target, condition, n_choices: int,
              frame_ms: float | None = None, **info) -> Bank:
    """Black fixation, the stimulus (one image, or frames of ``frame_ms``), black delay and response."""
    trials, size = stim.shape[0], stim.shape[-1]
    black = np.zeros((trials, 1, size, size), dtype=np.float32)
    seq = stim[:, None] if stim.ndim == 3 else stim
    stim_ms = [durations["stimulus"]] if stim.ndim == 3 else [frame_ms] * seq.shape[1]
    parts, ms = [black, seq], [durations["fixation"], *stim_ms]
    if durations["delay"] + durations["response"] > 0:
        parts.append(black)
        ms.append(durations["delay"] + durations["response"])
    return Bank(task, np.concatenate(parts, axis=1), ms, period_bounds(durations), np.asarray(target),
                np.asarray(condition, dtype=float), n_choices, {k: np.asarray(v) for k, v in info.items()})


def numerosity(n: int, size: int, rng: np.random.Generator, durations: dict[str, float], max_dots: int,
               radius: float = 2.0, equal_area_fraction: float = 0.5) -> Bank:
    """The ``report`` mode: answer the number of dots (max_dots choices)."""
    counts = rng.integers(1, max_dots + 1, n)
    equal = rng.random(n) < equal_area_fraction
    stim = np.stack([st.dot_array(int(c), size, rng, radius, bool(e), reference=max(1, max_dots // 2))
                     for c, e in zip(counts, equal, strict=True)])
    return _assemble("numerosity", stim, durations, counts - 1, counts, max_dots, equal_area=equal)


def numerosity_match(n: int, size: int, rng: np.random.Generator, durations: dict[str, float], max_dots: int,
                     radius: float = 2.0, equal_area_fraction: float = 0.5) -> Bank:
    """Delayed match-to-sample of numerosity: ``durations`` has a ``test`` period after the delay."""
    sample = rng.integers(1, max_dots + 1, n)
    match = rng.random(n) < 0.5
    test = sample.copy()
    for i in np.flatnonzero(~match):
        options = [sample[i] + d for d in (-2, -1, 1, 2) if 1 <= sample[i] + d <= max_dots]
        test[i] = rng.choice(options)
    ref = max(1, max_dots // 2)

    def arrays(counts):
        equal = rng.random(n) < equal_area_fraction
        return np.stack([st.dot_array(int(c), size, rng, radius, bool(e), reference=ref)
                         for c, e in zip(counts, equal, strict=True)])

    first, second = arrays(sample), arrays(test)
    black = np.zeros((n, 1, size, size), dtype=np.float32)
    frames = np.concatenate([black, first[:, None], black, second[:, None], black], axis=1)
    ms = [durations[p] for p in MATCH_PERIODS]
    return Bank("numerosity", frames, ms, period_bounds(durations, MATCH_PERIODS), match.astype(int),
                (test - sample).astype(float), 2, {"sample": sample, "test": test})


def category(n: int, prototypes: tuple[np.ndarray, np.ndarray], rng: np.random.Generator,
             durations: dict[str, float], fractions: list[float]) -> Bank:
    if any(f == 0.5 for f in fractions):
        raise st.StimulusError("multiarea.category.fractions holds 0.5: a morph on the boundary has no right "
                               "answer; leave it out")
    frac = rng.choice(np.asarray(fractions, dtype=float), n)
    stim = np.stack([st.morph(prototypes[0], prototypes[1], float(f)) for f in frac])
    return _assemble("category", stim, durations, (frac > 0.5).astype(int), frac, 2)


def odr(n: int, size: int, rng: np.random.Generator, durations: dict[str, float], locations: int = 8,
        eccentricity: float = 0.33) -> Bank:
    where = rng.integers(0, locations, n)
    stim = np.stack([st.cue(int(k), locations, size, eccentricity) for k in where])
    return _assemble("odr", stim, durations, where, where, locations)


def motion(n: int, size: int, rng: np.random.Generator, durations: dict[str, float], coherences: list[float],
           frame_ms: float = 20.0, dots: int = 30, step: int = 2, dot_px: int = 1) -> Bank:
    frames = max(2, round(durations["stimulus"] / frame_ms))
    coh = rng.choice(np.asarray(coherences, dtype=float), n)
    direction = rng.choice([-1, 1], n)
    stim = np.stack([st.motion_frames(float(c), int(d), frames, size, rng, dots, step, dot_px)
                     for c, d in zip(coh, direction, strict=True)])
    return _assemble("motion", stim, durations, (direction > 0).astype(int), coh, 2,
                     frame_ms=durations["stimulus"] / frames, direction=direction)
