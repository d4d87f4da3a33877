"""The two result objects analyses compute and write: a table, or a JSON report with arrays beside it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cordsnet.io import save_npz, write_json
from cordsnet.tables import write_table


@dataclass
class Table:
    """Rows of a table with its caption and provenance; ``write`` gives ``.csv``, ``.md`` and ``.provenance.json``."""

    rows: list[dict[str, Any]]
    provenance: dict[str, Any]
    title: str
    note: str = ""
    md_rows: list[dict[str, Any]] | None = None
    """what the Markdown shows instead of ``rows`` (None: the rows)"""

    def write(self, csv_path: str | os.PathLike[str]):
        return write_table(self.rows, csv_path, self.provenance, self.title, self.note, self.md_rows)


@dataclass
class Report:
    """A JSON-able report (its ``provenance`` key included) and named arrays for the notebooks (``.npz``)."""

    data: dict[str, Any]
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def write(self, json_path: str | os.PathLike[str]) -> None:
        write_json(json_path, self.data)
        save_npz(Path(json_path).with_suffix(".npz"), **self.arrays)
