"""The synthetic surrogate: labelled as such, readable by the assembly loader, and its ground truth recoverable."""

import numpy as np
import xarray as xr

from cordsnet.neural.assembly import load_assembly, split_half_reliability
from cordsnet.neural.surrogate import LABEL, synthetic_rates, write_surrogate


def test_surrogate_round_trip_and_recovery(tmp_path):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 6, 20))  # images, bins, features
    start = 70.0 + 10 * np.arange(6)
    rates = {"V4": synthetic_rates(features, 4, 0.0, 5.0, rng),
             "IT": synthetic_rates(features, 3, 1.5, 5.0, rng)}
    write_surrogate(tmp_path / "s.nc", rates, start, start + 20, repetitions=40, rng=rng)
    assert LABEL in xr.open_dataarray(tmp_path / "s.nc").attrs["source"]
    rec = load_assembly(tmp_path / "s.nc")
    it = rec["IT"]
    assert it.responses.shape == (60, 3, 6) and it.sites[0] == "IT_0"
    r = np.corrcoef(it.responses.ravel(), rates["IT"].ravel())[0, 1]
    assert r > 0.95  # 40 Poisson repetitions at about 5 spikes a bin recover the known rates
    assert np.nanmean(split_half_reliability(rec["V4"])) > 0.8
    # the smoothing: IT's rate changes less from bin to bin than V4's
    assert np.abs(np.diff(rates["IT"], axis=2)).mean() < np.abs(np.diff(rates["V4"], axis=2)).mean()
