"""The training concern's cross-key configuration checks (torch-free; run by :func:`cordsnet.config.check_consistency`
when a configuration is loaded, before any work)."""

from __future__ import annotations

from typing import Any

from cordsnet.config import ConfigError
from cordsnet.training.graph import early_readout_steps


def check(cfg: dict[str, Any], given: set[str] | None = None) -> None:
    """The rules between training keys, and between them and the simulation."""
    _check_lr_decay(cfg)
    _check_early_readout(cfg)
    if given is None:  # a stage's slice carries its own seed, not the list
        _check_seeds(cfg)


def _check_lr_decay(cfg: dict[str, Any]) -> None:
    """``lr_decay`` is a setting of the stages trained by AdamW at one rate (the steady-state fit, the stages in
    time, the controls); the CNN has its own schedule (lr rounds with warm-up), so a decay set there would be
    ignored: refused instead."""
    decay = cfg.get("training", {}).get("cnn", {}).get("lr_decay", "none")
    if decay != "none":
        raise ConfigError(
            f"invalid configuration at 'training.cnn.lr_decay': {decay!r} is a schedule of the stages after the CNN "
            "(init_linear, linear_rnn, anneal, finetune, the controls); the CNN's schedule is training.lr_rounds "
            "with warmup_epochs. Remove the key.")


def _check_early_readout(cfg: dict[str, Any]) -> None:
    """The early-readout model's window (Fig 4B) fits after onset and ends before the standard one."""
    sim, tr = cfg.get("simulation"), cfg.get("training")
    if sim is not None and tr is not None:
        early = early_readout_steps(cfg)
        if not sim["readout_steps"] <= early < sim["stimulus_steps"]:
            raise ConfigError(
                f"invalid configuration at 'training.early_readout_steps': {early}; the early readout window (the "
                f"last simulation.readout_steps = {sim['readout_steps']} of it) must fit after onset and end before "
                f"the standard window (simulation.stimulus_steps = {sim['stimulus_steps']}). Choose a value from "
                f"{sim['readout_steps']} to {sim['stimulus_steps'] - 1}.")


def _check_seeds(cfg: dict[str, Any]) -> None:
    """Table 1's seeds hold the main one, and the depths trained for every seed are trained at all."""
    run, model = cfg.get("run"), cfg.get("model")
    if run is None:
        return
    if run["seed"] not in run["seeds"]:
        raise ConfigError(
            f"invalid configuration at 'run.seeds': {run['seeds']} does not hold run.seed = {run['seed']} (the main "
            f"seed's models are the ones every analysis reads, and one of Table 1's seeds). Add {run['seed']} to "
            "run.seeds.")
    if model is not None and run["seed_depths"] is not None:
        extra = sorted(set(run["seed_depths"]) - set(model["depths"]))
        if extra:
            raise ConfigError(
                f"invalid configuration at 'run.seed_depths': depth(s) {extra} are not in model.depths = "
                f"{model['depths']}. Remove them from run.seed_depths, or add them to model.depths.")
