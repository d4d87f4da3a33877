"""Reading time-binned neural recordings in the Brain-Score assembly format (Majaj, Hong et al. 2015, ../DATA.md).

A NeuroidAssembly is a netCDF data array with dimensions ``presentation`` (one row per shown image and repetition),
``neuroid`` (recording sites) and ``time_bin``; its coordinates name each presentation's stimulus (``stimulus_id``,
or ``image_id`` in older files) and ``repetition``, each site's ``region`` (V4, IT) and each bin's
``time_bin_start`` / ``time_bin_end`` in ms. The stimulus set is a CSV (``stimulus_id`` or ``image_id``, and
``filename``) beside a folder of images. Brain-Score's own package pins old numpy and xarray, so the file is read
directly with xarray; every fault is reported with what is wrong and how to fix it, before any work.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DIMS = ("presentation", "neuroid", "time_bin")
STIMULUS_KEYS = ("stimulus_id", "image_id")


class AssemblyError(ValueError):
    """A recording or stimulus set that is not in the expected format; the message names the fault and the fix."""


@dataclass
class Recordings:
    """Repetition-averaged responses of one region: ``responses`` (stimuli, sites, bins), in the order of
    ``stimulus_ids``, with each bin's start and end in ms; ``trials`` keeps the single presentations (presentations,
    sites, bins) and their stimulus ids and repetitions for the reliability."""

    region: str
    stimulus_ids: np.ndarray
    responses: np.ndarray
    bin_start: np.ndarray
    bin_end: np.ndarray
    sites: np.ndarray
    trials: np.ndarray
    trial_stimulus: np.ndarray
    trial_repetition: np.ndarray

    @property
    def bin_centres(self) -> np.ndarray:
        return (self.bin_start + self.bin_end) / 2


def _stimulus_key(names, what: str, path: str | os.PathLike[str]) -> str:
    for key in STIMULUS_KEYS:
        if key in names:
            return key
    raise AssemblyError(f"{path}: the {what} has no stimulus coordinate (one of {list(STIMULUS_KEYS)}); it has "
                        f"{sorted(names)}. Use the assembly's own stimulus set, or rename the column.")


def load_assembly(path: str | os.PathLike[str], regions: tuple[str, ...] = ("V4", "IT")) -> dict[str, Recordings]:
    """The recordings of each of ``regions`` in the assembly at ``path``, repetitions averaged.

    AssemblyError when the file is missing or unreadable, a dimension or coordinate is missing, a region has no
    sites, or the bins are not increasing in time.
    """
    import xarray as xr

    path = Path(path)
    if not path.is_file():
        raise AssemblyError(f"{path} does not exist: set neural.sources to the assembly's netCDF file (../DATA.md); "
                            "recordings are never downloaded silently.")
    try:
        da = xr.open_dataarray(path).load()
    except (OSError, ValueError) as e:
        raise AssemblyError(f"{path} is not a netCDF data array xarray can read ({e}).") from None
    missing = [d for d in DIMS if d not in da.dims]
    if missing:
        raise AssemblyError(f"{path}: dimension(s) {missing} missing; a temporal NeuroidAssembly has {list(DIMS)}, "
                            f"this one {list(da.dims)}.")
    da = da.transpose(*DIMS)
    stim = _stimulus_key(da.coords, "assembly", path)
    for coord in ("region", "time_bin_start", "time_bin_end"):
        if coord not in da.coords:
            raise AssemblyError(f"{path}: coordinate '{coord}' missing (coordinates: {sorted(da.coords)}).")
    start = np.asarray(da["time_bin_start"].values, dtype=float)
    end = np.asarray(da["time_bin_end"].values, dtype=float)
    if np.any(end <= start) or np.any(np.diff(start) <= 0):
        raise AssemblyError(f"{path}: time bins must be increasing with end > start; starts {start.tolist()}, "
                            f"ends {end.tolist()}.")
    region = np.asarray(da["region"].values).astype(str)
    found = sorted(set(region))
    repetition = (np.asarray(da["repetition"].values) if "repetition" in da.coords
                  else np.zeros(da.sizes["presentation"], dtype=int))
    site_ids = (np.asarray(da["neuroid_id"].values).astype(str) if "neuroid_id" in da.coords
                else np.arange(da.sizes["neuroid"]).astype(str))
    ids = np.asarray(da[stim].values).astype(str)
    order = np.unique(ids)
    index = np.searchsorted(order, ids)
    out = {}
    for name in regions:
        sites = region == name
        if not sites.any():
            raise AssemblyError(f"{path}: no sites of region '{name}' (regions here: {found}); set neural.regions to "
                                "the regions the assembly records.")
        trials = np.asarray(da.values[:, sites, :], dtype=float)
        sums = np.zeros((len(order), trials.shape[1], trials.shape[2]))
        np.add.at(sums, index, trials)
        counts = np.bincount(index, minlength=len(order))[:, None, None]
        out[name] = Recordings(name, order, sums / counts, start, end, site_ids[sites], trials, ids, repetition)
    return out


def check_stimuli(csv: str | os.PathLike[str], image_dir: str | os.PathLike[str], stimulus_ids) -> dict[str, Path]:
    """Each recorded stimulus's image file, from the stimulus set's CSV; AssemblyError naming the ids without a row
    or without a file."""
    import pandas as pd

    csv, image_dir = Path(csv), Path(image_dir)
    if not csv.is_file():
        raise AssemblyError(f"{csv} does not exist: set neural.sources.stimuli to the stimulus set's CSV.")
    table = pd.read_csv(csv)
    key = _stimulus_key(table.columns, "stimulus set", csv)
    if "filename" not in table.columns:
        raise AssemblyError(f"{csv}: no 'filename' column (columns: {list(table.columns)}).")
    files = dict(zip(table[key].astype(str), table["filename"].astype(str), strict=True))
    wanted = [str(s) for s in stimulus_ids]
    no_row = [s for s in wanted if s not in files]
    if no_row:
        raise AssemblyError(f"{csv}: {len(no_row)} recorded stimulus id(s) have no row, e.g. {no_row[:5]}; the CSV "
                            "must be the assembly's own stimulus set.")
    paths = {s: image_dir / files[s] for s in wanted}
    absent = [s for s, p in paths.items() if not p.is_file()]
    if absent:
        raise AssemblyError(f"{image_dir}: images missing for {len(absent)} stimulus id(s), e.g. "
                            f"{[str(paths[s]) for s in absent[:3]]}; unpack the stimulus set's images there.")
    return paths


def split_half_reliability(rec: Recordings, seed: int = 0) -> np.ndarray:
    """(sites, bins) Spearman-Brown corrected correlation, across stimuli, between the means of two random halves of
    each stimulus's repetitions: the ceiling of any prediction of the repetition-averaged response. The correction
    2 r / (1 + r) applies to positive r; a negative r (no reliable signal) is returned uncorrected."""
    rng = np.random.default_rng(seed)
    n_stim = len(rec.stimulus_ids)
    halves = np.zeros((2, n_stim, *rec.trials.shape[1:]))
    for i, s in enumerate(rec.stimulus_ids):
        rows = np.flatnonzero(rec.trial_stimulus == s)
        if len(rows) < 2:
            raise AssemblyError(f"stimulus {s} has {len(rows)} presentation(s): the split-half reliability needs at "
                                "least 2 repetitions of every stimulus.")
        rows = rng.permutation(rows)
        half = len(rows) // 2
        halves[0, i] = rec.trials[rows[:half]].mean(0)
        halves[1, i] = rec.trials[rows[half:]].mean(0)
    a = halves[0] - halves[0].mean(0)
    b = halves[1] - halves[1].mean(0)
    denom = np.sqrt((a**2).sum(0) * (b**2).sum(0))
    r = np.divide((a * b).sum(0), denom, out=np.zeros_like(denom), where=denom > 0)
    return np.where(r > 0, 2 * r / (1 + np.abs(r)), r)  # a negative split-half r is left as is: no ceiling there
