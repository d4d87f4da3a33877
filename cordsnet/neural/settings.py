"""Which models and clock the ``neural`` configuration section means (torch-free: the workflow plans with it).

The scored CordsNet is ``neural.dataset`` (by default the first dataset) at ``neural.depth`` (by default the
deepest trained); the synthetic surrogate's generating network is another trained depth of the same dataset
(``neural.surrogate.depth``, by default the shallowest other one; with one depth trained, another stage of it), so
that the scored model never predicts itself.
"""

from __future__ import annotations

from typing import Any

from cordsnet.config import ConfigError


def scored_depth(cfg: dict[str, Any]) -> int:
    """The scored CordsNet's depth (reads ``neural`` and ``model``)."""
    return cfg["neural"]["depth"] or max(cfg["model"]["depths"])


def scored_row(cfg: dict[str, Any]) -> tuple[str, int]:
    """The scored model's dataset and depth."""
    return cfg["neural"]["dataset"] or cfg["data"]["datasets"][0], scored_depth(cfg)


def generator_depth(cfg: dict[str, Any]) -> int:
    """The generating network's depth: ``neural.surrogate.depth``, by default the shallowest other than the scored
    one (the scored depth itself when it is the only one: then the stages must differ)."""
    depth = cfg["neural"]["surrogate"]["depth"]
    if depth is not None:
        return depth
    scored = scored_depth(cfg)
    others = [d for d in cfg["model"]["depths"] if d != scored]
    return min(others) if others else scored


def generator_stage(cfg: dict[str, Any]) -> str:
    """The generating network's training stage: ``neural.surrogate.stage``, by default the fine-tuned model, or the
    annealed one when the generator has the scored model's depth and stage (a run that trains one depth)."""
    stage = cfg["neural"]["surrogate"]["stage"]
    if stage is not None:
        return stage
    same = generator_depth(cfg) == scored_depth(cfg) and cfg["neural"]["stage"] == "finetune"
    return "anneal" if same else "finetune"


def step_ms(cfg: dict[str, Any]) -> float:
    """The model's Euler step on the recordings' clock: dt = alpha x tau."""
    return cfg["model"]["alpha"] * cfg["neural"]["tau_ms"]


def area_index(area: int, depth: int) -> int:
    """An area counted from the first (0, 1, ...) or from the last (-1, -2, ...) as an index 0..depth-1."""
    return area % depth


def check(cfg: dict[str, Any], given: set[str] | None = None) -> None:
    """The neural section's cross-key checks (run by :func:`cordsnet.config.check_consistency`); a slice that
    does not hold the section (``given``) is not checked against the defaults that filled it."""
    if given is None or "neural" in given:
        _check_neural(cfg)


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
