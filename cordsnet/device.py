"""The device a run computes on (``run.device``), for every job that builds a network: the stages, the analyses and
the cognitive-task networks alike."""

from __future__ import annotations

import os
from typing import Any

import torch


def device_for(cfg: dict[str, Any]) -> torch.device:
    """``run.device`` resolved: 'auto' takes a GPU when there is one; under torchrun each rank takes its own GPU."""
    want = cfg["run"]["device"]
    if want == "cpu" or (want == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise RuntimeError("run.device is 'cuda' but torch sees no GPU (torch.cuda.is_available() is False): "
                           "run on a GPU node, or set run.device to 'auto' or 'cpu'")
    return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
