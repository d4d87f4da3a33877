"""Saving figures with their provenance: PNG + PDF + a JSON sidecar, written atomically.

A figure's sidecar lists exactly the files that figure read: the notebook reads them through a fresh
:class:`FigureInputs` per figure, which records each file (with its checksum and, for result files that carry one,
their own provenance's config hash and code version) and builds the sidecar from that record alone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cordsnet.io import atomic_path, write_json
from cordsnet.provenance import code_version, sha256_file


class FigureInputs:
    """The result files one figure reads; its :meth:`provenance` lists them, and only them."""

    def __init__(self, figure: str):
        self.figure = figure
        self.files: list[dict[str, Any]] = []

    def _note(self, path: str | os.PathLike[str], content: Any = None) -> Path:

        path = Path(path)
        entry: dict[str, Any] = {"file": str(path), "sha256": sha256_file(path)}
        prov = content.get("provenance") if isinstance(content, dict) else None
        if isinstance(prov, dict):
            entry.update({k: prov.get(k) for k in ("config_hash", "code_version", "scale")})
        if str(path) not in {f["file"] for f in self.files}:
            self.files.append(entry)
        return path

    def json(self, path: str | os.PathLike[str]) -> Any:
        content = json.loads(Path(path).read_text())
        self._note(path, content)
        return content

    def csv(self, path: str | os.PathLike[str]):
        import pandas as pd

        self._note(path)
        return pd.read_csv(path)

    def npz(self, path: str | os.PathLike[str]):
        import numpy as np

        self._note(path)
        return np.load(path)

    def provenance(self, scale: str | None, **extra: Any) -> dict[str, Any]:
        """The sidecar: figure, scale, the code that drew it and the files it read."""
        return {"figure": self.figure, "scale": scale, "code_version": code_version(), "inputs": list(self.files),
                **extra}


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
