"""The temporal concern's settings: which trained models each analysis reads, and the section's cross-key checks
(torch-free: the workflow reads it while planning)."""

from __future__ import annotations

from typing import Any

from cordsnet.config import ConfigError

NOISE_MODELS = {"cordsnet": "finetune", "cnn": "cnn", "rcnn": "rcnn"}
"""The noise sweep (Fig 3C-D): model label -> the training stage it comes from."""
SEQUENCE_MODELS = {"cordsnet": "finetune", "cnn": "cnn", "rcnn": "rcnn"}
"""The stimulus sequences (Fig 3B): model label -> stage."""
SOLUTION_MODELS = {"late": "finetune", "early": "early_readout"}
"""Steady-state vs transient solutions (Fig 4B-C), on the solution row: label -> stage."""
MODELS = {"noise": NOISE_MODELS, "sequences": SEQUENCE_MODELS, "solutions": SOLUTION_MODELS}
"""Each temporal analysis -> the trained models it reads (what its rule waits for)."""


def check(cfg: dict[str, Any], given: set[str] | None = None) -> None:
    """Windows and rows of the temporal analyses that must fit the simulation, the models and the datasets."""
    _check_temporal(cfg)


def _check_temporal(cfg: dict[str, Any]) -> None:
    """Windows and rows of the temporal analyses that must fit the simulation, the models and the datasets."""
    sim, t = cfg.get("simulation"), cfg.get("temporal")
    if t is None:
        return
    if sim is not None:
        if t["hold_steps"] < sim["stimulus_steps"]:
            raise ConfigError(
                f"invalid configuration at 'temporal.hold_steps': {t['hold_steps']} is shorter than the trained "
                f"window (simulation.stimulus_steps = {sim['stimulus_steps']}); Fig 4B simulates well past it: "
                f"use several times {sim['stimulus_steps']}.")
        if t["segment_steps"] is not None and t["segment_steps"] < sim["stimulus_steps"]:
            raise ConfigError(
                f"invalid configuration at 'temporal.segment_steps': {t['segment_steps']} is shorter than the trained "
                f"window (simulation.stimulus_steps = {sim['stimulus_steps']}); C5 reads each segment in the trained "
                f"readout window: use at least {sim['stimulus_steps']}.")
        if max(t["feature_map_steps"]) > t["hold_steps"]:
            raise ConfigError(f"invalid configuration at 'temporal.feature_map_steps': {max(t['feature_map_steps'])} "
                              f"is past temporal.hold_steps = {t['hold_steps']}; lower it")
    model = cfg.get("model")
    if model is not None and t["solution_depth"] is not None and t["solution_depth"] not in model["depths"]:
        raise ConfigError(
            f"invalid configuration at 'temporal.solution_depth': {t['solution_depth']} is not among model.depths "
            f"{model['depths']}; Fig 4B-C analyse a trained model: choose one of {model['depths']}.")
    data = cfg.get("data")
    if data is not None and t["solution_dataset"] is not None and t["solution_dataset"] not in data["datasets"]:
        raise ConfigError(
            f"invalid configuration at 'temporal.solution_dataset': {t['solution_dataset']!r} is not among "
            f"data.datasets {data['datasets']}; choose one of them, or null for the first.")
