"""Datasets: offline-first sources, format readers, transforms and manifests (see docs/data.md)."""

from cordsnet.data.loading import load_split
from cordsnet.data.prepare import prepare_dataset, prepared_dir
from cordsnet.data.readers import DataFormatError
from cordsnet.data.registry import DATASETS, dataset_info
from cordsnet.data.sources import DataUnavailableError, resolve_source

__all__ = [
    "DATASETS",
    "DataFormatError",
    "DataUnavailableError",
    "dataset_info",
    "load_split",
    "prepare_dataset",
    "prepared_dir",
    "resolve_source",
]
