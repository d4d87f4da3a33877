"""The cognitive concern's cross-key configuration checks (torch-free)."""

from __future__ import annotations

from typing import Any

from cordsnet.cognitive.matching import MatchingError, match_parameters
from cordsnet.config import ConfigError


def check(cfg: dict[str, Any], given: set[str] | None = None) -> None:
    """Sizes that are cubes, and a kernel, rank and density each size allows (Table S1's matching)."""
    _check_cognitive(cfg)


def _check_cognitive(cfg: dict[str, Any]) -> None:
    """Sizes that are cubes, and a kernel, rank and density each size allows (Table S1's matching)."""
    c = cfg.get("cognitive")
    if c is None:
        return
    if c["example_task"] not in c["tasks"]:
        raise ConfigError(f"invalid configuration at 'cognitive.example_task': {c['example_task']!r} is not among "
                          f"cognitive.tasks {c['tasks']}; choose one of them.")
    for key, size in [("sizes", n) for n in c["sizes"]] + [("attractor.size", c["attractor"]["size"])]:
        try:
            match_parameters(size, c["kernel_size"], c["rank"], c["density"])
        except MatchingError as e:
            raise ConfigError(f"invalid configuration at 'cognitive.{key if e.key == 'sizes' else e.key}' "
                              f"(size {size}): {e}") from None
