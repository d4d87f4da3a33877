"""Command-line entry points (``cordsnet <command> --help``). Workflow rules call these; so can users.

Every command takes the configuration either as a file (``--config config/config.yaml``) or, as Snakemake rules
pass it, as the already-merged JSON of the sections it reads (``--config-json '{...}'``). Either way it is validated
by the schema; a slice must hold the sections its command reads before the schema fills defaults (a missing section
is an error, never the schema's default). Commands are registered by the modules each concern names
(:attr:`cordsnet.concerns.Concern.modules`), imported here.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from typing import Any

from cordsnet.commands import COMMANDS
from cordsnet.concerns import command_modules
from cordsnet.config import ConfigError, load_config, require_sections
from cordsnet.data import DataFormatError, DataUnavailableError

log = logging.getLogger("cordsnet")

for _module in command_modules():  # each concern's modules register their commands
    importlib.import_module(_module)


def _config_from_args(args: argparse.Namespace) -> dict[str, Any]:
    if args.config_json:
        try:
            raw = json.loads(args.config_json)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--config-json is not valid JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise ConfigError(f"--config-json must hold a mapping of sections, got {type(raw).__name__}")
        # checked on the slice as given: a section the schema would fill with its defaults is still missing
        require_sections(raw, COMMANDS[args.command].sections, f"`cordsnet {args.command}`")
        return load_config(raw, partial=True)
    cfg = load_config(args.config)
    require_sections(cfg, COMMANDS[args.command].sections, f"`cordsnet {args.command}`")
    return cfg


def _threads(cfg: dict[str, Any], override: int | None) -> None:
    import torch

    torch.set_num_threads(override or cfg["run"]["threads"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cordsnet",
        description="CordsNet reproduction: library commands used by the Snakemake workflow.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, cmd in sorted(COMMANDS.items()):
        p = sub.add_parser(name, help=cmd.help, description=f"{cmd.help}. Reads the configuration sections: "
                           f"{', '.join(cmd.sections)}.")
        src = p.add_mutually_exclusive_group()
        src.add_argument("--config", default="config/config.yaml", help="YAML configuration (default: %(default)s)")
        src.add_argument("--config-json", help="(a slice of) the merged configuration as JSON")
        p.add_argument("--threads", type=int, default=None, help="torch threads (default: run.threads)")
        cmd.add_args(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        cfg = _config_from_args(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _threads(cfg, args.threads)
    try:
        return COMMANDS[args.command].run(args, cfg)
    except Exception as exc:  # report library errors as one clear line, keep the traceback in debug logs

        if isinstance(exc, (DataFormatError, DataUnavailableError, ConfigError, FileNotFoundError, ValueError)):
            log.debug("traceback", exc_info=True)
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
