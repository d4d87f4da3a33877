"""Which models and clock the ``neural`` configuration section means (torch-free: the workflow plans with it).

The scored CordsNet is ``neural.dataset`` (by default the first dataset) at ``neural.depth`` (by default the
deepest trained); the synthetic surrogate's generating network is another trained depth of the same dataset
(``neural.surrogate.depth``, by default the shallowest other one; with one depth trained, another stage of it), so
that the scored model never predicts itself.
"""

from __future__ import annotations

from typing import Any


def scored_depth(cfg: dict[str, Any]) -> int:
    """The scored CordsNet's depth (reads ``neural`` and ``model``)."""
    return cfg["neural"]["depth"] or max(cfg["model"]["depths"])


def scored_row(cfg: dict[str, Any]) -> tuple[str, int]:
    """The scored model's dataset and depth."""
    return cfg["neural"]["dataset"] or cfg["data"]["datasets"][0], scored_depth(cfg)


def generator_depth(cfg: dict[str, Any]) -> int:
    """The generating network's depth: ``neural.surrogate.depth``, by default the shallowest other than the scored
    one (the scored depth itself when it is the only one: then the stages must differ)."""
    depth = cfg["neural"]["surrogate"]["depth"]
    if depth is not None:
        return depth
    scored = scored_depth(cfg)
    others = [d for d in cfg["model"]["depths"] if d != scored]
    return min(others) if others else scored


def generator_stage(cfg: dict[str, Any]) -> str:
    """The generating network's training stage: ``neural.surrogate.stage``, by default the fine-tuned model, or the
    annealed one when the generator has the scored model's depth and stage (a run that trains one depth)."""
    stage = cfg["neural"]["surrogate"]["stage"]
    if stage is not None:
        return stage
    same = generator_depth(cfg) == scored_depth(cfg) and cfg["neural"]["stage"] == "finetune"
    return "anneal" if same else "finetune"


def step_ms(cfg: dict[str, Any]) -> float:
    """The model's Euler step on the recordings' clock: dt = alpha x tau."""
    return cfg["model"]["alpha"] * cfg["neural"]["tau_ms"]


def area_index(area: int, depth: int) -> int:
    """An area counted from the first (0, 1, ...) or from the last (-1, -2, ...) as an index 0..depth-1."""
    return area % depth
