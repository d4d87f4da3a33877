"""What the ``multiarea`` configuration section means (torch-free: the workflow plans with it)."""

from __future__ import annotations

from typing import Any

OVERRIDES = ("fixation_ms", "stimulus_ms", "delay_ms", "response_ms")


def frontend_row(cfg: dict[str, Any]) -> tuple[str, int, str]:
    """The front end: ``multiarea.frontend.dataset`` (by default the first dataset), ``depth`` (by default the
    deepest trained) and ``stage``."""
    f = cfg["multiarea"]["frontend"]
    return f["dataset"] or cfg["data"]["datasets"][0], f["depth"] or max(cfg["model"]["depths"]), f["stage"]


def durations(m: dict[str, Any], task: str) -> dict[str, float]:
    """The task's period durations in ms: ``multiarea.periods_ms``, with the task's own ``<period>_ms`` where set."""
    out = dict(m["periods_ms"])
    for key in OVERRIDES:
        value = m.get(task, {}).get(key)
        if value is not None:
            out[key[: -len("_ms")]] = float(value)
    if task == "numerosity" and m["numerosity"]["mode"] == "match":
        out["test"] = float(m["numerosity"]["test_ms"])
    return out
