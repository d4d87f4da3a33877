"""Accuracy: of CNNs on a whole split; of recurrent models over the readout window and at every step.

The same functions score the validation split (model selection, every stage's start and end) and the test split
(the numbers reported). A test-split evaluation also gives every image's predicted class (``predictions``: index,
label, predicted), which the stage writes beside its metrics so that models are compared image by image.

Window accuracy: the class of the mean logits over the last ``readout_steps`` stimulus steps (the window the loss
trains). Per-step accuracy: the class at each stimulus step. Every model of Table 1 is scored on the same test
images: the whole split, or a fixed subset (``training.eval_max_images``, drawn once with a seeded permutation); the
metrics record how many.
"""

from __future__ import annotations

from typing import Any

import torch

from cordsnet.training.loop import as_tensor_data


def evaluation_indices(n: int, max_images: int | None, seed: int = 0) -> torch.Tensor:
    """The fixed seeded subset of a split that recurrent models are scored on (sorted indices; all when None)."""
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
def predict_cnn(model, test, batch: int = 256, max_images: int | None = None) -> dict[str, torch.Tensor]:
    """The CNN's class for every image of ``test`` (or of the evaluation subset of ``max_images``, the recurrent
    models' images): ``index``, ``label``, ``predicted`` (what :func:`cordsnet.io.save_predictions` writes)."""
    model.eval()
    idx = evaluation_indices(len(test), max_images)
    labels, predicted = [], []
    for x, y in _batches(test, idx, batch, _device(model)):
        predicted.append(model(x).argmax(1).cpu())
        labels.append(y.cpu())
    return {"index": idx, "label": torch.cat(labels), "predicted": torch.cat(predicted)}


def accuracy(predictions: dict[str, torch.Tensor]) -> float:
    return float((predictions["predicted"] == predictions["label"]).float().mean())


def evaluate_cnn(model, test, batch: int = 256) -> float:
    return accuracy(predict_cnn(model, test, batch))


def validation_accuracy(protocol, val, cfg: dict[str, Any], model) -> float:
    """Window accuracy of a recurrent model on the whole validation split (what every stage selects on)."""
    return evaluate_recurrent(protocol, val, cfg, model, whole=True)["test_accuracy"]


@torch.inference_mode()
def evaluate_recurrent(protocol, test, cfg: dict[str, Any], model, whole: bool = False) -> dict[str, Any]:
    """Window and per-step accuracy of a recurrent model run by ``protocol`` (see
    :func:`cordsnet.training.protocol.cordsnet_protocol`), on the configured evaluation subset of ``test``
    (``training.eval_max_images``), or on all of it with ``whole``."""
    sim, tr = cfg["simulation"], cfg["training"]
    idx = evaluation_indices(len(test), None if whole else tr["eval_max_images"])
    window = sim["readout_steps"]
    per_step = torch.zeros(sim["stimulus_steps"])
    labels, predicted = [], []
    for x, y in _batches(test, idx, tr["eval_batch_size"], _device(model)):
        logits = protocol(x, False).logits
        predicted.append(logits[-window:].mean(0).argmax(1).cpu())
        labels.append(y.cpu())
        per_step += (logits.argmax(2) == y).float().sum(1).cpu()
    pred = {"index": idx, "label": torch.cat(labels), "predicted": torch.cat(predicted)}
    total = len(idx)
    return {"test_accuracy": accuracy(pred), "per_step_accuracy": (per_step / total).tolist(),
            "eval_images": total, "eval_subset": subset_note(total, len(test)), "predictions": pred}


def subset_note(n: int, total: int) -> str:
    """How many of a split's images an evaluation scored, in words (the metrics and the tables say it)."""
    return "whole test split" if n == total else \
        f"fixed subset of {n} of {total} test images (seeded permutation, seed 0)"
