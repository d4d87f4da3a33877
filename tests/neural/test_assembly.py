"""The Brain-Score assembly reader on a tiny assembly written at test time in exactly that format."""

import numpy as np
import pytest
import xarray as xr

from cordsnet.neural.assembly import AssemblyError, check_stimuli, load_assembly, split_half_reliability

STIMULI, REPS, BINS = 8, 6, 4
REGIONS = ["V4", "V4", "V4", "IT", "IT"]


def write_assembly(path, signal=None, noise=0.0, drop=None, regions=REGIONS, seed=0):
    """A NeuroidAssembly: presentation x neuroid x time_bin, Brain-Score's coordinates, 20 ms bins every 10 ms."""
    rng = np.random.default_rng(seed)
    if signal is None:
        signal = rng.normal(size=(STIMULI, len(regions), BINS))
    stim = np.repeat(np.arange(STIMULI), REPS)
    values = signal[stim] + noise * rng.normal(size=(len(stim), len(regions), BINS))
    coords = {"stimulus_id": ("presentation", [f"img{i:03d}" for i in stim]),
              "repetition": ("presentation", np.tile(np.arange(REPS), STIMULI)),
              "neuroid_id": ("neuroid", [f"site{j}" for j in range(len(regions))]),
              "region": ("neuroid", regions), "animal": ("neuroid", ["Chabo"] * len(regions)),
              "time_bin_start": ("time_bin", 70 + 10 * np.arange(BINS)),
              "time_bin_end": ("time_bin", 90 + 10 * np.arange(BINS))}
    for key in drop or ():
        coords.pop(key)
    xr.DataArray(values, dims=("presentation", "neuroid", "time_bin"), coords=coords,
                 name="MajajHong2015.temporal.fixture").to_netcdf(path)
    return signal


def test_repetitions_are_averaged_and_regions_split(tmp_path):
    signal = write_assembly(tmp_path / "a.nc", noise=0.5)
    rec = load_assembly(tmp_path / "a.nc")
    v4, it = rec["V4"], rec["IT"]
    assert v4.responses.shape == (STIMULI, 3, BINS) and it.responses.shape == (STIMULI, 2, BINS)
    assert list(it.sites) == ["site3", "site4"] and v4.stimulus_ids[0] == "img000"
    assert np.allclose(v4.bin_centres, 80 + 10 * np.arange(BINS))
    assert np.abs(it.responses - signal[:, 3:]).max() < 3 * 0.5 / np.sqrt(REPS) * 2
    clean = write_assembly(tmp_path / "b.nc")  # no noise: the averages are the signal itself
    assert np.allclose(load_assembly(tmp_path / "b.nc")["V4"].responses, clean[:, :3])


@pytest.mark.parametrize("kwargs, words", [
    ({"drop": ["region"]}, "coordinate 'region' missing"),
    ({"drop": ["stimulus_id"]}, "no stimulus coordinate"),
    ({"regions": ["V4"] * 5}, "no sites of region 'IT'"),
])
def test_malformed_assemblies_say_what_is_wrong(tmp_path, kwargs, words):
    write_assembly(tmp_path / "bad.nc", **kwargs)
    with pytest.raises(AssemblyError, match=words):
        load_assembly(tmp_path / "bad.nc")


def test_missing_and_unreadable_files_are_named(tmp_path):
    with pytest.raises(AssemblyError, match="never downloaded silently"):
        load_assembly(tmp_path / "none.nc")
    (tmp_path / "junk.nc").write_text("not netcdf")
    with pytest.raises(AssemblyError, match="not a netCDF data array"):
        load_assembly(tmp_path / "junk.nc")
    xr.DataArray(np.zeros((2, 2)), dims=("presentation", "neuroid")).to_netcdf(tmp_path / "flat.nc")
    with pytest.raises(AssemblyError, match=r"\['time_bin'\] missing"):
        load_assembly(tmp_path / "flat.nc")


def test_stimulus_set_images_are_checked(tmp_path):
    ids = [f"img{i:03d}" for i in range(3)]
    (tmp_path / "images").mkdir()
    for i in ids[:2]:
        (tmp_path / "images" / f"{i}.png").write_bytes(b"png")
    (tmp_path / "set.csv").write_text("stimulus_id,filename\n" + "".join(f"{i},{i}.png\n" for i in ids))
    assert check_stimuli(tmp_path / "set.csv", tmp_path / "images", ids[:2])["img001"].name == "img001.png"
    with pytest.raises(AssemblyError, match="images missing for 1 stimulus id"):
        check_stimuli(tmp_path / "set.csv", tmp_path / "images", ids)
    with pytest.raises(AssemblyError, match="have no row"):
        check_stimuli(tmp_path / "set.csv", tmp_path / "images", ["img999"])


def test_reliability_of_noiseless_and_of_pure_noise_repeats(tmp_path):
    write_assembly(tmp_path / "clean.nc", noise=0.0)
    assert np.allclose(split_half_reliability(load_assembly(tmp_path / "clean.nc")["V4"]), 1.0)
    # signal and noise of equal variance, 3 repetitions per half: half-mean correlation 0.75, corrected 6/7; and a
    # site of pure noise: around 0
    rng = np.random.default_rng(1)
    big = 400
    signal = rng.normal(size=(big, 1, 1)) * np.array([1.0, 0.0]).reshape(1, 2, 1)
    stim = np.repeat(np.arange(big), REPS)
    values = signal[stim] + rng.normal(size=(len(stim), 2, 1))
    coords = {"stimulus_id": ("presentation", stim.astype(str)),
              "repetition": ("presentation", np.tile(np.arange(REPS), big)), "region": ("neuroid", ["IT", "IT"]),
              "time_bin_start": ("time_bin", [70]), "time_bin_end": ("time_bin", [90])}
    xr.DataArray(values, dims=("presentation", "neuroid", "time_bin"), coords=coords).to_netcdf(tmp_path / "half.nc")
    r = split_half_reliability(load_assembly(tmp_path / "half.nc", regions=("IT",))["IT"])
    assert r[0, 0] == pytest.approx(6 / 7, abs=0.05)  # Spearman-Brown of 3/4: 2 (3/4) / (1 + 3/4) = 6/7
    assert abs(r[1, 0]) < 0.15
