"""Labelling a trained model's solution (Table S5), from trajectories, with thresholds from the ``ablation`` section.

Two questions, each answered per image and then per model:

* **Steady-state vs transient** (the loss-ramp sweep): with the image left on for ``hold_steps`` (several times the
  trained window), is the answer at the end still the one given in the trained window (for at least
  ``hold_fraction`` of the images), and has every area's state stayed where it was at the window's end (mean relative
  distance at most ``hold_drift``)? Both: steady-state; otherwise transient (the answer, or the state that carries
  it, was a passing moment of the trajectory).
* **Mono-stable vs other** (the penalty sweep): after the image is removed at the end of the trained window, does
  every area come back to its spontaneous state? The distance of each area's state to the spontaneous trajectory
  (the same network never shown an image, at the same time), relative to the distance at image offset,
  ``post_steps`` later: at most ``return_tolerance`` is *returns*; else
  the trajectory is *still moving* when the distance still varies by more than ``motion_tolerance`` over the last
  ``motion_window`` steps (an oscillation, or a drift too slow to settle in the window), or it *settles elsewhere*
  (another fixed point: a second stable state). The model is mono-stable when at least ``return_fraction`` of the
  images return, else labelled by the more common of the other two: multi-stable or oscillatory.

The functions below take plain arrays so that the tests can hand-build trajectories of each kind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

RETURNS, ELSEWHERE, MOVING = "returns", "settles elsewhere", "still moving"
STEADY, TRANSIENT = "steady-state", "transient"
MONO, MULTI, OSCILLATORY = "mono-stable", "multi-stable", "oscillatory"


@dataclass(frozen=True)
class Criteria:
    """The thresholds of the ``ablation`` config section (docs/ablation.md)."""

    hold_fraction: float
    hold_drift: float
    return_tolerance: float
    return_fraction: float
    motion_tolerance: float
    motion_window: int

    @classmethod
    def from_config(cls, a: dict[str, Any]) -> Criteria:
        return cls(a["hold_fraction"], a["hold_drift"], a["return_tolerance"], a["return_fraction"],
                   a["motion_tolerance"], a["motion_window"])

    def describe(self, hold_steps: int, window: int, post_steps: int) -> dict[str, str]:
        return {
            "steady-state": f"image on for {hold_steps} steps (trained window: {window}): the class at the end equals "
                            f"the class in the trained window for >= {self.hold_fraction:.0%} of the images, and every "
                            f"area's state moved by <= {self.hold_drift:g} (mean relative distance) from the window's "
                            "end; else transient",
            "mono-stable": f"image off after the trained window: every area's distance to its spontaneous state, "
                           f"relative to that at offset, is <= {self.return_tolerance:g} after {post_steps} steps for "
                           f">= {self.return_fraction:.0%} of the images; an image that does not return is 'still "
                           f"moving' when that distance varies by > {self.motion_tolerance:g} over the last "
                           f"{self.motion_window} steps, else 'settles elsewhere'; a model that is not mono-stable is "
                           "multi-stable or oscillatory by the more common of the two"}


def hold_solution(answer_kept: float, drift: Sequence[float], c: Criteria) -> str:
    """Steady-state when the answer is kept and no area's state moved beyond ``hold_drift``; else transient."""
    return STEADY if answer_kept >= c.hold_fraction and max(drift) <= c.hold_drift else TRANSIENT


def return_distances(post: Sequence[np.ndarray], offset: Sequence[np.ndarray], spont_post: Sequence[np.ndarray],
                     spont_offset: Sequence[np.ndarray]) -> np.ndarray:
    """Relative distance to the spontaneous state after image offset, steps x images x areas.

    ``post[i]``: area i's states after offset (steps x images x units), ``offset[i]``: its state at the last step
    with the image on (images x units); ``spont_post[i]`` (steps x units) and ``spont_offset[i]`` (units): the
    state of the same network that never saw an image, at the same times (the spontaneous trajectory; a constant
    where the warm-up has converged). Comparing at equal times keeps a warm-up that is still settling from looking
    like a second stable state."""
    out = []
    for p, o, sp, so in zip(post, offset, spont_post, spont_offset, strict=True):
        sp = np.asarray(sp).reshape(len(sp), 1, -1)
        base = np.linalg.norm(np.asarray(o) - np.asarray(so).reshape(1, -1), axis=-1)
        out.append(np.linalg.norm(np.asarray(p) - sp, axis=-1) / np.maximum(base, 1e-12)[None])
    return np.stack(out, axis=-1)


