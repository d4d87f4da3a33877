"""Static facts about the five datasets of the paper's Table 1."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    channels: int
    num_classes: int
    native_size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    tensor_format: bool
    """True when the prepared form is a pair of uint8 tensors; False for ImageNet (kept as an ImageFolder)."""


DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo("mnist", "MNIST", 1, 10, 28, (0.1307,), (0.3081,), True),
    "fmnist": DatasetInfo("fmnist", "Fashion-MNIST", 1, 10, 28, (0.2860,), (0.3530,), True),
    "cifar10": DatasetInfo(
        "cifar10", "CIFAR-10", 3, 10, 32, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616), True
    ),
    "cifar100": DatasetInfo(
        "cifar100", "CIFAR-100", 3, 100, 32, (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762), True
    ),
    "imagenet": DatasetInfo(
        "imagenet", "ImageNet (ILSVRC-2012)", 3, 1000, 224, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225), False
    ),
}


def dataset_info(name: str) -> DatasetInfo:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown dataset '{name}'; choose one of {sorted(DATASETS)}") from None
