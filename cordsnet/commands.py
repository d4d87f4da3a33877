"""The registry of the ``cordsnet`` CLI's commands: each concern's modules register theirs with :func:`command`;
:mod:`cordsnet.cli` imports the modules the concern table names (:attr:`cordsnet.concerns.Concern.modules`) and
builds the parser.

A command says which concern it belongs to, and reads that concern's configuration sections
(:attr:`~cordsnet.concerns.Concern.sections`, the slice its rules pass), or, for a command that runs one training
stage, the sections every stage reads (``stage=True``). A ``--config-json`` slice without them is refused before any
work, naming what is missing. Torch-free: this is the foundation every command module imports.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from cordsnet.concerns import CONCERNS, STAGE_SECTIONS

AddArgs = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace, dict], int]


@dataclass(frozen=True)
class Command:
    help: str
    add_args: AddArgs
    run: Run
    concern: str | None
    """the concern it belongs to (None: a command about the run itself, e.g. ``workflow-summary``)"""
    sections: tuple[str, ...]
    """configuration sections the command reads: its concern's, or a training stage's"""


COMMANDS: dict[str, Command] = {}


def command(name: str, help_text: str, add_args: AddArgs, concern: str | None, stage: bool = False,
            sections: tuple[str, ...] | None = None):
    """Register ``fn(args, cfg) -> exit code`` as ``cordsnet <name>``, reading ``concern``'s sections (``stage``: a
    training stage's; ``sections``: only for a command of no concern)."""
    if concern is not None and concern not in CONCERNS:
        raise ValueError(f"command '{name}': unknown concern '{concern}'; concerns are {sorted(CONCERNS)}")
    if sections is None:
        sections = STAGE_SECTIONS if stage else CONCERNS[concern].sections if concern else ("run",)

    def deco(fn: Run) -> Run:
        if name in COMMANDS:
            raise ValueError(f"command '{name}' is registered twice")
        COMMANDS[name] = Command(help_text, add_args, fn, concern, tuple(sections))
        return fn

    return deco
