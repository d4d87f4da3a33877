"""Input transforms: the paper's (224 px, per-dataset augmentation) and reduced native-resolution ones.

Chosen by ``data.image_size`` (null = native) and ``data.augmentation``:

- ``paper``: the released code's families per dataset -- affine + elastic for MNIST; flips + affine for
  Fashion-MNIST; flips + RandAugment for CIFAR; random-resized crops + flips for ImageNet. CutMix/MixUp act on
  whole batches and are applied by the training loop, not here.
- ``light``: small random shifts (and flips where the classes allow them), cheap enough for a 2-core CPU.
- ``none``: resizing and normalisation only.

Every transform ends with per-dataset normalisation (mean/std in :mod:`cordsnet.data.registry`).
"""

from __future__ import annotations

import torch
from torchvision.transforms import v2

from cordsnet.data.registry import dataset_info


def build_transform(name: str, train: bool, image_size: int | None = None, augmentation: str = "light") -> v2.Compose:
    info = dataset_info(name)
    size = image_size or info.native_size
    ops: list[v2.Transform] = [v2.ToImage()]
    if name == "imagenet":
        if train and augmentation != "none":
            ops += [v2.RandomResizedCrop(size, antialias=True), v2.RandomHorizontalFlip()]
        else:
            ops += [v2.Resize(int(round(size * 256 / 224)), antialias=True), v2.CenterCrop(size)]
    else:
        if size != info.native_size:
            ops.append(v2.Resize((size, size), antialias=True))
        if train and augmentation == "light":
            pad = max(1, size // 14)
            ops.append(v2.RandomCrop(size, padding=pad))
            if name != "mnist":
                ops.append(v2.RandomHorizontalFlip())
        elif train and augmentation == "paper":
            if name == "mnist":
                ops += [v2.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1)),
                        v2.ElasticTransform(alpha=size * 1.5, sigma=size / 28 * 5)]
            elif name == "fmnist":
                ops += [v2.RandomHorizontalFlip(), v2.RandomAffine(degrees=10, translate=(0.1, 0.1))]
            else:
                ops += [v2.RandomHorizontalFlip(), v2.RandAugment()]
    ops += [v2.ToDtype(torch.float32, scale=True), v2.Normalize(list(info.mean), list(info.std))]
    return v2.Compose(ops)


def denormalise(images: torch.Tensor, name: str) -> torch.Tensor:
    """Normalised images of dataset ``name`` back to intensities in [0, 1] (the inverse of the last transform)."""
    info = dataset_info(name)
    mean = torch.tensor(info.mean, dtype=images.dtype).view(1, -1, 1, 1)
    std = torch.tensor(info.std, dtype=images.dtype).view(1, -1, 1, 1)
    return (images * std + mean).clamp(0, 1)
