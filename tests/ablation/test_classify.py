"""The solution classifiers on hand-built trajectories, and the sweep's settings."""

import numpy as np
import pytest

from cordsnet.ablation.classify import (
    ELSEWHERE,
    MONO,
    MOVING,
    MULTI,
    OSCILLATORY,
    RETURNS,
    STEADY,
    TRANSIENT,
    Criteria,
    hold_solution,
    return_distances,
    return_kind,
    stability_solution,
)
from cordsnet.ablation.settings import recipe, run_config, setting_named, settings

C = Criteria(hold_fraction=0.95, hold_drift=0.1, return_tolerance=0.1, return_fraction=0.95, motion_tolerance=0.02,
             motion_window=30)
STEPS = 150


def trajectory(kind: str, units: int = 20, seed: int = 0):
    """One area's states after offset (steps x 1 x units), its state at offset and its spontaneous state."""
    rng = np.random.default_rng(seed)
    spont, off = rng.normal(size=units), rng.normal(size=units) * 3
    t = np.arange(1, STEPS + 1)[:, None]
    if kind == "returns":  # relaxes to the spontaneous state
        states = spont + (off - spont) * np.exp(-t / 15)
    elif kind == "elsewhere":  # relaxes to another fixed point, 40% of the way from it
        other = spont + 0.4 * (off - spont)
        states = other + (off - other) * np.exp(-t / 15)
    else:  # a limit cycle around the spontaneous state that never decays
        v = (off - spont) / 2
        w = np.roll(v, 1)
        states = spont + v * np.cos(2 * np.pi * t / 25) + w * np.sin(2 * np.pi * t / 25)
    return states[:, None, :], off[None], spont


@pytest.mark.parametrize("kind, expected", [("returns", RETURNS), ("elsewhere", ELSEWHERE), ("cycle", MOVING)])
def test_return_kind_of_hand_built_trajectories(kind, expected):
    post, off, spont = trajectory(kind)
    d = return_distances([post], [off], [np.tile(spont, (STEPS, 1))], [spont])
    assert d.shape == (STEPS, 1, 1)
    assert d[0, 0, 0] == pytest.approx(np.exp(-1 / 15), rel=1e-6) if kind == "returns" else True
    assert return_kind(d[:, 0], C) == expected


def test_every_area_must_return():
    """Two areas: one returns, the other settles elsewhere: the image does not return."""
    a, b = trajectory("returns"), trajectory("elsewhere", seed=1)
    d = return_distances([a[0], b[0]], [a[1], b[1]], [np.tile(a[2], (STEPS, 1)), np.tile(b[2], (STEPS, 1))],
                         [a[2], b[2]])
    assert return_kind(d[:, 0], C) == ELSEWHERE
    assert return_kind(d[:, 0, :1], C) == RETURNS


def test_distance_is_to_the_spontaneous_trajectory_at_the_same_time():
    """A warm-up still settling: the image trajectory follows the never-stimulated one; it returns, although it ends
    far from where the blank network was at image offset."""
    post, off, spont = trajectory("returns")
    drift = np.linspace(0, 5, STEPS)[:, None] * np.ones_like(spont)  # the spontaneous state itself moves on
    moving = spont + drift
    d = return_distances([post + drift[:, None]], [off], [moving], [spont])
    assert return_kind(d[:, 0], C) == RETURNS
    frozen = return_distances([post + drift[:, None]], [off], [np.tile(spont, (STEPS, 1))], [spont])
    assert return_kind(frozen[:, 0], C) != RETURNS  # against the state at offset it would look like another one


def test_stability_solution_by_share_and_majority():
    assert stability_solution([RETURNS] * 19 + [ELSEWHERE], C) == MONO  # 95% return
    assert stability_solution([RETURNS] * 18 + [ELSEWHERE] * 2, C) == MULTI
    assert stability_solution([RETURNS] * 10 + [MOVING] * 6 + [ELSEWHERE] * 4, C) == OSCILLATORY
    assert stability_solution([MOVING, ELSEWHERE], C) == MULTI  # a tie: multi-stable


def test_hold_solution_needs_the_answer_and_the_state_kept():
    assert hold_solution(0.99, [0.01, 0.05], C) == STEADY
    assert hold_solution(0.90, [0.01, 0.05], C) == TRANSIENT  # the answer changed for 10% of the images
    assert hold_solution(0.99, [0.01, 0.30], C) == TRANSIENT  # same answer, but the last area moved on


def test_settings_hold_the_recipe_once_in_both_sweeps():
    cfg = {"training": {"loss_ramp": [1e-3, 1.0], "spontaneous_weight": 1e-3,
                        "anneal": {"epochs": 1, "min_steps": 160, "max_batches_per_epoch": 160}},
           "ablation": {"ramps": [[1.0, 1.0], [1e-3, 1.0]], "spontaneous_weights": [0.0, 1e-3], "updates": 7}}
    names = [s.name for s in settings(cfg)]
    assert names == ["ramp1-1_pen0.001", "ramp0.001-1_pen0.001", "ramp0.001-1_pen0"]
    assert setting_named(cfg, recipe(cfg).name).sweeps == ("ramp", "penalty")
    with pytest.raises(KeyError, match="no ablation setting 'x'"):
        setting_named(cfg, "x")


def test_run_config_changes_one_setting_and_the_budget(tiny_cfg):
    tiny_cfg["ablation"].update(ramps=[[1.0, 1.0]], spontaneous_weights=[0.0], updates=7)
    out = run_config(tiny_cfg, "ramp1-1_pen" + f"{tiny_cfg['training']['spontaneous_weight']:g}", 3)
    assert out["run"]["seed"] == 3 and out["training"]["loss_ramp"] == [1.0, 1.0]
    assert out["training"]["anneal"]["min_steps"] == out["training"]["anneal"]["max_batches_per_epoch"] == 7
    assert "finetune" not in out["training"]  # the annealing stage's slice only
