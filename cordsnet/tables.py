"""Writing tables (CSV + Markdown) with a provenance sidecar, atomically."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from cordsnet.io import write_json, write_text


def percent(x: float | None) -> float | None:
    """A fraction as a percentage rounded to 0.01 (None stays None): how every table shows accuracies."""
    return None if x is None else round(100 * x, 2)


def write_table(rows: list[dict[str, Any]], csv_path: str | os.PathLike[str], provenance: dict[str, Any],
                title: str, note: str = "", md_rows: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """``<name>.csv``, ``<name>.md`` (with a caption that states data and scale) and ``<name>.provenance.json``.
    ``md_rows``: what the Markdown shows instead of ``rows`` (e.g. "mean ± SD" cells of numbers the CSV keeps)."""
    df = pd.DataFrame(rows)
    csv_path = Path(csv_path)
    write_text(csv_path, df.to_csv(index=False))
    caption = f"**{title}.** {note}".strip()
    scale = provenance.get("scale")
    footer = f"\n\nScale: {scale}. Code {provenance.get('code_version')}, config hash {provenance.get('config_hash')}."
    shown = df if md_rows is None else pd.DataFrame(md_rows)
    write_text(csv_path.with_suffix(".md"), caption + "\n\n" + shown.to_markdown(index=False) + footer + "\n")
    write_json(csv_path.with_suffix(".provenance.json"), provenance)
    return df
