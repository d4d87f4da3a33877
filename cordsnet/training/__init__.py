"""The paper's staged training algorithm and its controls (see :mod:`cordsnet.training.stages`)."""

from cordsnet.training.loop import TrainingDivergedError
from cordsnet.training.stages import STAGES, run_stage, stage_dir

__all__ = ["STAGES", "TrainingDivergedError", "run_stage", "stage_dir"]
