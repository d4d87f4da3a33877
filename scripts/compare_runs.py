#!/usr/bin/env python
"""Compare two results trees of the same configuration, file by file: are the tables, metrics and checkpoints equal?

    python scripts/compare_runs.py results/smoke /other/checkout/results/smoke

For a restructuring that must not change behaviour (docs/history.md): every table (``.csv``, ``.md``), every JSON
(metrics, reports, provenance) and every checkpoint (``.pt``) present in either tree is compared. A file is

- ``identical``: the same bytes;
- ``equal-but-volatile``: JSON equal once the keys that record *when, where and by which commit* a file was made are
  removed (:data:`VOLATILE_KEYS`), or a table equal once the columns of measured seconds are removed
  (:data:`VOLATILE_COLUMNS`); a checkpoint whose every tensor and value is equal (bytes differ: the archive name
  inside ``torch.save``'s zip, fixed since ``io.save_tensors`` writes through a file handle);
- ``DIFFERENT`` or ``MISSING`` otherwise, with the first difference.

Logs, benchmarks, executed notebooks and figures (PNG/PDF embed dates) are not compared. Exit status 1 when any file
is DIFFERENT or MISSING.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

SKIP_DIRS = {"logs", "benchmarks", "notebooks", "figures"}
SUFFIXES = {".csv", ".md", ".json", ".pt"}
VOLATILE_KEYS = {"created_utc", "code_version", "host", "python", "torch", "prepared_files"}
"""keys that say when, where and by which code version a file was made; and ``prepared_files`` (the manifest's
sha256 of the prepared ``.pt`` files, whose bytes, not tensors, depended on a random temporary name until
``io.save_tensors`` wrote through a file handle: those files are compared tensor by tensor)"""
VOLATILE_SUFFIXES = ("seconds", "seconds_per_trial", "_s")
"""keys that say how long something took (``wall_seconds``, ``arnoldi_seconds``, ``seconds_per_trial``, ...)"""
VOLATILE_COLUMNS = {"time (s)", "seconds", "wall (s)", "train (s)"}
CODE_VERSION = re.compile(r"Code \S+, ")


def _files(root: Path) -> set[str]:
    out = set()
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if p.is_file() and p.suffix in SUFFIXES and not (set(rel.parts[:-1]) & SKIP_DIRS):
            out.add(str(rel))
    return out


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in VOLATILE_KEYS and not k.endswith(VOLATILE_SUFFIXES)}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _first_diff(a: Any, b: Any, where: str = "") -> str:
    if type(a) is not type(b):
        return f"{where or '<root>'}: {a!r} vs {b!r}"[:300]
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}.{k}: present in one file only"
            if a[k] != b[k]:
                return _first_diff(a[k], b[k], f"{where}.{k}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_diff(x, y, f"{where}[{i}]")
    return f"{where or '<root>'}: {a!r} vs {b!r}"[:300]


def _tensors_equal(a: Any, b: Any) -> bool:
    import torch

    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_tensors_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_tensors_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _csv_without(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return rows
    keep = [i for i, h in enumerate(rows[0]) if h not in VOLATILE_COLUMNS]
    return [[r[i] for i in keep if i < len(r)] for r in rows]


def _md_without(text: str) -> list[list[str]]:
    """A Markdown table's cells without the seconds columns, the footer without the code version."""
    lines = [CODE_VERSION.sub("", line) for line in text.splitlines()]
    header = next((i for i, line in enumerate(lines) if line.startswith("|")), None)
    if header is None:
        return [[line] for line in lines]
    cells = [h.strip() for h in lines[header].split("|")]
    drop = {i for i, h in enumerate(cells) if h in VOLATILE_COLUMNS}
    return [[c for i, c in enumerate(line.split("|")) if i not in drop] if line.startswith("|") else [line]
            for line in lines]


def compare(a: Path, b: Path) -> tuple[str, str]:
    """(verdict, detail) for one pair of files."""
    if a.read_bytes() == b.read_bytes():
        return "identical", ""
    if a.suffix == ".json":
        x, y = _strip(json.loads(a.read_text())), _strip(json.loads(b.read_text()))
        return ("equal-but-volatile", "") if x == y else ("DIFFERENT", _first_diff(x, y))
    if a.suffix == ".pt":
        import torch

        x = torch.load(a, map_location="cpu", weights_only=True)
        y = torch.load(b, map_location="cpu", weights_only=True)
        return ("equal-but-volatile", "same tensors, other bytes") if _tensors_equal(x, y) else ("DIFFERENT", "tensors")
    if a.suffix == ".csv" and _csv_without(a.read_text()) == _csv_without(b.read_text()):
        return "equal-but-volatile", "only the seconds columns differ"
    if a.suffix == ".md" and _md_without(a.read_text()) == _md_without(b.read_text()):
        return "equal-but-volatile", "only the code version or the seconds columns differ"
    la, lb = a.read_text().splitlines(), b.read_text().splitlines()
    for i, (x, y) in enumerate(zip(la, lb, strict=False)):
        if x != y:
            return "DIFFERENT", f"line {i + 1}: {x[:120]!r} vs {y[:120]!r}"
    return "DIFFERENT", f"{len(la)} vs {len(lb)} lines"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("before", type=Path, help="results tree of the first run (e.g. results/smoke of the old commit)")
    p.add_argument("after", type=Path, help="results tree of the second run")
    p.add_argument("--verbose", action="store_true", help="list every file, not only those not identical")
    args = p.parse_args(argv)
    names = sorted(_files(args.before) | _files(args.after))
    counts: dict[str, int] = {}
    for name in names:
        a, b = args.before / name, args.after / name
        if not a.is_file() or not b.is_file():
            verdict, detail = "MISSING", f"only in {'after' if b.is_file() else 'before'}"
        else:
            verdict, detail = compare(a, b)
        counts[verdict] = counts.get(verdict, 0) + 1
        if verdict != "identical" or args.verbose:
            print(f"{verdict:<20} {name}{'  ' + detail if detail else ''}")
    print(f"{len(names)} files: " + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())))
    return 1 if counts.get("DIFFERENT") or counts.get("MISSING") else 0


if __name__ == "__main__":
    sys.exit(main())
