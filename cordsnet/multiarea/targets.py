"""Targets, inputs and scoring of the downstream network on a bank of trials (Fig 5).

The conventions are the cognitive suite's (Yang et al. 2019): sigmoid outputs and a cost-masked squared error;
the fixation output should be 0.8 while the fixation input is on and 0.05 after; in the response period the chosen
class's output should be 0.8 and the others 0.05; the first ``grace_ms`` of the response period are not scored,
the response period weighs 5 and the fixation output 2. A trial is correct when the fixation output stays above 0.5
until the go cue (after the first ``grace_ms``), is below 0.5 at the last step, and the largest choice output at the
last step is the target's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cordsnet.multiarea.tasks import Bank

LOW, HIGH = 0.05, 0.8


@dataclass
class Batch:
    """Time-major inputs (T, B, n_in), targets and mask (T, B, n_out): what the training loop stacks."""

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray

    @property
    def steps(self) -> int:
        return self.inputs.shape[0]


def step_times(bank: Bank, dt_ms: float) -> np.ndarray:
    """Start of each downstream step in ms."""
    return np.arange(round(bank.total_ms / dt_ms)) * dt_ms


def fixation_input(bank: Bank, dt_ms: float) -> np.ndarray:
    """(T,) 1 until the go cue, 0 in the response period."""
    return (step_times(bank, dt_ms) < bank.go_ms).astype(np.float32)


def targets_and_mask(bank: Bank, dt_ms: float, grace_ms: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """(T, B, 1 + n_choices) targets and cost mask."""
    t = step_times(bank, dt_ms)
    steps, trials = len(t), bank.trials
    go = t >= bank.go_ms
    targets = np.full((steps, trials, 1 + bank.n_choices), LOW, dtype=np.float32)
    targets[~go, :, 0] = HIGH
    targets[np.flatnonzero(go)[:, None], np.arange(trials)[None, :], 1 + bank.target[None, :]] = HIGH
    weight = np.where(go, 5.0, 1.0)
    weight[(t >= bank.go_ms) & (t < bank.go_ms + grace_ms)] = 0.0
    mask = np.repeat(weight[:, None, None], trials, 1).repeat(1 + bank.n_choices, 2).astype(np.float32)
    mask[..., 0] *= 2.0
    return targets, mask


def standardise(features: np.ndarray, mean: np.ndarray | None = None, std: np.ndarray | None = None):
    """Features (trials, T, F) z-scored per feature with the training bank's ``mean`` and ``std`` (computed here
    when not given): the front end's channels differ in scale by orders of magnitude."""
    if mean is None:
        mean, std = features.mean((0, 1)), features.std((0, 1)) + 1e-6
    return ((features - mean) / std).astype(np.float32), mean, std


def batch(bank: Bank, features: np.ndarray, index: np.ndarray, dt_ms: float, grace_ms: float = 100.0) -> Batch:
    """The trials ``index`` of a bank as one batch: standardised front-end features plus the fixation input."""
    fix = fixation_input(bank, dt_ms)
    feats = features[index].transpose(1, 0, 2)  # (T, B, F)
    inputs = np.concatenate([feats, np.repeat(fix[:, None, None], len(index), 1)], axis=2)
    targets, mask = targets_and_mask(bank, dt_ms, grace_ms)
    return Batch(inputs.astype(np.float32), targets[:, index], mask[:, index])


def correct(outputs: np.ndarray, bank: Bank, index: np.ndarray, dt_ms: float, grace_ms: float = 100.0) -> np.ndarray:
    """(B,) whether each trial ``index`` was answered right from the outputs (T, B, 1 + n_choices)."""
    t = step_times(bank, dt_ms)
    before = (t < bank.go_ms) & (t >= grace_ms)
    held = np.all(outputs[before, :, 0] > 0.5, axis=0)
    last = outputs[-1]
    return held & (last[:, 0] < 0.5) & (last[:, 1:].argmax(1) == bank.target[index])
