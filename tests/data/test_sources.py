import numpy as np
import pytest

from cordsnet.data.sources import DataUnavailableError, mnist_packaged_subset, resolve_source


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
