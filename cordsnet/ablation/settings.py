"""The ablation's sweep and the configuration of each of its runs (torch-free: the Snakefile plans with it).

Two one-factor sweeps around the recipe (``training.loss_ramp``, ``training.spontaneous_weight``): the ramp's range
with the penalty held at the recipe's, the penalty's coefficient with the ramp held at the recipe's. The recipe's own
setting belongs to both sweeps and is trained once. Each run is the annealing stage from the main seed's linear RNN
(what the paper's recipe anneals) with that one setting changed and ``ablation.updates`` updates, so that the sweep
costs recurrent training only and any difference between settings is the setting's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from cordsnet.config import ConfigError
from cordsnet.training.graph import stage_config


@dataclass(frozen=True)
class Setting:
    """One cell of Table S5: a loss ramp range and a penalty coefficient; ``sweeps`` names the sweeps it is in."""

    ramp: tuple[float, float]
    weight: float
    sweeps: tuple[str, ...]

    @property
    def name(self) -> str:
        """A folder-safe name, e.g. ``ramp0.001-1_pen0.001``."""
        return f"ramp{self.ramp[0]:g}-{self.ramp[1]:g}_pen{self.weight:g}"


def ablation_row(cfg: dict[str, Any]) -> tuple[str, int]:
    """The dataset (``ablation.dataset``, by default the first) and depth of the ablation's models."""
    a = cfg["ablation"]
    return a["dataset"] or cfg["data"]["datasets"][0], int(a["depth"])


def recipe(cfg: dict[str, Any]) -> Setting:
    t = cfg["training"]
    return Setting(tuple(float(v) for v in t["loss_ramp"]), float(t["spontaneous_weight"]), ("ramp", "penalty"))


def settings(cfg: dict[str, Any]) -> list[Setting]:
    """The ramp sweep (at the recipe's penalty) then the penalty sweep (at the recipe's ramp); the recipe's setting
    once, in both sweeps."""
    a, base = cfg["ablation"], recipe(cfg)
    out: dict[str, Setting] = {}
    for ramp in a["ramps"]:
        s = Setting(tuple(float(v) for v in ramp), base.weight, ("ramp",))
        out.setdefault(s.name, s)
    for w in a["spontaneous_weights"]:
        s = Setting(base.ramp, float(w), ("penalty",))
        if s.name in out:
            s = Setting(s.ramp, s.weight, out[s.name].sweeps + ("penalty",))
        out[s.name] = s
    return list(out.values())


def setting_named(cfg: dict[str, Any], name: str) -> Setting:
    for s in settings(cfg):
        if s.name == name:
            return s
    raise KeyError(f"no ablation setting '{name}'; the configuration's are {[s.name for s in settings(cfg)]}")


def run_config(cfg: dict[str, Any], name: str, seed: int) -> dict[str, Any]:
    """The complete configuration one ablation run reads: the annealing stage's slice with the setting's ramp and
    penalty, ``ablation.updates`` updates and the run's seed. What its rule passes (so a change re-runs exactly the
    runs it changes) and what its provenance records; the row (:func:`ablation_row`) comes on the command line."""
    s = setting_named(cfg, name)
    out = copy.deepcopy(stage_config(cfg, "anneal"))
    out["run"]["seed"] = int(seed)
    t = out["training"]
    t["loss_ramp"], t["spontaneous_weight"] = list(s.ramp), s.weight
    t["anneal"] = {**t["anneal"], "min_steps": cfg["ablation"]["updates"],
                   "max_batches_per_epoch": cfg["ablation"]["updates"], "epochs": 1}
    return out


def check(cfg: dict[str, Any], given: set[str] | None = None) -> None:
    """The ablation section's cross-key checks (run by :func:`cordsnet.config.check_consistency`); a slice that
    does not hold the section (``given``) is not checked against the defaults that filled it."""
    if given is None or "ablation" in given:
        _check_ablation(cfg)


def _check_ablation(cfg: dict[str, Any]) -> None:
    """Table S5: a row that is trained, a hold as long as the trained window, a motion window the return fits."""
    a, model, data, sim = cfg.get("ablation"), cfg.get("model"), cfg.get("data"), cfg.get("simulation")
    if a is None:
        return
    if model is not None and a["depth"] not in model["depths"]:
        raise ConfigError(f"invalid configuration at 'ablation.depth': R{a['depth']} is not trained (model.depths = "
                          f"{model['depths']}). Choose one of model.depths.")
    if data is not None and a["dataset"] is not None and a["dataset"] not in data["datasets"]:
        raise ConfigError(f"invalid configuration at 'ablation.dataset': {a['dataset']} is not in data.datasets = "
                          f"{data['datasets']}. Choose one of them, or null for the first.")
    if sim is not None and a["hold_steps"] < sim["stimulus_steps"]:
        raise ConfigError(f"invalid configuration at 'ablation.hold_steps': {a['hold_steps']} steps are shorter than "
                          f"the trained window (simulation.stimulus_steps = {sim['stimulus_steps']}). Raise "
                          "ablation.hold_steps (the paper's test: several times the trained window).")
    if a["motion_window"] > a["post_steps"]:
        raise ConfigError(f"invalid configuration at 'ablation.motion_window': {a['motion_window']} steps do not fit "
                          f"in ablation.post_steps = {a['post_steps']}. Lower motion_window or raise post_steps.")
