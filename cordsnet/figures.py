"""Saving figures with their provenance: PNG + PDF + a JSON sidecar, written atomically."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cordsnet.io import atomic_path, write_json


def save_figure(fig, path: str | os.PathLike[str], provenance: dict[str, Any]) -> list[Path]:
    """``<path>.png``, ``<path>.pdf`` and ``<path>.provenance.json`` (``path`` without suffix)."""
    path = Path(path)
    fig.tight_layout()
    written = []
    for ext in (".png", ".pdf"):
        target = path.with_suffix(ext)
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=ext[1:], dpi=150, bbox_inches="tight", metadata=None if ext == ".pdf" else {})
        written.append(target)
    write_json(path.with_suffix(".provenance.json"), provenance)
    return written
