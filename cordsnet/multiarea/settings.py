"""What the ``multiarea`` configuration section means (torch-free: the workflow plans with it)."""

from __future__ import annotations

from typing import Any

from cordsnet.config import ConfigError
from cordsnet.data.registry import dataset_info
from cordsnet.multiarea.stimuli import max_dots

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


def check(cfg: dict[str, Any], given: set[str] | None = None) -> None:
    """The multiarea section's cross-key checks (run by :func:`cordsnet.config.check_consistency`); a slice that
    does not hold the section (``given``) is not checked against the defaults that filled it."""
    if given is None or "multiarea" in given:
        _check_multiarea(cfg)


def _check_multiarea(cfg: dict[str, Any]) -> None:
    """Fig 5: a front end among the trained models, stimuli that fit its images, periods on both clocks."""
    m, model, data = cfg.get("multiarea"), cfg.get("model"), cfg.get("data")
    if m is None:
        return
    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"invalid configuration at 'multiarea.{key}': {why}")

    if 0.5 in m["category"]["fractions"]:
        raise bad("category.fractions", "0.5 is the category boundary: a morph there has no right answer; leave it out")
    if model is None or "depths" not in model or data is None or "datasets" not in data:
        return  # a partial configuration: nothing to check against
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