def return_kind(distance: np.ndarray, c: Criteria) -> str:
    """One image's outcome from its distances (steps x areas): returns, still moving, or settles elsewhere."""
    d = np.asarray(distance)
    if d.ndim == 1:
        d = d[:, None]
    if np.all(d[-1] <= c.return_tolerance):
        return RETURNS
    tail = d[-c.motion_window:]
    return MOVING if np.any(tail.max(0) - tail.min(0) > c.motion_tolerance) else ELSEWHERE


def stability_solution(kinds: Sequence[str], c: Criteria) -> str:
    """Mono-stable when at least ``return_fraction`` of the images return; else multi-stable or oscillatory, by the
    more common outcome of the images that did not (ties: multi-stable)."""
    counts = Counter(kinds)
    if counts[RETURNS] >= c.return_fraction * len(kinds):
        return MONO
    return OSCILLATORY if counts[MOVING] > counts[ELSEWHERE] else MULTI


def probe_model(model, images, labels, sim: dict[str, Any], a: dict[str, Any], batch_size: int = 100
                ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Simulate a trained CordsNet both ways and label it: (summary, arrays for the figure).

    Hold: the image on for ``ablation.hold_steps``, window = the trained one (the last ``readout_steps`` of
    ``stimulus_steps``). Return: the image on for ``stimulus_steps``, then off for ``ablation.post_steps``."""
    import torch  # torch only here: the labels above are read without it

    from cordsnet.dynamics.trajectories import hold_analysis
    from cordsnet.engine.simulate import simulate

    c = Criteria.from_config(a)
    h = hold_analysis(model, images, labels, sim["stimulus_steps"], sim["readout_steps"], a["hold_steps"],
                      sim["spontaneous_steps"], batch_size)
    dist = []
    k = sim["stimulus_steps"]
    with torch.inference_mode():
        blank = simulate(model, [(None, k + a["post_steps"])], spontaneous_steps=sim["spontaneous_steps"],
                         batch_size=1, record=list(range(model.depth)))
        ref = [blank.states[i][:, 0].flatten(1).numpy() for i in range(model.depth)]  # steps x units
        for start in range(0, len(images), batch_size):
            x = images[start: start + batch_size]
            out = simulate(model, [(x, sim["stimulus_steps"]), (None, a["post_steps"])],
                           spontaneous_steps=sim["spontaneous_steps"], record=list(range(model.depth)))
            states = [out.states[i] for i in range(model.depth)]
            post = [st[k:].flatten(2).numpy() for st in states]
            off = [st[k - 1].flatten(1).numpy() for st in states]
            dist.append(return_distances(post, off, [r[k:] for r in ref], [r[k - 1] for r in ref]))
    d = np.concatenate(dist, axis=1)  # steps x images x areas
    kinds = [return_kind(d[:, i], c) for i in range(d.shape[1])]
    counts = Counter(kinds)
    summary = {"window_accuracy": h["window_accuracy"], "end_accuracy": h["end_accuracy"],
               "answer_kept": h["answer_kept"], "state_drift": h["state_drift"],
               "hold_solution": hold_solution(h["answer_kept"], h["state_drift"], c),
               "returned": counts[RETURNS] / len(kinds), "settled_elsewhere": counts[ELSEWHERE] / len(kinds),
               "still_moving": counts[MOVING] / len(kinds),
               "final_distance_median": float(np.median(d[-1].max(-1))),
               "stability_solution": stability_solution(kinds, c), "images": len(kinds)}
    arrays = {"per_step_accuracy": h["per_step_accuracy"], "distance_median": np.median(d.max(-1), axis=1),
              "distance_examples": d[:, :3].max(-1)}
    return summary, arrays
