import gzip
import pickle

import numpy as np
import pytest

from cordsnet.data import readers
from cordsnet.data.readers import DataFormatError, read_idx, write_idx


@pytest.mark.parametrize("compress", [False, True])
def test_idx_roundtrip(tmp_path, compress):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7, dtype=np.uint8)
    write_idx(tmp_path / "i", imgs, compress=compress)
    write_idx(tmp_path / "l", labels, compress=compress)
    np.testing.assert_array_equal(read_idx(tmp_path / "i"), imgs)
    np.testing.assert_array_equal(read_idx(tmp_path / "l"), labels)


def test_idx_header_matches_the_official_format(tmp_path):
    write_idx(tmp_path / "i", np.zeros((2, 28, 28), np.uint8))
    head = (tmp_path / "i").read_bytes()[:16]
    assert head == bytes.fromhex("00000803") + (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2


def test_truncated_idx_names_the_file(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((10, 28, 28), np.uint8))
    blob = (tmp_path / "train-images-idx3-ubyte").read_bytes()
    (tmp_path / "train-images-idx3-ubyte").write_bytes(blob[:-100])
    with pytest.raises(DataFormatError, match="train-images-idx3-ubyte.*truncated"):
        read_idx(tmp_path / "train-images-idx3-ubyte")


def test_corrupt_gzip_and_bad_magic_name_the_file(tmp_path):
    bad_gz = tmp_path / "labels.gz"
    bad_gz.write_bytes(gzip.compress(b"\x00" * 64)[:20])
    with pytest.raises(DataFormatError, match="labels.gz"):
        read_idx(bad_gz)
    wrong = tmp_path / "notidx"
    wrong.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    with pytest.raises(DataFormatError, match="notidx.*magic"):
        read_idx(wrong)


def test_idx_dataset_from_real_digits(digits_idx_dir):
    files = readers.find_idx_files(digits_idx_dir)
    arrays = readers.read_idx_dataset(files)
    assert arrays["train_images"].shape == (1500, 1, 28, 28)
    assert arrays["test_images"].shape == (297, 1, 28, 28)
    assert set(np.unique(arrays["train_labels"])) == set(range(10))


def test_idx_layouts_are_found(tmp_path, digits_idx_dir):
    import shutil

    nested = tmp_path / "FashionMNIST" / "raw"
    shutil.copytree(digits_idx_dir, nested)
    assert readers.find_idx_files(tmp_path) is not None
    assert readers.find_idx_files(tmp_path / "FashionMNIST") is not None
    (nested / "t10k-labels-idx1-ubyte").unlink()
    assert readers.find_idx_files(tmp_path) is None


def test_mismatched_idx_counts_are_reported(tmp_path, digits_idx_dir):
    import shutil

    shutil.copytree(digits_idx_dir, tmp_path / "d")
    write_idx(tmp_path / "d" / "t10k-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(DataFormatError, match="297 images but .*5 labels"):
        readers.read_idx_dataset(readers.find_idx_files(tmp_path / "d"))


def test_cifar_reader_on_real_samples(cifar10_dir):
    base = readers.find_cifar_dir(cifar10_dir.parent, "cifar10")
    assert base == cifar10_dir
    arrays = readers.read_cifar_dataset(base, "cifar10")
    assert arrays["train_images"].shape == (15, 3, 32, 32)
    assert arrays["test_images"].shape == (5, 3, 32, 32)
    assert arrays["train_images"].std() > 20  # real photos, not blank


def test_cifar100_fine_labels(tmp_path):
    root = tmp_path / "cifar-100-python"
    root.mkdir()
    for split, n in (("train", 6), ("test", 2)):
        with open(root / split, "wb") as fh:
            pickle.dump({"data": np.zeros((n, 3072), np.uint8), "fine_labels": list(range(n)),
                         "coarse_labels": [0] * n}, fh)
    arrays = readers.read_cifar_dataset(readers.find_cifar_dir(tmp_path, "cifar100"), "cifar100")
    assert arrays["train_labels"].tolist() == list(range(6))


def test_corrupt_cifar_pickle_names_the_file(tmp_path):
    (tmp_path / "data_batch_1").write_bytes(b"not a pickle")
    with pytest.raises(DataFormatError, match="data_batch_1"):
        readers.read_cifar_batch(tmp_path / "data_batch_1", "labels")
    with open(tmp_path / "test_batch", "wb") as fh:
        pickle.dump({"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]}, fh)
    with pytest.raises(DataFormatError, match="test_batch.*3072"):
        readers.read_cifar_batch(tmp_path / "test_batch", "labels")


def test_imagefolder_layout(imagenet_dir, tmp_path):
    assert readers.find_imagefolder(imagenet_dir) == {"train": imagenet_dir / "train", "test": imagenet_dir / "val"}
    assert readers.find_imagefolder(tmp_path) is None
