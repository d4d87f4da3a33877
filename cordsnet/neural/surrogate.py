"""A synthetic surrogate of time-binned V4/IT recordings, written in the Brain-Score assembly format.

The default scale cannot reach the real recordings, so it runs the identical pipeline on "recordings" whose ground
truth is known: each site's rate is a rectified random mixture of a generating network's features in each time bin
(for the workflow: a different trained network than the one being scored, its activity binned with a per-region
latency by :func:`cordsnet.neural.timebins.bin_average`), smoothed in time, and observed as Poisson counts over
repetitions. Every file says "synthetic surrogate" (its name
and attributes); the ground truth (the noise-free rates) is returned so that recovery can be measured.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from cordsnet.io import atomic_path

LABEL = "synthetic surrogate"


def synthetic_rates(features: np.ndarray, sites: int, smoothing: float, rate: float,
                    rng: np.random.Generator) -> np.ndarray:
    """(images, sites, bins) noise-free rates from ``features`` (images, bins, F): softplus of a random mixture,
    normalised to mean ``rate`` and smoothed by an exponential filter with time constant ``smoothing`` bins."""
    images, bins, width = features.shape
    mix = rng.normal(size=(width, sites)) / np.sqrt(width)
    z = np.einsum("ibf,fs->isb", (features - features.mean((0, 1))) / (features.std((0, 1)) + 1e-9), mix)
    r = np.logaddexp(0.0, 2.0 * z)
    if smoothing > 0:
        decay = np.exp(-1.0 / smoothing)
        for b in range(1, bins):
            r[..., b] = decay * r[..., b - 1] + (1 - decay) * r[..., b]
    return rate * r / r.mean()


def write_surrogate(path: str | os.PathLike[str], rates: dict[str, np.ndarray], bin_start: np.ndarray,
                    bin_end: np.ndarray, repetitions: int, rng: np.random.Generator,
                    stimulus_ids: list[str] | None = None) -> None:
    """Poisson counts (per bin, at the given rates in spikes per bin) for every region, as one NeuroidAssembly
    netCDF at ``path`` (written atomically)."""
    import xarray as xr

    regions = list(rates)
    images = next(iter(rates.values())).shape[0]
    ids = stimulus_ids or [f"synthetic{i:05d}" for i in range(images)]
    truth = np.concatenate([rates[r] for r in regions], axis=1)  # (images, sites, bins)
    counts = rng.poisson(np.repeat(truth, repetitions, axis=0)).astype(np.float32)
    region = [r for r in regions for _ in range(rates[r].shape[1])]
    site_ids = [f"{r}_{k}" for r in regions for k in range(rates[r].shape[1])]
    da = xr.DataArray(counts, dims=("presentation", "neuroid", "time_bin"), name=f"{LABEL}: V4 and IT time courses",
                      coords={"stimulus_id": ("presentation", np.repeat(ids, repetitions)),
                              "repetition": ("presentation", np.tile(np.arange(repetitions), images)),
                              "neuroid_id": ("neuroid", site_ids),
                              "region": ("neuroid", region), "animal": ("neuroid", [LABEL] * len(region)),
                              "time_bin_start": ("time_bin", np.asarray(bin_start)),
                              "time_bin_end": ("time_bin", np.asarray(bin_end))},
                      attrs={"source": LABEL, "note": "not recordings: generated from a network's features with "
                             "known ground truth (cordsnet.neural.surrogate)"})
    path = Path(path)
    with atomic_path(path) as tmp:
        da.to_netcdf(tmp)
