"""A stimulus set's images in a trained model's input format, and writing one (the synthetic surrogate's).

A recorded stimulus set (the HvM images of Majaj, Hong et al. 2015: 256 px grayscale) rarely matches the format a
model was trained on, so each image is converted the way the model's own data were: to its number of channels
(grayscale replicated to 3, or colour averaged to 1), resized to its input size (bilinear, antialiased) and
normalised with its training set's mean and standard deviation (:mod:`cordsnet.data.registry`).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from cordsnet.io import atomic_path


def read_images(paths: Sequence[str | os.PathLike[str]], channels: int, size: int, mean: Sequence[float],
                std: Sequence[float]) -> torch.Tensor:
    """(N, channels, size, size) float images from files, in the model's normalisation."""
    from PIL import Image
    from torchvision.transforms.v2 import functional as F

    out = []
    for p in paths:
        with Image.open(p) as img:
            x = torch.from_numpy(np.asarray(img.convert("L" if channels == 1 else "RGB"), dtype=np.uint8).copy())
        x = x[None] if x.ndim == 2 else x.permute(2, 0, 1)
        x = F.resize(x, [size, size], antialias=True) if x.shape[-1] != size or x.shape[-2] != size else x
        out.append(F.normalize(x.float() / 255.0, list(mean), list(std)))
    return torch.stack(out)


def write_stimulus_set(folder: str | os.PathLike[str], images: np.ndarray, ids: Sequence[str]) -> Path:
    """``images`` (N, H, W) or (N, C, H, W) uint8 as ``<folder>/images/<id>.png`` plus ``<folder>/stimuli.csv``
    (``stimulus_id``, ``filename``: the stimulus set format of :func:`cordsnet.neural.assembly.check_stimuli`).
    Returns the CSV's path; the CSV is written last, atomically, so a folder with it is complete."""
    from PIL import Image

    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    rows = []
    for img, sid in zip(np.asarray(images), ids, strict=True):
        arr = img if img.ndim == 2 else (img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0))
        name = f"{sid}.png"
        with atomic_path(folder / "images" / name) as tmp:
            Image.fromarray(np.asarray(arr, dtype=np.uint8)).save(tmp, format="PNG")
        rows.append({"stimulus_id": sid, "filename": name})
    path = folder / "stimuli.csv"
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["stimulus_id", "filename"])
        writer.writeheader()
        writer.writerows(rows)
    return path
