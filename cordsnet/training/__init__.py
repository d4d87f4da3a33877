"""The paper's staged training algorithm and its controls: the stage table (:mod:`cordsnet.training.graph`), the
runners (:mod:`cordsnet.training.runners`, s2 in :mod:`cordsnet.training.steady_state`) and Table 1.

Attributes are imported on first use, so that reading the stage graph (:mod:`cordsnet.training.graph`, as the
Snakefile does) does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

from cordsnet.training.graph import STAGES

_LAZY = {"TrainingDivergedError": "cordsnet.training.loop", "run_stage": "cordsnet.training.runners"}

__all__ = ["STAGES", "TrainingDivergedError", "run_stage"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cordsnet.training' has no attribute {name!r}")
