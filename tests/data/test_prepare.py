import json

import pytest
import torch

from cordsnet.data import load_split, prepare_dataset, prepared_dir
from cordsnet.data.readers import DataFormatError
from cordsnet.provenance import sha256_file


def test_prepare_idx_dataset_writes_a_complete_manifest(digits_idx_dir, data_cfg, tmp_path, no_local_installs):
    data_cfg["sources"]["mnist"] = str(digits_idx_dir)
    manifest = prepare_dataset("mnist", data_cfg, tmp_path)
    out = prepared_dir(tmp_path, "mnist")
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk == json.loads(json.dumps(manifest))
    assert manifest["source"]["kind"] == "user_path" and manifest["synthetic"] is False
    assert manifest["splits"]["train"]["n"] == 1500 and manifest["splits"]["test"]["n"] == 297
    assert sum(manifest["splits"]["train"]["per_class"]) == 1500
    assert len(manifest["raw_files"]) == 4
    for name, digest in manifest["prepared_files"].items():
        assert sha256_file(out / name) == digest
    blob = torch.load(out / "train.pt", weights_only=True)
    assert blob["images"].dtype == torch.uint8 and blob["images"].shape == (1500, 1, 28, 28)
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))


def test_corrupt_input_leaves_nothing_half_written(digits_idx_dir, data_cfg, tmp_path, no_local_installs):
    import shutil

    src = tmp_path / "src"
    shutil.copytree(digits_idx_dir, src)
    blob = (src / "t10k-images-idx3-ubyte").read_bytes()
    (src / "t10k-images-idx3-ubyte").write_bytes(blob[: len(blob) // 2])
    data_cfg["sources"]["mnist"] = str(src)
    with pytest.raises(DataFormatError, match="t10k-images-idx3-ubyte"):
        prepare_dataset("mnist", data_cfg, tmp_path / "data")
    assert not (prepared_dir(tmp_path / "data", "mnist") / "manifest.json").exists()


def test_prepare_cifar_and_load_with_paper_transform(cifar10_dir, data_cfg, tmp_path, no_local_installs):
    data_cfg["sources"]["cifar10"] = str(cifar10_dir)
    manifest = prepare_dataset("cifar10", data_cfg, tmp_path)
    assert manifest["splits"]["test"]["image_shape"] == [3, 32, 32]
    native = load_split("cifar10", "test", data_cfg, tmp_path)
    x, y = native[0]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32 and 0 <= int(y) < 10
    assert abs(float(torch.stack([native[i][0] for i in range(len(native))]).mean())) < 1.5
    paper = load_split("cifar10", "train", dict(data_cfg, image_size=224, augmentation="paper"), tmp_path)
    assert paper[0][0].shape == (3, 224, 224)


def test_prepare_imagenet_imagefolder(imagenet_dir, data_cfg, tmp_path, no_local_installs):
    data_cfg["sources"]["imagenet"] = str(imagenet_dir)
    manifest = prepare_dataset("imagenet", data_cfg, tmp_path)
    assert manifest["splits"]["train"]["n"] + manifest["splits"]["test"]["n"] >= 20
    assert len(manifest["splits"]["train"]["listing_sha256"]) == 64
    ds = load_split("imagenet", "test", dict(data_cfg, image_size=64), tmp_path)
    x, _ = ds[0]
    assert x.shape == (3, 64, 64)


def test_loading_an_unprepared_dataset_says_how_to_prepare(tmp_path, data_cfg):
    with pytest.raises(FileNotFoundError, match="prepare-data --dataset fmnist"):
        load_split("fmnist", "train", data_cfg, tmp_path)


def test_light_augmentation_is_random_per_sample(digits_idx_dir, data_cfg, tmp_path, no_local_installs):
    data_cfg["sources"]["mnist"] = str(digits_idx_dir)
    prepare_dataset("mnist", data_cfg, tmp_path)
    ds = load_split("mnist", "train", dict(data_cfg, augmentation="light"), tmp_path)
    torch.manual_seed(0)
    draws = [ds[3][0] for _ in range(6)]
    assert any(not torch.equal(draws[0], d) for d in draws[1:])
    # the test split is never augmented: every draw is the plain (resize + normalise) image
    test = load_split("mnist", "test", dict(data_cfg, augmentation="light"), tmp_path)
    plain = load_split("mnist", "test", dict(data_cfg, augmentation="none"), tmp_path)[3][0]
    for seed in range(4):
        torch.manual_seed(seed)
        assert torch.equal(test[3][0], plain)


def test_validation_split_is_held_out_of_train_seeded_and_stated(digits_idx_dir, data_cfg, tmp_path,
                                                                 no_local_installs):
    """Train and validation partition the prepared training split; the manifest says which images, by checksum."""
    from cordsnet.data.loading import indices_sha256, validation_indices

    data_cfg["sources"]["mnist"] = str(digits_idx_dir)
    data_cfg["validation"] = {"fraction": 0.1, "max_images": 100, "seed": 3}
    manifest = prepare_dataset("mnist", data_cfg, tmp_path)
    val_rec = manifest["validation"]
    assert val_rec["n"] == 100 and val_rec["train_n"] == 1400 and val_rec["from"] == "train" and val_rec["seed"] == 3
    idx = validation_indices(1500, data_cfg["validation"])
    assert val_rec["indices_sha256"] == indices_sha256(idx)
    train = load_split("mnist", "train", data_cfg, tmp_path)
    val = load_split("mnist", "val", data_cfg, tmp_path)
    assert len(train) == 1400 and len(val) == 100
    from cordsnet.data.transforms import build_transform

    full = torch.load(prepared_dir(tmp_path, "mnist") / "train.pt", weights_only=True)
    rest = torch.ones(1500, dtype=torch.bool)
    rest[idx] = False
    to_tensor = build_transform("mnist", False, None, "none")
    assert torch.equal(val.images, to_tensor(full["images"][idx])) and torch.equal(val.labels, full["labels"][idx])
    assert torch.equal(train.images, to_tensor(full["images"][rest]))
    # the same images whatever else changes; another seed picks others
    assert torch.equal(validation_indices(1500, data_cfg["validation"]), idx)
    assert not torch.equal(validation_indices(1500, dict(data_cfg["validation"], seed=4)), idx)


def test_validation_images_are_not_in_the_training_data(digits_idx_dir, data_cfg, tmp_path, no_local_installs):
    data_cfg["sources"]["mnist"] = str(digits_idx_dir)
    prepare_dataset("mnist", data_cfg, tmp_path)
    train = load_split("mnist", "train", data_cfg, tmp_path)
    val = load_split("mnist", "val", data_cfg, tmp_path)
    seen = {x.numpy().tobytes() for x in train.images}
    assert len(train) + len(val) == 1500
    assert sum(x.numpy().tobytes() in seen for x in val.images) <= 2  # the digits set holds a few exact duplicates


def test_a_validation_setting_the_data_was_not_prepared_with_is_an_error(digits_idx_dir, data_cfg, tmp_path,
                                                                        no_local_installs):
    data_cfg["sources"]["mnist"] = str(digits_idx_dir)
    prepare_dataset("mnist", data_cfg, tmp_path)
    other = dict(data_cfg, validation=dict(data_cfg["validation"], seed=9))
    with pytest.raises(ValueError, match="data.validation.*prepare-data --dataset mnist"):
        load_split("mnist", "val", other, tmp_path)
    assert len(load_split("mnist", "test", other, tmp_path)) == 297  # the test split does not depend on it
