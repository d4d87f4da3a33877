"""Atomic file writing: nothing half-written is ever left where a reader (or Snakemake) would trust it.

Torch is imported only by the functions that save or load tensors, so table and JSON writers stay light.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only if the block succeeds.

    The temporary file lives in the same directory so the final ``os.replace`` is atomic on POSIX.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as indented, key-sorted JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def save_tensors(path: str | os.PathLike[str], obj: dict[str, Any]) -> None:
    """``torch.save`` atomically. Only tensors and plain Python types, so ``weights_only=True`` loads it.

    Byte-reproducible: the same tensors give the same bytes, so DVC's content hashes mean something. ``torch.save``
    given a path names the archive inside its zip after the file, here the random temporary name; given an open
    file it writes the fixed name ``archive``.
    """
    import torch

    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        torch.save(obj, fh)


def load_tensors(path: str | os.PathLike[str]) -> dict[str, Any]:
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


def _json_default(o: Any) -> Any:
    if isinstance(o, Path):
        return str(o)
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def save_npz(path: str | os.PathLike[str], **arrays: Any) -> None:
    """``numpy.savez_compressed`` atomically (arrays for notebooks to plot)."""
    import numpy as np

    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)


PREDICTION_FIELDS = [("index", "<i4"), ("label", "<i2"), ("predicted", "<i2")]
"""One record per scored test image: its index in the split, its label, the class the model gave."""


def save_predictions(path: str | os.PathLike[str], index: Any, label: Any, predicted: Any) -> None:
    """A model's per-image answers on a test split as one ``.npy`` record array (:data:`PREDICTION_FIELDS`), sorted
    by image index, written atomically and byte-reproducibly (``numpy.save`` has no timestamp), so that any two
    models are compared image by image (:func:`load_predictions`)."""
    import numpy as np

    index, label, predicted = (np.asarray(a).ravel() for a in (index, label, predicted))
    if not len(index) == len(label) == len(predicted):
        raise ValueError(f"predictions need one index, label and class per image: {len(index)}, {len(label)}, "
                         f"{len(predicted)}")
    rec = np.empty(len(index), dtype=PREDICTION_FIELDS)
    order = np.argsort(index, kind="stable")
    rec["index"], rec["label"], rec["predicted"] = index[order], label[order], predicted[order]
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, rec, allow_pickle=False)


def load_predictions(path: str | os.PathLike[str]) -> Any:
    """The record array :func:`save_predictions` wrote (fields index, label, predicted); ``rec["label"] ==
    rec["predicted"]`` is the per-image correctness."""
    import numpy as np

    rec = np.load(path, allow_pickle=False)
    if rec.dtype.names != tuple(n for n, _ in PREDICTION_FIELDS):
        raise ValueError(f"{path}: not a predictions file (fields {rec.dtype.names}); it is written by "
                         "cordsnet.io.save_predictions")
    return rec
