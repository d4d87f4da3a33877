"""Noise robustness (Fig 3C, Fig 3D; claim C4): accuracy and activation error under Gaussian pixel noise.

For the fine-tuned CordsNet, its CNN counterpart and the discrete-time recurrent CNN (stage ``rcnn``: the same
annealed weights fine-tuned with alpha = 1) of one dataset and depth, on a fixed subset of the test split:

- **accuracy vs noise (Fig 3D)**: Gaussian noise of standard deviation ``level`` (in the units of the normalised
  image, i.e. in pixel standard deviations) is added to the image; the recurrent models see fresh noise at every
  step (what a retina sees), the CNN one draw. Recurrent models are scored as in Table 1 (the class of the mean
  logits over the readout window). Per-image correctness is kept, so that C4's summary (the area under each model's
  accuracy-vs-noise curve and the difference between models) carries a paired standard error.
- **activation error (Fig 3C)**: per area, the mean squared difference between noisy and noiseless activations
  (recurrent models: every step of the readout window), divided by the variance of the noiseless activations.

Output: ``<results>/temporal/noise_<dataset>_R<depth>.{json,npz}`` (command ``cordsnet temporal-noise``).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import numpy as np
import torch
from torch import nn

from cordsnet.commands import command
from cordsnet.engine import simulate
from cordsnet.models import CordsNet
from cordsnet.models.blocks import readout_features
from cordsnet.results import Report
from cordsnet.temporal.settings import NOISE_MODELS
from cordsnet.trained import load_trained, test_subset, trained_provenance

log = logging.getLogger("cordsnet")

TIME_AVERAGE = "cnn_time_average"
"""C4's control: the CNN given the time average of as many noise frames as CordsNet sees (does CordsNet's robustness
exceed what averaging the noise over time gives?)."""


def _recurrent_run(model: CordsNet, x: torch.Tensor, level: float, sim: dict[str, Any],
                   generator: torch.Generator) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """(window logits B x K, per area the activations over the readout window, steps x B x C x H x W)."""
    stim, window = sim["stimulus_steps"], sim["readout_steps"]
    out = simulate(model, [(x, stim)], spontaneous_steps=sim["spontaneous_steps"], input_noise=level,
                   generator=generator, record=list(range(model.depth)), record_steps=slice(stim - window, stim))
    acts = [torch.relu(out.states[i]) for i in range(model.depth)]
    return out.logits[-window:].mean(0), acts


def _cnn_run(model: nn.Module, x: torch.Tensor, level: float, generator: torch.Generator,
             frames: int = 1) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """The CNN on the image plus the mean of ``frames`` fresh noise frames of std ``level`` (one draw of std
    ``level / sqrt(frames)``: the same distribution)."""
    if level:
        x = x + level / frames**0.5 * torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    _, _, acts = model.features(x)
    return model.readout(readout_features(acts)), [a.unsqueeze(0) for a in acts]


@torch.inference_mode()
def noise_sweep(models: dict[str, nn.Module], images: torch.Tensor, labels: torch.Tensor, levels: list[float],
                sim: dict[str, Any], seed: int = 0, batch_size: int = 250,
                averaged: dict[str, int] | None = None) -> dict[str, Any]:
    """Accuracy and per-area activation error of each model at each noise level.

    ``models``: label -> a CordsNet (simulated under ``sim``'s protocol) or a CNN (anything with ``features`` and
    ``readout``, as :class:`~cordsnet.models.CordsNetCNN`). Level 0 is the noiseless reference and is always run.
    ``averaged``: label -> frames, for CNNs shown the time average of that many noise frames (C4's control).
    Returns ``correct[label]`` (images x levels, bool), ``accuracy[label]`` (levels), ``activation_error[label]``
    (levels x areas) and ``levels``.
    """
    if any(lv < 0 for lv in levels):
        raise ValueError(f"noise levels must be >= 0 (standard deviations), got {levels}")
    levels = sorted(set([0.0] + [float(v) for v in levels]))
    out: dict[str, Any] = {"levels": levels, "correct": {}, "accuracy": {}, "activation_error": {}}
    for label, model in models.items():
        recurrent = isinstance(model, CordsNet)
        dev = next(model.parameters()).device  # noise is drawn where the model runs (a GPU at paper scale)
        areas = model.depth if recurrent else len(model.areas)
        correct = np.zeros((len(images), len(levels)), dtype=bool)
        sse = np.zeros((len(levels), areas))  # per level and area: sum of squared noisy - noiseless
        total, squares, count = np.zeros(areas), np.zeros(areas), np.zeros(areas)  # of the noiseless activations
        for b, start in enumerate(range(0, len(images), batch_size)):
            x, y = images[start: start + batch_size].to(dev), labels[start: start + batch_size].to(dev)
            for j, level in enumerate(levels):  # levels[0] is 0: the noiseless reference comes first
                gen = torch.Generator(device=dev).manual_seed(seed + 7919 * b + 104729 * j)
                logits, acts = (_recurrent_run(model, x, level, sim, gen) if recurrent
                                else _cnn_run(model, x, level, gen, (averaged or {}).get(label, 1)))
                acts = [a.double() for a in acts]
                correct[start: start + len(y), j] = (logits.argmax(1) == y).cpu().numpy()
                if j == 0:
                    ref = acts
                    for i, a in enumerate(acts):
                        total[i] += float(a.sum())
                        squares[i] += float((a**2).sum())
                        count[i] += a.numel()
                for i, (a, r) in enumerate(zip(acts, ref, strict=True)):
                    sse[j, i] += float(((a - r) ** 2).sum())
        mean = total / count
        variance = squares / count - mean**2
        out["correct"][label] = correct
        out["accuracy"][label] = correct.mean(0)
        out["activation_error"][label] = (sse / count) / np.maximum(variance, 1e-30)
        log.info("%s: accuracy %s", label, np.round(100 * correct.mean(0), 1).tolist())
    return out


def curve_area(correct: np.ndarray, levels: list[float]) -> np.ndarray:
    """Per image, the trapezoid area under its correct(level) curve divided by the level range: the mean accuracy
    over the noise range, per image (its mean over images is the area under the accuracy curve)."""
    lv = np.asarray(levels, dtype=float)
    if len(lv) < 2:
        return correct[:, 0].astype(float)
    return np.trapezoid(correct.astype(float), lv, axis=1) / (lv[-1] - lv[0])


def paired_difference(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Mean of a - b over images with its standard error (paired: the same images and levels)."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    return {"difference": float(d.mean()), "se": se, "z": float(d.mean() / se) if se > 0 else float("nan")}


def c4_summary(sweep: dict[str, Any]) -> dict[str, Any]:
    """C4 as numbers: each model's area under the accuracy-vs-noise curve, and CordsNet's difference from each
    other model with its paired standard error ("resolved" when larger than twice it)."""
    levels = sweep["levels"]
    areas = {m: curve_area(c, levels) for m, c in sweep["correct"].items()}
    summary: dict[str, Any] = {"area_under_curve": {m: float(a.mean()) for m, a in areas.items()},
                               "differences": {}}
    for other in areas:
        if other == "cordsnet" or "cordsnet" not in areas:
            continue
        d = paired_difference(areas["cordsnet"], areas[other])
        d["resolved"] = bool(abs(d["difference"]) > 2 * d["se"])
        summary["differences"][f"cordsnet - {other}"] = d
    return summary


def noise_report(cfg: dict[str, Any], dataset: str, depth: int) -> Report:
    """The noise sweep of one dataset and depth from the configuration's trained models (``temporal`` section)."""
    t = cfg["temporal"]
    models = {label: load_trained(cfg, dataset, depth, stage) for label, stage in NOISE_MODELS.items()}
    frames = cfg["simulation"]["stimulus_steps"]
    models[TIME_AVERAGE] = models["cnn"]  # C4's control: the CNN shown the noise averaged over CordsNet's frames
    images, labels, note = test_subset(cfg, dataset, t["noise_images"])
    sweep = noise_sweep(models, images, labels, t["noise_levels"], cfg["simulation"], cfg["run"]["seed"],
                        t["batch_size"], averaged={TIME_AVERAGE: frames})
    summary = c4_summary(sweep)
    data = {"dataset": dataset, "depth": depth, "levels": sweep["levels"], "images": len(labels),
            "evaluation": f"{note}: Table 1's when the sizes agree",
            "noise": "Gaussian, std = level in normalised pixel units; fresh every step for the recurrent models, "
                     f"one draw for the CNN; '{TIME_AVERAGE}': the CNN shown the mean of {frames} fresh frames (as "
                     "many as CordsNet sees in its stimulus window; the same distribution, not the identical draws)",
            "models": {m: {"stage": NOISE_MODELS.get(m, "cnn"), "accuracy": sweep["accuracy"][m].tolist(),
                           "activation_error": sweep["activation_error"][m].tolist()} for m in models},
            "c4": summary,
            "provenance": trained_provenance(cfg, dataset, depth, NOISE_MODELS.values())}
    arrays = {f"correct_{m}": c for m, c in sweep["correct"].items()}
    arrays.update({f"activation_error_{m}": e for m, e in sweep["activation_error"].items()})
    arrays["levels"] = np.asarray(sweep["levels"])
    return Report(data, arrays)


# -- command (workflow/rules/temporal.smk) ----------------------------------------------------------------------
def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", required=True)
    p.add_argument("--depth", type=int, required=True)
    p.add_argument("--out", required=True, help="JSON path; the arrays go to a .npz beside it")


@command("temporal-noise", "accuracy and activation error under pixel noise, CordsNet vs CNN vs RCNN (Fig 3C-D)",
         _add_args, concern="temporal")
def _cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    rep = noise_report(cfg, args.dataset, args.depth)
    rep.write(args.out)
    for pair, d in rep.data["c4"]["differences"].items():
        log.info("C4 %s R%d: area under the accuracy curve, %s = %+.3f (SE %.3f)", args.dataset, args.depth, pair,
                 d["difference"], d["se"])
    return 0
