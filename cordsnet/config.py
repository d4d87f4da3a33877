"""Configuration: one schema-validated source of parameters for the library, Snakemake, DVC and notebooks.

The schema (``cordsnet/schemas/config.schema.yaml``, also reachable as ``workflow/schemas/config.schema.yaml``)
rejects unknown keys, wrong types and out-of-range values. :func:`load_config` reports the first fault with the
dotted key path (``model.width: -1 is less than or equal to the minimum of 0``) and fills in schema defaults.
Every optional key has a default in the schema (a test checks it), so a validated configuration holds every key:
code reads it with ``cfg[section][key]`` only and never carries a fallback of its own.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from cordsnet.concerns import CONCERNS

SCHEMA_RESOURCE = "schemas/config.schema.yaml"


class ConfigError(ValueError):
    """A configuration that does not satisfy the schema; the message names the key path and the fix."""


def schema() -> dict[str, Any]:
    text = resources.files("cordsnet").joinpath(SCHEMA_RESOURCE).read_text()
    return yaml.safe_load(text)


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        parts = parts + extra[:1]
    return ".".join(parts) or "<top level>"


def _fill_defaults(node: Any, sch: dict[str, Any], root: dict[str, Any]) -> None:
    """Insert schema ``default`` values for absent keys (recursively, following local ``$ref``s)."""
    if "$ref" in sch:
        ref = sch["$ref"].lstrip("#/").split("/")
        target = root
        for part in ref:
            target = target[part]
        sch = target
    if not isinstance(node, dict):
        return
    for key, sub in sch.get("properties", {}).items():
        if key not in node and "default" in sub:
            node[key] = copy.deepcopy(sub["default"])
        if key in node:
            _fill_defaults(node[key], sub, root)


def _drop_required(node: Any) -> None:
    """A partial configuration may leave out any key: what is present is still checked in full."""
    if isinstance(node, dict):
        node.pop("required", None)
        for value in node.values():
            _drop_required(value)
    elif isinstance(node, list):
        for value in node:
            _drop_required(value)


def validate_config(cfg: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    """Validate ``cfg`` against the schema and return a copy with defaults filled in.

    ``partial=True`` accepts a slice of a configuration (some sections, some keys), as workflow rules pass it:
    every key present is still validated in full, and defaults fill only what the schema defaults (a slice's
    reader reads only the keys it was given). Raises :class:`ConfigError` naming the key path.
    """
    sch = schema()
    if partial:
        _drop_required(sch)
    validator = jsonschema.validators.validator_for(sch)(sch)
    errors = sorted(validator.iter_errors(cfg), key=lambda e: (len(e.absolute_path), list(e.absolute_path)))
    if errors:
        err = jsonschema.exceptions.best_match(errors)
        raise ConfigError(
            f"invalid configuration at '{_key_path(err)}': {err.message}. "
            f"Fix this key (allowed keys, types and ranges are in workflow/schemas/config.schema.yaml)."
        )
    out = copy.deepcopy(cfg)
    _fill_defaults(out, sch, sch)
    check_consistency(out, set(cfg) if partial else None)
    return out


def check_consistency(cfg: dict[str, Any], given: set[str] | None = None) -> None:
    """The rules between keys that a JSON schema cannot express; each error names the keys and the fix.

    Run by :func:`validate_config`, i.e. when Snakemake starts and when the library or a CLI command loads a
    configuration: before any work, not when the stage that reads the key starts.
    """
    sim = cfg.get("simulation")
    if sim is not None:
        if sim["readout_steps"] > sim["stimulus_steps"]:
            raise ConfigError(
                f"invalid configuration at 'simulation.readout_steps': {sim['readout_steps']} readout steps do not "
                f"fit in simulation.stimulus_steps = {sim['stimulus_steps']} (the readout window is the last steps "
                "of the stimulus). Lower readout_steps or raise stimulus_steps.")
        if sim["post_stimulus_steps"] and sim["penalty_steps"] > sim["post_stimulus_steps"]:
            raise ConfigError(
                f"invalid configuration at 'simulation.penalty_steps': {sim['penalty_steps']} penalty steps do not "
                f"fit in simulation.post_stimulus_steps = {sim['post_stimulus_steps']} (the spontaneous penalty reads "
                "the last post-stimulus steps). Lower penalty_steps or raise post_stimulus_steps.")
    # each concern's own cross-key checks (its ``Concern.checks`` module, torch-free); ``given``: the sections a
    # slice holds, so that a concern checks what a rule passed, not the defaults of the sections it left out
    for module in check_modules():
        importlib.import_module(module).check(cfg, given)
    data = cfg.get("data")
    if data is not None:
        for name, where in data["sources"].items():
            if where is not None and not Path(where).expanduser().exists():
                raise ConfigError(
                    f"invalid configuration at 'data.sources.{name}': {where} does not exist (relative paths are "
                    f"relative to the folder the workflow runs in, {Path.cwd()}). Fix the path, or set it to null "
                    "to use the known sources (docs/data.md); a missing path is never replaced by another copy.")


def check_modules() -> list[str]:
    """The modules holding the concerns' cross-key checks, as the concern table names them (imported by name: the
    foundation knows no concern, each concern registers its checks there)."""
    return [c.checks for c in CONCERNS.values() if c.checks]


def merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """``overlay`` over ``base`` as Snakemake merges several ``--configfile``s: mappings merged key by key, anything
    else replaced."""
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) \
            else copy.deepcopy(value)
    return out


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"configuration file not found: {path}. Pass one of config/*.yaml or your own copy.")
    try:
        cfg = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path} must hold a mapping of sections (run, paths, data, ...), got {type(cfg).__name__}")
    return cfg


def load_config(source: str | os.PathLike[str] | dict[str, Any], partial: bool = False,
                overlays: tuple[str | os.PathLike[str], ...] = ()) -> dict[str, Any]:
    """Load a YAML/JSON file (or take a dict), merge ``overlays`` over it in order (as ``snakemake --configfile A
    B``), validate it and fill defaults."""
    if isinstance(source, dict):
        return validate_config(source, partial=partial)
    path = Path(source)
    cfg = _read(path)
    for extra in overlays:
        cfg = merge(cfg, _read(Path(extra)))
    try:
        return validate_config(cfg)
    except ConfigError as exc:
        raise ConfigError(f"{' + '.join(map(str, [path, *overlays]))}: {exc}") from None


def config_hash(cfg: Any) -> str:
    """Stable short hash of a config (or a slice of one), for provenance records."""
    blob = json.dumps(cfg, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


SEED_KEYS = ("seeds", "seed_depths")
"""``run`` keys that only Table 1 and the scorecard read (which rows train more seeds): left out of other slices, so
that adding a seed re-runs the seeds' stages and what reads them, not every step that receives ``run``."""


def config_slice(cfg: dict[str, Any], *sections: str, seeds: bool = False) -> dict[str, Any]:
    """The named top-level sections of ``cfg``: what a step depends on, so only their changes re-run it. The ``run``
    section without :data:`SEED_KEYS` unless ``seeds`` (the steps that read them)."""
    out = {s: copy.deepcopy(cfg[s]) for s in sections}
    if "run" in out and not seeds:
        out["run"] = {k: v for k, v in out["run"].items() if k not in SEED_KEYS}
    return out


def require_sections(cfg: dict[str, Any], sections: tuple[str, ...], who: str) -> None:
    """Fail with the missing section names when a (partial) configuration lacks what ``who`` reads."""
    missing = [s for s in sections if s not in cfg]
    if missing:
        raise ConfigError(f"{who} reads the configuration sections {', '.join(sections)}; missing: "
                          f"{', '.join(missing)}. Pass a complete --config file or add them to --config-json.")


def with_stage_defaults(stage: dict[str, Any]) -> dict[str, Any]:
    """A training-stage dict completed with the schema's stage defaults (for stages built in code: the controls)."""
    sch = schema()
    out = copy.deepcopy(stage)
    _fill_defaults(out, sch["$defs"]["stage"], sch)
    return out
