"""Cognitive tasks of the standard suite (Yang et al. 2019) as seeded, vectorised trial generators.

Time is in ms with ``dt`` explicit (neurogym's habit); a task draws a batch of trials as time-major arrays
(inputs, targets, cost mask) plus each trial's named periods, so that networks, losses and analyses read the
same structure. Not gym environments: a batch is one call. See :mod:`cordsnet.tasks.base` for the conventions
and :mod:`cordsnet.tasks.suite` for the tasks. Torch-free (numpy).
"""

from cordsnet.tasks.base import InputLayout, Timing, Trials, decode_direction, performance
from cordsnet.tasks.suite import ATTRACTOR_TASKS, COMPANION_TASKS, SUITE_TASKS, TASKS, TaskSet

__all__ = ["ATTRACTOR_TASKS", "COMPANION_TASKS", "InputLayout", "SUITE_TASKS", "TASKS", "TaskSet", "Timing", "Trials",
           "decode_direction", "performance"]
