"""Atomic, byte-reproducible writing (cordsnet.io)."""

import torch

from cordsnet.io import load_tensors, save_tensors


def test_the_same_tensors_saved_twice_give_the_same_bytes(tmp_path):
    """Each save goes through its own random temporary file; the bytes must not record its name (DVC hashes them)."""
    state = {"model": {"w": torch.arange(12.0).reshape(3, 4), "b": torch.zeros(2)}, "slope": 0.5, "kind": "relu"}
    a, b = tmp_path / "a" / "checkpoint.pt", tmp_path / "b" / "checkpoint.pt"
    save_tensors(a, state)
    save_tensors(b, state)
    assert a.read_bytes() == b.read_bytes()
    assert torch.equal(load_tensors(a)["model"]["w"], state["model"]["w"])
    assert sorted(p.name for p in a.parent.iterdir()) == ["checkpoint.pt"]  # no temporary file left behind
