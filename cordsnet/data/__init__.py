"""Datasets: offline-first sources, format readers, transforms and manifests (see docs/data.md).

Attributes are imported on first use, so that the torch-free parts (:mod:`cordsnet.data.registry`, read when a
configuration is checked) do not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"load_split": "cordsnet.data.loading", "prepare_dataset": "cordsnet.data.prepare",
         "prepared_dir": "cordsnet.data.prepare", "DataFormatError": "cordsnet.data.readers",
         "DATASETS": "cordsnet.data.registry", "dataset_info": "cordsnet.data.registry",
         "DataUnavailableError": "cordsnet.data.sources", "resolve_source": "cordsnet.data.sources"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cordsnet.data' has no attribute {name!r}")
