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
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

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
    _check_lr_decay(cfg)
    _check_temporal(cfg)
    _check_cognitive(cfg)
    if given is None:  # a stage's slice carries its own seed, not the list
        _check_seeds(cfg)
    # a slice (``given``: the sections a rule passed) is checked only for what it holds, not for the defaults that
    # filled the sections it left out (a training stage's slice has no multiarea or neural settings of its own)
    if given is None or "neural" in given:
        _check_neural(cfg)
    if given is None or "multiarea" in given:
        _check_multiarea(cfg)
    if given is None or "ablation" in given:
        _check_ablation(cfg)
    data = cfg.get("data")
    if data is not None:
        for name, where in data["sources"].items():
            if where is not None and not Path(where).expanduser().exists():
                raise ConfigError(
                    f"invalid configuration at 'data.sources.{name}': {where} does not exist (relative paths are "
                    f"relative to the folder the workflow runs in, {Path.cwd()}). Fix the path, or set it to null "
                    "to use the known sources (docs/data.md); a missing path is never replaced by another copy.")


def _check_lr_decay(cfg: dict[str, Any]) -> None:
    """``lr_decay`` is a setting of the stages trained by AdamW at one rate (the steady-state fit, the stages in
    time, the controls); the CNN has its own schedule (lr rounds with warm-up), so a decay set there would be
    ignored: refused instead."""
    decay = cfg.get("training", {}).get("cnn", {}).get("lr_decay", "none")
    if decay != "none":
        raise ConfigError(
            f"invalid configuration at 'training.cnn.lr_decay': {decay!r} is a schedule of the stages after the CNN "
            "(init_linear, linear_rnn, anneal, finetune, the controls); the CNN's schedule is training.lr_rounds "
            "with warmup_epochs. Remove the key.")


def _check_seeds(cfg: dict[str, Any]) -> None:
    """Table 1's seeds hold the main one, and the depths trained for every seed are trained at all."""
    run, model = cfg.get("run"), cfg.get("model")
    if run is None:
        return
    if run["seed"] not in run["seeds"]:
        raise ConfigError(
            f"invalid configuration at 'run.seeds': {run['seeds']} does not hold run.seed = {run['seed']} (the main "
            f"seed's models are the ones every analysis reads, and one of Table 1's seeds). Add {run['seed']} to "
            "run.seeds.")
    if model is not None and run["seed_depths"] is not None:
        extra = sorted(set(run["seed_depths"]) - set(model["depths"]))
        if extra:
            raise ConfigError(
                f"invalid configuration at 'run.seed_depths': depth(s) {extra} are not in model.depths = "
                f"{model['depths']}. Remove them from run.seed_depths, or add them to model.depths.")


def _check_ablation(cfg: dict[str, Any]) -> None:
    """Table S5: a row that is trained, a hold as long as the trained window, a motion window the return fits."""
    a, model, data, sim = cfg.get("ablation"), cfg.get("model"), cfg.get("data"), cfg.get("simulation")
    if a is None:
        return
    if model is not None and a["depth"] not in model["depths"]:
        raise ConfigError(f"invalid configuration at 'ablation.depth': R{a['depth']} is not trained (model.depths = "
                          f"{model['depths']}). Choose one of model.depths.")
    if data is not None and a["dataset"] is not None and a["dataset"] not in data["datasets"]:
        raise ConfigError(f"invalid configuration at 'ablation.dataset': {a['dataset']} is not in data.datasets = "
                          f"{data['datasets']}. Choose one of them, or null for the first.")
    if sim is not None and a["hold_steps"] < sim["stimulus_steps"]:
        raise ConfigError(f"invalid configuration at 'ablation.hold_steps': {a['hold_steps']} steps are shorter than "
                          f"the trained window (simulation.stimulus_steps = {sim['stimulus_steps']}). Raise "
                          "ablation.hold_steps (the paper's test: several times the trained window).")
    if a["motion_window"] > a["post_steps"]:
        raise ConfigError(f"invalid configuration at 'ablation.motion_window': {a['motion_window']} steps do not fit "
                          f"in ablation.post_steps = {a['post_steps']}. Lower motion_window or raise post_steps.")


