"""Provenance records: which code, configuration, data and seed made a result."""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import cordsnet
from cordsnet.config import config_hash


def code_version() -> str:
    """``git describe`` of the checkout the package runs from (with ``-dirty``), else the package version."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=here, capture_output=True, text=True, timeout=10, check=True,
        )
        return f"{cordsnet.__version__}+g{out.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        return cordsnet.__version__


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def record(config_slice: Any, *, seed: int | None = None, data: Any = None, scale: str | None = None,
           extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A provenance dict to embed in (or write beside) every result file."""
    import torch

    rec: dict[str, Any] = {
        "code_version": code_version(),
        "config": config_slice,
        "config_hash": config_hash(config_slice),
        "seed": seed,
        "scale": scale,
        "data": data,
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "host": platform.node(),
    }
    if extra:
        rec.update(extra)
    return rec
