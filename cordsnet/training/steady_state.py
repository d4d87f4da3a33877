"""Stage s2: the linear RNN initialised by steady-state matching (REFERENCE.md section 2).

Each area's recurrent kernel W_l and bias b_l are fitted so that the linear RNN's steady state matches the folded
CNN's pre-activations, with a contraction penalty on W; with several contraction weights
(``training.contraction_weight`` a list) each is fitted, resumable in its own folder, and the linear RNN that scores
best on validation is kept (docs/training.md, "The steady-state fit").
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cordsnet.device import device_for
from cordsnet.engine import simulate
from cordsnet.io import load_tensors, save_tensors
from cordsnet.models import CordsNet
from cordsnet.models.build import build_cnn, build_cordsnet
from cordsnet.training.context import StageContext, optimizer
from cordsnet.training.evaluate import evaluate_recurrent, validation_accuracy
from cordsnet.training.fold import FoldedCNN, set_weight, transfer_to_cordsnet
from cordsnet.training.loop import cosine_decay, stage_steps, train
from cordsnet.training.losses import steady_state_loss
from cordsnet.training.protocol import cordsnet_protocol

log = logging.getLogger("cordsnet")


def load_folded(ctx: StageContext) -> FoldedCNN:
    folded = FoldedCNN(build_cnn(ctx.cfg, ctx.dataset, ctx.depth, torch.device("cpu")))
    folded.load_state_dict(ctx.load_stage("fold")["model"])
    return folded.to(device_for(ctx.cfg)).eval()


class SteadyStateMatcher(nn.Module):
    """The parameters stage s2 fits: each area's recurrent kernel W_l and per-unit bias b_l, as plain tensors, from
    W = 0 and b = 0; :meth:`write_into` assigns them to the weight-normalised model (the same network).

    Why the effective kernel and a zero start: fitting the weight-normalised (g, v) from a random v barely moves, and
    the matching bias is far from the folded one (measured in docs/training.md, "Steady-state matching").
    """

    def __init__(self, model: CordsNet):
        super().__init__()
        self.kernels = nn.ParameterList(nn.Parameter(torch.zeros_like(a.rec.weight)) for a in model.areas)
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros_like(a.bias)) for a in model.areas)

    def rec(self, i: int):
        kernel = self.kernels[i]
        return lambda r: nn.functional.conv2d(r, kernel, padding=kernel.shape[-1] // 2)

    @torch.no_grad()
    def write_into(self, model: CordsNet) -> None:
        for area, kernel, bias in zip(model.areas, self.kernels, self.biases, strict=True):
            set_weight(area.rec, kernel)
            area.bias.copy_(bias)


def contraction_weights(tr: dict[str, Any]) -> list[float]:
    """The contraction weights stage s2 fits with (``training.contraction_weight``: one, or candidates to select
    from on validation)."""
    w = tr["contraction_weight"]
    return [float(v) for v in w] if isinstance(w, list) else [float(w)]


def fit_steady_state(ctx: StageContext, folded: FoldedCNN, model: CordsNet, weight: float, folder: Path):
    """Fit one SteadyStateMatcher with contraction weight ``weight``, resumable under ``folder``; returns
    (matcher, loop result) or None if stopped early."""
    tr, st = ctx.cfg["training"], ctx.settings
    matcher = SteadyStateMatcher(model)
    data = ctx.train_data()
    steps = stage_steps(data.n, st)
    opt = optimizer(matcher.parameters(), st)
    iters = tr["steady_state_iterations"]

    def loss_fn(step, x, y):
        with torch.no_grad():
            _, targets, _, drives = folded.features(x)
        total, pen_total, rel = 0.0, 0.0, []
        for i, (x_l, t_l) in enumerate(zip(drives, targets, strict=True)):
            mse, pen = steady_state_loss(x_l, t_l, matcher.rec(i), matcher.biases[i], iters,
                                         tr["contraction_iterations"])
            scale = t_l.var().clamp_min(1e-8)
            total = total + mse / scale + weight * pen
            pen_total += float(pen.detach())
            rel.append(float(mse.detach() / scale))
        return total, {"mse": sum(rel) / len(rel), "contraction": pen_total / len(rel)}

    loop = replace(ctx.loop(steps), checkpoint=folder / "train_state.pt", desc=f"{ctx.desc} (contraction {weight:g})")
    scheduler = cosine_decay(steps) if st["lr_decay"] == "cosine" else None
    res = train(matcher, opt, data, loop, loss_fn, scheduler=scheduler, stop_after=ctx.stop_after)
    return None if res.steps < steps else (matcher, res)


def fit_linear_rnn(ctx: StageContext) -> dict[str, Any] | None:
    """s2, once per contraction weight: with several (``training.contraction_weight`` a list), each is fitted
    and the linear RNN that scores best on validation is kept (ties: the larger weight, the more contractive).
    No single weight suits every network (docs/training.md): too weak and a late area's spectral radius passes 1,
    too strong and W cannot grow enough to match. Each candidate is resumable in its own folder; the kept fit's
    updates are the stage's budget, as the controls' learning-rate candidates are not counted in theirs."""
    cfg, st, tr = ctx.cfg, ctx.settings, ctx.cfg["training"]
    folded = load_folded(ctx)
    for p in folded.parameters():
        p.requires_grad_(False)
    model = build_cordsnet(cfg, ctx.dataset, ctx.depth, nonlinearity="identity")
    transfer_to_cordsnet(folded, model)
    protocol = cordsnet_protocol(model, cfg["simulation"])
    val = ctx.val_data()
    weights = contraction_weights(tr)
    folders = {w: candidate_folder(ctx.out, w, len(weights)) for w in weights}
    candidates = []
    for weight, folder in folders.items():
        done = folder / "fit.pt"
        if done.is_file():
            cand = load_tensors(done)
        else:
            fitted = fit_steady_state(ctx, folded, model, weight, folder)
            if fitted is None:
                return None
            matcher, res = fitted
            matcher.write_into(model)
            cand = {"matcher": matcher.state_dict(), "weight": weight, "steps": res.steps, "history": res.history,
                    "val_accuracy": validation_accuracy(protocol, val, cfg, model)}
            save_tensors(done, cand)
            (folder / "train_state.pt").unlink(missing_ok=True)
        candidates.append(cand)
    best = max(candidates, key=lambda c: (c["val_accuracy"], c["weight"]))
    matcher = SteadyStateMatcher(model)
    matcher.load_state_dict(best["matcher"])
    matcher.write_into(model)
    ev = evaluate_recurrent(protocol, ctx.test_data(), cfg, model)
    predictions = ev.pop("predictions")
    errors = steady_state_errors(model, folded, val, cfg)
    steps, history = int(best["steps"]), list(best["history"])
    metrics = ctx.metrics(**ev, val_accuracy_start=ctx.predecessor_metrics()["val_accuracy"],
                          val_accuracy=best["val_accuracy"],
                          val_images=len(val), steps=steps,
                          image_steps=steps * st["batch_size"] * tr["steady_state_iterations"], history=history,
                          fit_rel_error=history[-1]["mse"] if history else None,
                          contraction_weight=best["weight"],
                          contraction_candidates=[{"weight": c["weight"], "val_accuracy": c["val_accuracy"]}
                                                  for c in candidates],
                          **errors)
    metrics = ctx.final({"model": model.state_dict(), "nonlinearity": "identity"}, metrics, predictions)
    for folder in folders.values():
        if folder == ctx.out:
            (folder / "fit.pt").unlink(missing_ok=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return metrics


def candidate_folder(out: Path, weight: float, candidates: int) -> Path:
    """Where stage s2 keeps one contraction weight's resumable fit: the stage's own folder when there is one
    weight, a subfolder per weight when it selects among several."""
    return out if candidates == 1 else out / f"contraction_{weight:g}"


@torch.no_grad()
def steady_state_errors(model: CordsNet, folded: FoldedCNN, val, cfg: dict[str, Any], images: int = 512
                        ) -> dict[str, Any]:
    """How well the linear RNN's states match the CNN's pre-activations, per area, on validation images: relative
    squared error (mean squared difference / variance of the CNN's pre-activation) at the end of the stimulus
    window and after four times as long (its steady state, in practice), with the configured target."""
    sim = cfg["simulation"]
    n = min(images, len(val))
    x = torch.stack([val[i][0] for i in range(n)]).to(device_for(cfg))
    _, targets, _, _ = folded.features(x)
    window = sim["stimulus_steps"]
    out = simulate(model, [(x, 4 * window)], spontaneous_steps=sim["spontaneous_steps"],
                   record=list(range(model.depth)), record_steps=slice(window - 1, 4 * window, 3 * window))

    def rel(states, t):
        return [float(((states[i][t] - targets[i]) ** 2).mean() / targets[i].var().clamp_min(1e-12))
                for i in range(model.depth)]

    end, steady = rel(out.states, 0), rel(out.states, 1)
    target = cfg["training"]["steady_state_target"]
    if max(steady) > target:
        log.warning("steady-state matching: relative error per area %s exceeds the target %s (%s)",
                    [round(e, 3) for e in steady], target, "training.steady_state_target")
    return {"steady_state_rel_error": steady, "window_end_rel_error": end, "steady_state_target": target,
            "steady_state_within_target": max(steady) <= target, "steady_state_images": n,
            "steady_state_steps": 4 * window}


