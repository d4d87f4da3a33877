"""The recordings a run scores: the labelled synthetic surrogate, written from a trained network with known ground
truth (default scale), or the real V4/IT recordings, read, restricted to the chosen images and the scored window."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cordsnet.data.transforms import denormalise
from cordsnet.io import save_npz, write_json
from cordsnet.layout import Layout
from cordsnet.neural.assembly import AssemblyError, Recordings
from cordsnet.neural.features import area_time_courses
from cordsnet.neural.settings import area_index, generator_depth, generator_stage, scored_row, step_ms
from cordsnet.neural.stimuli import write_stimulus_set
from cordsnet.neural.surrogate import LABEL, synthetic_rates, write_surrogate
from cordsnet.neural.timebins import bin_average, protocol, surrogate_bins
from cordsnet.provenance import record
from cordsnet.trained import load_trained, test_subset

log = logging.getLogger("cordsnet")


def _raw_uint8(images: torch.Tensor, dataset: str) -> np.ndarray:
    """The test images as the dataset's bytes again (undoing the normalisation exactly: they were uint8)."""
    return denormalise(images, dataset).mul(255).round().to(torch.uint8).numpy()


# -- the synthetic surrogate -------------------------------------------------------------------------------------
def make_surrogate(cfg: dict[str, Any], out_dir: str | Path) -> dict[str, Any]:
    """Write the synthetic surrogate of the recordings into ``out_dir``; returns its description."""
    n, sim, seed = cfg["neural"], cfg["simulation"], cfg["run"]["seed"]
    s = n["surrogate"]
    dataset, _ = scored_row(cfg)
    depth = generator_depth(cfg)
    L = Layout.from_config(cfg)
    out = Path(out_dir)
    images, labels, note = test_subset(cfg, dataset, n["images"])
    stage = generator_stage(cfg)
    generator = load_trained(cfg, dataset, depth, stage)
    dt = step_ms(cfg)
    start, end = surrogate_bins(n)
    latencies = [s["latency_ms"][r] for r in n["regions"]]
    pre, on, off = protocol(n["window_ms"], latencies, dt, n["presentation_ms"], float(start[0]))
    areas = {r: area_index(s["areas"][r], depth) for r in n["regions"]}
    log.info("surrogate from %s R%d (%s) areas %s: %d images, %d bins of %g ms, dt %g ms", dataset, depth, stage,
             areas, len(images), len(start), s["bin_ms"], dt)
    courses = area_time_courses(generator, images, on, sorted(set(areas.values())), sim["spontaneous_steps"], off,
                                n["pool"])
    rng = np.random.default_rng(seed)
    rates = {}
    for r in n["regions"]:
        binned = bin_average(courses.with_pre_onset(areas[r], pre), dt, start, end, s["latency_ms"][r], pre)
        rates[r] = synthetic_rates(binned.transpose(1, 0, 2), s["sites"], s["smoothing_ms"] / s["bin_ms"],
                                   s["rate"], rng)
    ids = [f"{dataset}-test-{i:05d}" for i in range(len(images))]
    write_surrogate(out / "assembly.nc", rates, start, end, s["repetitions"], rng, ids)

    write_stimulus_set(out, _raw_uint8(images, dataset), ids)
    save_npz(out / "truth.npz", stimulus_ids=np.asarray(ids), **{f"rates_{r}": v for r, v in rates.items()})
    info = {"label": LABEL, "dataset": dataset, "images": len(images), "evaluation": note,
            "generator": {"dataset": dataset, "depth": depth, "stage": stage, "areas": areas},
            "latency_ms": {r: s["latency_ms"][r] for r in n["regions"]}, "smoothing_ms": s["smoothing_ms"],
            "rate_per_bin": s["rate"], "repetitions": s["repetitions"], "sites": s["sites"],
            "bins": {"start": start.tolist(), "end": end.tolist()}, "dt_ms": dt,
            "provenance": record(n, seed=seed, scale=cfg["run"]["scale"],
                                 data={"kind": LABEL, "images": note},
                                 extra={"inputs": [str(L.checkpoint(dataset, depth, stage)),
                                                   str(L.prepared_split(dataset, "test"))]})}
    write_json(out / "surrogate.json", info)  # last: a folder with it is complete
    return info


# -- the recordings ---------------------------------------------------------------------------------------------
def sources(cfg: dict[str, Any]) -> dict[str, Path]:
    """The assembly, stimulus CSV and image folder the analysis reads: the surrogate's, or ``neural.sources``."""
    n = cfg["neural"]
    if n["data"] == "surrogate":
        d = Layout.from_config(cfg).neural_surrogate()
        return {"assembly": d / "assembly.nc", "stimuli": d / "stimuli.csv", "images": d / "images"}
    missing = [k for k in ("assembly", "stimuli", "images") if not n["sources"][k]]
    if missing:
        raise AssemblyError(f"neural.data is 'recordings' but neural.sources.{missing[0]} is not set: name the "
                            "assembly netCDF, the stimulus set's CSV and its image folder (docs/neural.md)")
    return {k: Path(n["sources"][k]).expanduser() for k in ("assembly", "stimuli", "images")}


def select_stimuli(recs: dict[str, Recordings], n_images: int, seed: int) -> np.ndarray:
    """The stimulus ids analysed: all, or a seeded subset of ``n_images``, in the assembly's (sorted) order."""
    ids = next(iter(recs.values())).stimulus_ids
    if len(ids) <= n_images:
        return ids
    keep = np.sort(np.random.default_rng(seed).choice(len(ids), n_images, replace=False))
    return ids[keep]


def restrict(rec: Recordings, ids: np.ndarray, bins: np.ndarray) -> Recordings:
    """``rec`` on the stimuli ``ids`` and the bins selected by the boolean mask ``bins``."""
    rows = np.searchsorted(rec.stimulus_ids, ids)
    trials = np.isin(rec.trial_stimulus, ids)
    return Recordings(rec.region, ids, rec.responses[rows][..., bins], rec.bin_start[bins], rec.bin_end[bins],
                      rec.sites, rec.trials[trials][..., bins], rec.trial_stimulus[trials],
                      rec.trial_repetition[trials])


def window_bins(rec: Recordings, window: list[float]) -> np.ndarray:
    """The bins inside ``window`` (start at or after its start, end at or before its end)."""
    inside = (rec.bin_start >= window[0] - 1e-9) & (rec.bin_end <= window[1] + 1e-9)
    if not inside.any():
        raise AssemblyError(f"no time bin of the recordings lies in neural.window_ms = {window} (bins run from "
                            f"{rec.bin_start.min():g} to {rec.bin_end.max():g} ms): set the window inside them")
    return inside