def _check_temporal(cfg: dict[str, Any]) -> None:
    """Windows and rows of the temporal analyses that must fit the simulation, the models and the datasets."""
    from cordsnet.training.graph import early_readout_steps

    sim, tr, t = cfg.get("simulation"), cfg.get("training"), cfg.get("temporal")
    if sim is not None and tr is not None:
        early = early_readout_steps(cfg)
        if not sim["readout_steps"] <= early < sim["stimulus_steps"]:
            raise ConfigError(
                f"invalid configuration at 'training.early_readout_steps': {early}; the early readout window (the "
                f"last simulation.readout_steps = {sim['readout_steps']} of it) must fit after onset and end before "
                f"the standard window (simulation.stimulus_steps = {sim['stimulus_steps']}). Choose a value from "
                f"{sim['readout_steps']} to {sim['stimulus_steps'] - 1}.")
    if t is None:
        return
    if sim is not None:
        if t["hold_steps"] < sim["stimulus_steps"]:
            raise ConfigError(
                f"invalid configuration at 'temporal.hold_steps': {t['hold_steps']} is shorter than the trained "
                f"window (simulation.stimulus_steps = {sim['stimulus_steps']}); Fig 4B simulates well past it: "
                f"use several times {sim['stimulus_steps']}.")
        if max(t["feature_map_steps"]) > t["hold_steps"]:
            raise ConfigError(f"invalid configuration at 'temporal.feature_map_steps': {max(t['feature_map_steps'])} "
                              f"is past temporal.hold_steps = {t['hold_steps']}; lower it")
    model = cfg.get("model")
    if model is not None and t["solution_depth"] is not None and t["solution_depth"] not in model["depths"]:
        raise ConfigError(
            f"invalid configuration at 'temporal.solution_depth': {t['solution_depth']} is not among model.depths "
            f"{model['depths']}; Fig 4B-C analyse a trained model: choose one of {model['depths']}.")
    data = cfg.get("data")
    if data is not None and t["solution_dataset"] is not None and t["solution_dataset"] not in data["datasets"]:
        raise ConfigError(
            f"invalid configuration at 'temporal.solution_dataset': {t['solution_dataset']!r} is not among "
            f"data.datasets {data['datasets']}; choose one of them, or null for the first.")


def _check_cognitive(cfg: dict[str, Any]) -> None:
    """Sizes that are cubes, and a kernel, rank and density each size allows (Table S1's matching)."""
    from cordsnet.cognitive.matching import MatchingError, match_parameters

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


def _check_multiarea(cfg: dict[str, Any]) -> None:
    """Fig 5: a front end among the trained models, stimuli that fit its images, periods on both clocks."""
    m, model, data = cfg.get("multiarea"), cfg.get("model"), cfg.get("data")
    if m is None:
        return
    from cordsnet.multiarea.settings import durations

    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"invalid configuration at 'multiarea.{key}': {why}")

    if 0.5 in m["category"]["fractions"]:
        raise bad("category.fractions", "0.5 is the category boundary: a morph there has no right answer; leave it out")
    if model is None or "depths" not in model or data is None or "datasets" not in data:
        return  # a partial configuration: nothing to check against
    from cordsnet.data.registry import dataset_info
    from cordsnet.multiarea.settings import frontend_row
    from cordsnet.multiarea.stimuli import max_dots

    dataset, depth, _ = frontend_row(cfg)
    if dataset not in data["datasets"]:
        raise bad("frontend.dataset", f"{dataset!r} is not among data.datasets {data['datasets']}: the front end is "
                                      "a trained model; choose one of them, or null for the first")
    if depth not in model["depths"]:
        raise bad("frontend.depth", f"{depth} is not among model.depths {model['depths']}; choose one of them, or "
                                    "null for the deepest")
    for a in m["frontend"]["areas"]:
        if not -depth <= a < depth:
            raise bad("frontend.areas", f"area {a} does not exist in CordsNet-R{depth} (0..{depth - 1}, or "
                                        f"-1..-{depth})")
    info = dataset_info(dataset)
    size = data.get("image_size") or info.native_size
    fits = max_dots(size, m["numerosity"]["radius"])
    if m["numerosity"]["max_dots"] > fits:
        raise bad("numerosity.max_dots", f"{m['numerosity']['max_dots']} dots of radius {m['numerosity']['radius']} "
                                         f"px do not fit {size} px images reliably: at most {fits}; lower it or the "
                                         "radius")
    if max(m["category"]["classes"]) >= info.num_classes:
        raise bad("category.classes", f"{m['category']['classes']}: {dataset} has classes 0..{info.num_classes - 1}")
    front_dt = model["alpha"] * m["frontend"]["tau_ms"]
    steps = [m["dt_ms"], m["motion"]["frame_ms"]]
    for task in m["tasks"]:
        steps += list(durations(m, task).values())
    for ms in steps:
        for clock, name in ((front_dt, "the front end's step (model.alpha x multiarea.frontend.tau_ms)"),
                            (m["dt_ms"], "multiarea.dt_ms")):
            if ms == m["motion"]["frame_ms"] and clock == m["dt_ms"]:
                continue  # a motion frame may be shorter than a downstream step
            if abs(ms / clock - round(ms / clock)) > 1e-6:
                raise bad("periods_ms", f"{ms:g} ms is not a whole number of {name} = {clock:g} ms: every period, "
                                        "the motion frame and dt_ms must be")


