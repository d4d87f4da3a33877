"""A stimulus set written and read back in a model's input format."""

import numpy as np
import torch

from cordsnet.neural.assembly import check_stimuli
from cordsnet.neural.stimuli import read_images, write_stimulus_set


def test_written_stimulus_set_reads_back_exactly_and_converts(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    csv = write_stimulus_set(tmp_path / "set", images, ["a", "b", "c"])
    paths = check_stimuli(csv, tmp_path / "set" / "images", ["c", "a"])
    x = read_images([paths["a"], paths["c"]], channels=1, size=28, mean=[0.5], std=[0.25])
    expected = (torch.from_numpy(images[[0, 2]]).float() / 255 - 0.5) / 0.25
    assert x.shape == (2, 1, 28, 28) and torch.allclose(x[:, 0], expected, atol=1e-6)
    rgb = read_images([paths["a"]], channels=3, size=56, mean=[0.0] * 3, std=[1.0] * 3)
    assert rgb.shape == (1, 3, 56, 56) and torch.allclose(rgb[0, 0], rgb[0, 2])  # grey replicated
    assert abs(float(rgb.mean()) - images[0].mean() / 255) < 0.01  # resizing keeps the mean brightness
