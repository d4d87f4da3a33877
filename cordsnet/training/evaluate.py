"""Test accuracy: of CNNs on the whole test split; of recurrent models over the readout window and at every step.

Window accuracy: the class of the mean logits over the last ``readout_steps`` stimulus steps (the window the loss
trains). Per-step accuracy: the class at each stimulus step. At reduced scales recurrent models are scored on a
fixed subset of the test split (``training.eval_max_images``, drawn once with a seeded permutation); the metrics
record its size.
"""

from __future__ import annotations

from typing import Any

import torch

from cordsnet.engine import simulate
from cordsnet.training.loop import as_tensor_data


def _subset(n: int, max_images: int | None, seed: int = 0) -> torch.Tensor:
    if max_images is None or max_images >= n:
        return torch.arange(n)
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:max_images].sort().values


def _batches(test, idx: torch.Tensor, batch: int, device: torch.device):
    data = as_tensor_data(test)
    for start in range(0, len(idx), batch):
        x, y = data.batch(idx[start: start + batch])
        yield x.to(device), y.to(device)


def _device(model) -> torch.device:
    return next(model.parameters()).device


@torch.inference_mode()
def evaluate_cnn(model, test, batch: int = 256) -> float:
    model.eval()
    correct = total = 0
    for x, y in _batches(test, torch.arange(len(test)), batch, _device(model)):
        correct += int((model(x).argmax(1) == y).sum())
        total += len(y)
    return correct / total


def _score(logits_fn, test, cfg: dict[str, Any], device: torch.device) -> dict[str, Any]:
    sim, tr = cfg["simulation"], cfg["training"]
    idx = _subset(len(test), tr.get("eval_max_images"))
    window = sim["readout_steps"]
    per_step = torch.zeros(sim["stimulus_steps"])
    correct = total = 0
    for x, y in _batches(test, idx, tr.get("eval_batch_size", 256), device):
        logits = logits_fn(x)[: sim["stimulus_steps"]]
        correct += int((logits[-window:].mean(0).argmax(1) == y).sum())
        per_step += (logits.argmax(2) == y).float().sum(1).cpu()
        total += len(y)
    return {"test_accuracy": correct / total, "per_step_accuracy": (per_step / total).tolist(),
            "eval_images": total, "eval_subset": "whole test split" if total == len(test) else
            f"fixed subset of {total} of {len(test)} test images (seeded permutation, seed 0)"}


@torch.inference_mode()
def evaluate_rnn(model, test, cfg: dict[str, Any]) -> dict[str, Any]:
    sim = cfg["simulation"]
    return _score(lambda x: simulate(model, [(x, sim["stimulus_steps"])],
                                     spontaneous_steps=sim["spontaneous_steps"]).logits, test, cfg,
                  _device(model))


@torch.inference_mode()
def evaluate_fcrnn(model, test, cfg: dict[str, Any]) -> dict[str, Any]:
    sim = cfg["simulation"]
    return _score(lambda x: model.simulate(x, sim["stimulus_steps"], sim["spontaneous_steps"])[0], test, cfg,
                  _device(model))