def _check_neural(cfg: dict[str, Any]) -> None:
    """Fig 6: the scored and generating models among those trained, a setting for every region, areas that exist,
    a window the bins fit in, enough images for the folds, and the recordings' files when they are the data."""
    n, model, data = cfg.get("neural"), cfg.get("model"), cfg.get("data")
    if n is None:
        return

    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"invalid configuration at 'neural.{key}': {why}")

    lo, hi = n["window_ms"]
    if hi <= lo:
        raise bad("window_ms", f"{n['window_ms']} must be [start, end] with end > start (ms after onset)")
    if n["images"] < 2 * n["folds"]:
        raise bad("images", f"{n['images']} images are too few for neural.folds = {n['folds']} (at least "
                            f"{2 * n['folds']}): use more images or fewer folds")
    surrogate = n["data"] == "surrogate"
    per_region = ["region_areas", "latency_ms"] + (["surrogate.areas", "surrogate.latency_ms"] if surrogate else [])
    for key in per_region:
        node = n["surrogate"][key.split(".")[1]] if "." in key else n[key]
        missing = [r for r in n["regions"] if r not in node]
        if missing:
            raise bad(key, f"no value for region(s) {missing} of neural.regions {n['regions']}: give one per region")
    if surrogate and hi - lo < n["surrogate"]["bin_ms"]:
        raise bad("surrogate.bin_ms", f"{n['surrogate']['bin_ms']} ms bins do not fit in neural.window_ms "
                                      f"{n['window_ms']}; lower it")
    if not surrogate:
        for key in ("assembly", "stimuli", "images"):
            where = n["sources"][key]
            if not where:
                raise bad(f"sources.{key}", "not set, but neural.data is 'recordings': name the assembly netCDF, the "
                                           "stimulus set's CSV and its image folder (docs/neural.md), or set "
                                           "neural.data to 'surrogate'")
    if data is not None and "datasets" in data and n["dataset"] is not None and n["dataset"] not in data["datasets"]:
        raise bad("dataset", f"{n['dataset']!r} is not among data.datasets {data['datasets']}: the scored model is "
                             "a trained one; choose one of them, or null for the first")
    if model is None or "depths" not in model:  # a partial configuration (one stage's): nothing to check against
        return
    from cordsnet.neural.settings import generator_depth, generator_stage, scored_depth

    depths = model["depths"]
    depth = scored_depth(cfg)
    if depth not in depths:
        raise bad("depth", f"{depth} is not among model.depths {depths}; choose one of them, or null for the deepest")
    for r, a in n["region_areas"].items():
        if not -depth <= a < depth:
            raise bad(f"region_areas.{r}", f"area {a} does not exist in CordsNet-R{depth} (areas 0..{depth - 1}, or "
                                           f"-1..-{depth} from the last)")
    if not surrogate:
        return
    gen = generator_depth(cfg)
    if gen not in depths:
        raise bad("surrogate.depth", f"{gen} is not among model.depths {depths}: the generating network is a trained "
                                     "one; choose one of them")
    if gen == depth and generator_stage(cfg) == n["stage"]:
        raise bad("surrogate.depth", f"the generating network (R{gen}, {generator_stage(cfg)}) is the scored one: "
                                     "the surrogate must come from a different network; choose another depth or "
                                     "neural.surrogate.stage")
    for r, a in n["surrogate"]["areas"].items():
        if not -gen <= a < gen:
            raise bad(f"surrogate.areas.{r}", f"area {a} does not exist in the generating CordsNet-R{gen} (areas "
                                              f"0..{gen - 1}, or -1..-{gen} from the last)")


def load_config(source: str | os.PathLike[str] | dict[str, Any], partial: bool = False) -> dict[str, Any]:
    """Load a YAML/JSON file (or take a dict), validate it and fill defaults."""
    if isinstance(source, dict):
        return validate_config(source, partial=partial)
    path = Path(source)
    if not path.is_file():
        raise ConfigError(f"configuration file not found: {path}. Pass one of config/*.yaml or your own copy.")
    try:
        cfg = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path} must hold a mapping of sections (run, paths, data, ...), got {type(cfg).__name__}")
    try:
        return validate_config(cfg)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


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
