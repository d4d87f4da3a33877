"""The paper's staged training (REFERENCE.md section 2) and its two controls, one function per stage.

    cnn          s1   CNN counterpart with batch norm (SGD or AdamW, warm-up, lr rounds)
    fold         s1b  batch norm folded into weights and per-unit biases (exact; error reported)
    init_linear  s2   linear RNN initialised by steady-state matching, contraction penalty
    linear_rnn   s3   linear RNN trained in time with the log-ramped loss
    anneal       s4   PReLU slope annealed 1 -> 0, spontaneous penalty added
    finetune     s5   ReLU model fine-tuned
    direct       --   control: CordsNet from random initialisation, same budget as s2..s5
    fcrnn        --   control: parameter-matched fully-connected RNN, same budget and protocol
    rcnn         --   temporal analyses: s5 with alpha = 1 (the discrete-time recurrent CNN of Fig 3B-D)
    early_readout --  temporal analyses: s5 read out early after onset (the transient solution of Fig 4B)

:data:`STAGE_RUNNERS` maps each stage of :data:`~cordsnet.training.graph.STAGES` to its function. Each reads its
predecessor's ``checkpoint.pt`` (:data:`~cordsnet.training.graph.PREVIOUS`) and writes its own ``checkpoint.pt``
and ``metrics.json`` where :class:`~cordsnet.layout.Layout` says (a ``train_state.pt`` beside them holds the
resumable state while it runs). The stages trained in time (s3-s5 and both controls) go through one path,
:func:`_train_in_time`, with the model's way of running the protocol as its only difference. Budgets are counted in
simulated image-steps: one image simulated for one time step (the warm-up, shared by a batch, counts once per
batch).

Selection: every stage is scored on the validation split (``data.validation``, held out of the training data) when
it starts and ``training.validation_evaluations`` times while it trains, and keeps its best state (annealing: its
best ReLU state). Its metrics record ``val_accuracy_start`` (the predecessor's model as this stage receives it),
``val_accuracy`` (the state kept), ``selected_step`` and the whole ``validation`` curve; the test split gives only
``test_accuracy``, of the state kept.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cordsnet.config import require_sections, with_stage_defaults
from cordsnet.data.loading import load_split, read_manifest
from cordsnet.data.registry import dataset_info
from cordsnet.engine import simulate
from cordsnet.io import load_tensors, save_tensors, write_json
from cordsnet.layout import Layout
from cordsnet.models import CordsNet, CordsNetCNN
from cordsnet.models.fcrnn import FCRNN, fcrnn_params, matched_hidden_size
from cordsnet.provenance import record
from cordsnet.training.evaluate import evaluate_cnn, evaluate_recurrent, validation_accuracy
from cordsnet.training.fold import FoldedCNN, set_weight, transfer_to_cordsnet
from cordsnet.training.graph import (
    ALL_STAGES,
    ANALYSIS_STAGES,
    BUDGET_STAGES,
    CONTROLS,
    PREVIOUS,
    SIMULATED,
    early_readout_steps,
    require_seeded,
    stage_config,
    stage_seed_dir,
)
from cordsnet.training.loop import (
    LoopConfig,
    as_tensor_data,
    cosine_decay,
    stage_batches_per_epoch,
    stage_steps,
    train,
    warmup_rounds_schedule,
    world,
)
from cordsnet.training.losses import ramp_loss, spontaneous_penalty, steady_state_loss

log = logging.getLogger("cordsnet")


def image_size(cfg: dict[str, Any], dataset: str) -> int:
    return cfg["data"]["image_size"] or dataset_info(dataset).native_size


def device_for(cfg: dict[str, Any]) -> torch.device:
    """``run.device`` resolved: 'auto' takes a GPU when there is one; under torchrun each rank takes its own GPU."""
    want = cfg["run"]["device"]
    if want == "cpu" or (want == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise RuntimeError("run.device is 'cuda' but torch sees no GPU (torch.cuda.is_available() is False): "
                           "run on a GPU node, or set run.device to 'auto' or 'cpu'")
    return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))


def build_cordsnet(cfg: dict[str, Any], dataset: str, depth: int, **overrides) -> CordsNet:
    model = CordsNet.from_config(cfg["model"], dataset, depth, image_size(cfg, dataset), **overrides)
    return model.to(device_for(cfg))


def build_cnn(cfg: dict[str, Any], dataset: str, depth: int, device: torch.device | None = None) -> CordsNetCNN:
    info = dataset_info(dataset)
    m = cfg["model"]
    cnn = CordsNetCNN(depth, info.channels, info.num_classes, m["width"], m["stem"], image_size(cfg, dataset))
    return cnn.to(device or device_for(cfg))


def _optimizer(params, stage: dict[str, Any]) -> torch.optim.Optimizer:
    if stage["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=stage["lr"], momentum=stage["momentum"], weight_decay=stage["weight_decay"])
    return torch.optim.AdamW(params, lr=stage["lr"], weight_decay=stage["weight_decay"])


def stage_settings(cfg: dict[str, Any], stage: str) -> dict[str, Any]:
    """The optimiser settings of ``stage``: its own ``training.<stage>``, or ``training.controls`` for the controls
    (one epoch's worth of settings, AdamW, ``lr_<control>`` over ``lr`` where set; their step count comes from the
    method's budget)."""
    if stage in CONTROLS:
        controls = cfg["training"]["controls"]
        settings = {k: v for k, v in controls.items() if k not in (f"lr_{c}" for c in CONTROLS)}
        if controls[f"lr_{stage}"] is not None:
            settings["lr"] = controls[f"lr_{stage}"]
        return with_stage_defaults({"epochs": 1, "optimizer": "adamw", **settings})
    if stage == "fold":  # exact arithmetic, nothing trained
        return {}
    if stage in ANALYSIS_STAGES:  # the fine-tuning stage with one thing changed
        return cfg["training"]["finetune"]
    return cfg["training"][stage]


def batch_image_steps(cfg: dict[str, Any], batch: int, post: bool) -> int:
    sim = cfg["simulation"]
    per_image = sim["stimulus_steps"] + (sim["post_stimulus_steps"] if post else 0)
    return batch * per_image + sim["spontaneous_steps"]


# ---------------------------------------------------------------------------------------------------------------
@dataclass
class StageContext:
    """What every stage function gets: the configuration, which model it trains, where, and how far to run."""

    cfg: dict[str, Any]
    dataset: str
    depth: int
    stage: str
    stop_after: int | None = None
    """end after this many optimiser steps (tests use it to simulate a kill)"""
    seed: int | None = None
    """another seed's copy of a seeded stage (``run.seeds``): its folder, and its seeded predecessors'"""
    out_dir: Path | None = None
    """where this stage writes instead of its layout folder (the ablation's runs); it reads the main run's"""

    @property
    def layout(self) -> Layout:
        return Layout.from_config(self.cfg)

    def dir_of(self, stage: str) -> Path:
        """The folder of ``stage`` in this stage's chain: its own (or ``out_dir``) for this stage, the seed's for
        the seeded stages, the main run's for the shared ones."""
        if stage == self.stage and self.out_dir is not None:
            return self.out_dir
        return self.layout.stage_dir(self.dataset, self.depth, stage, stage_seed_dir(stage, self.seed))

    @property
    def out(self) -> Path:
        return self.dir_of(self.stage)

    @property
    def settings(self) -> dict[str, Any]:
        return stage_settings(self.cfg, self.stage)

    @property
    def desc(self) -> str:
        return f"{self.dataset} R{self.depth} {self.stage}"

    def load_stage(self, stage: str) -> dict[str, Any]:
        """The checkpoint of ``stage`` (of the same dataset and depth), or an error that says to run it first."""
        path = self.dir_of(stage) / "checkpoint.pt"
        if not path.is_file():
            raise FileNotFoundError(f"stage '{self.stage}' needs the '{stage}' checkpoint {path}: run that stage first")
        return load_tensors(path)

    def load_predecessor(self) -> dict[str, Any]:
        return self.load_stage(PREVIOUS[self.stage])

    def train_data(self):
        return as_tensor_data(load_split(self.dataset, "train", self.cfg["data"], self.cfg["paths"]["data"]))

    def test_data(self):
        return load_split(self.dataset, "test", self.cfg["data"], self.cfg["paths"]["data"])

    def val_data(self):
        return load_split(self.dataset, "val", self.cfg["data"], self.cfg["paths"]["data"])

    def loop(self, steps: int) -> LoopConfig:
        st = self.settings
        return LoopConfig(steps=steps, batch_size=st["batch_size"], seed=self.cfg["run"]["seed"],
                          checkpoint=self.out / "train_state.pt",
                          checkpoint_every=self.cfg["training"]["checkpoint_every"], grad_clip=st["grad_clip"],
                          desc=self.desc, device=device_for(self.cfg),
                          evaluations=self.cfg["training"]["validation_evaluations"])

    def predecessor_metrics(self) -> dict[str, Any]:
        path = self.dir_of(PREVIOUS[self.stage]) / "metrics.json"
        if not path.is_file():
            raise FileNotFoundError(f"stage '{self.stage}' needs {path}: run stage '{PREVIOUS[self.stage]}' first")
        return json.loads(path.read_text())

    def metrics(self, **values) -> dict[str, Any]:
        cfg = self.cfg
        read = stage_config(cfg, self.stage)  # what the stage reads, as its rule passes it (the seed in run.seed)
        slice_ = {"model": cfg["model"], "training": read["training"], "data": read["data"]}
        if "simulation" in read:
            slice_["simulation"] = read["simulation"]
        return {"stage": self.stage, "dataset": self.dataset, "depth": self.depth, "scale": cfg["run"]["scale"],
                **values,
                "provenance": record(slice_, seed=cfg["run"]["seed"], data=_data_record(cfg, self.dataset),
                                     scale=cfg["run"]["scale"], extra={"run_name": cfg["run"]["name"]})}

    def final(self, state: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
        """Save the final checkpoint and drop the resumable state; :func:`run_stage` writes the metrics."""
        rank, _ = world()
        if rank == 0:
            save_tensors(self.out / "checkpoint.pt", state)
            partial = self.out / "train_state.pt"
            if partial.exists():
                partial.unlink()
        return metrics


def _data_record(cfg: dict[str, Any], dataset: str) -> dict[str, Any]:
    manifest = read_manifest(cfg["paths"]["data"], dataset)
    src = manifest["source"]
    val = manifest["validation"]
    return {"dataset": dataset, "source_kind": src["kind"], "location": src["location"], "real": src["real"],
            "subset": src.get("subset"), "synthetic": manifest["synthetic"],
            "train_n": val["train_n"], "val_n": val["n"], "val_seed": val["seed"],
            "val_indices_sha256": val["indices_sha256"], "test_n": manifest["splits"]["test"]["n"]}


def selection_metrics(res, val_images: int) -> dict[str, Any]:
    """What a stage's metrics say about its validation scores and the state it kept."""
    return {"val_accuracy_start": res.start_accuracy, "val_accuracy": res.best_accuracy,
            "selected_step": res.best_step, "validation": res.validation, "val_images": val_images,
            "selection": "best validation accuracy among the evaluated states (ties: the later)"}


def run_stage(stage: str, cfg: dict[str, Any], dataset: str, depth: int, stop_after: int | None = None,
              seed: int | None = None, out_dir: Path | None = None) -> dict[str, Any] | None:
    """Run one stage (resuming if it was interrupted). Returns its metrics, or None if stopped early.

    ``seed``: train another seed's copy of a seeded stage (``run.seeds``) into its own folder, from that seed's
    predecessor (the main run's for the shared stages); ``out_dir``: write the stage there instead (the ablation).
    """
    if stage not in STAGE_RUNNERS:
        raise ValueError(f"unknown stage '{stage}'; stages are {ALL_STAGES}")
    if seed is not None:
        require_seeded(stage)
        cfg = {**cfg, "run": {**cfg["run"], "seed": int(seed)}}
    require_sections(cfg, ("run", "paths", "data", "model", "training") + (("simulation",) if stage in SIMULATED
                                                                           else ()), f"stage '{stage}'")
    torch.manual_seed(cfg["run"]["seed"])
    ctx = StageContext(cfg, dataset, depth, stage, stop_after, seed, None if out_dir is None else Path(out_dir))
    ctx.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    metrics = STAGE_RUNNERS[stage](ctx)
    if metrics is not None:
        metrics["wall_seconds"] = time.perf_counter() - t0
        if world()[0] == 0:
            write_json(ctx.out / "metrics.json", metrics)
    return metrics


# -- s1 ---------------------------------------------------------------------------------------------------------
def _stage_cnn(ctx: StageContext) -> dict[str, Any] | None:
    cfg, st = ctx.cfg, ctx.settings
    model = build_cnn(cfg, ctx.dataset, ctx.depth)
    data = ctx.train_data()
    steps = stage_steps(data.n, st)
    per_epoch = stage_batches_per_epoch(data.n, st)
    sched = warmup_rounds_schedule(steps, cfg["training"]["lr_rounds"], int(st["warmup_epochs"] * per_epoch))
    opt = _optimizer(model.parameters(), st)
    ce = nn.CrossEntropyLoss()

    def loss_fn(step, x, y):
        model.train()
        logits = model(x)
        return ce(logits, y), {"acc": float((logits.argmax(1) == y).float().mean())}

    val, bs = ctx.val_data(), cfg["training"]["eval_batch_size"]
    res = train(model, opt, data, ctx.loop(steps), loss_fn, sched, stop_after=ctx.stop_after,
                validate=lambda: evaluate_cnn(model, val, bs))
    if res.steps < steps:
        return None
    model.load_state_dict(res.best_state)
    model.eval()
    acc = evaluate_cnn(model, ctx.test_data(), bs)
    metrics = ctx.metrics(test_accuracy=acc, **selection_metrics(res, len(val)), steps=steps,
                          image_steps=steps * st["batch_size"], history=res.history,
                          params=sum(p.numel() for p in model.parameters()))
    return ctx.final({"model": model.state_dict()}, metrics)


# -- s1b --------------------------------------------------------------------------------------------------------
def _stage_fold(ctx: StageContext) -> dict[str, Any] | None:
    cnn = build_cnn(ctx.cfg, ctx.dataset, ctx.depth, torch.device("cpu"))  # exact and cheap: always on the CPU
    cnn.load_state_dict(ctx.load_predecessor()["model"])
    cnn.eval()
    folded = FoldedCNN(cnn).eval()
    test = ctx.test_data()
    x = torch.stack([test[i][0] for i in range(min(256, len(test)))])
    with torch.no_grad():
        _, pre_bn, _ = cnn.features(x)
        _, pre_f, _, _ = folded.features(x)
        a, b = cnn(x), folded(x)
    err = float((a - b).abs().max() / a.abs().max())
    area_err = [float((p - q).abs().max() / p.abs().max()) for p, q in zip(pre_bn, pre_f, strict=True)]
    if err > 1e-4:
        raise RuntimeError(f"batch-norm folding is not exact: max relative logit difference {err:.2e}")
    bs = ctx.cfg["training"]["eval_batch_size"]
    acc = evaluate_cnn(folded, test, bs)
    val = ctx.val_data()
    val_acc = evaluate_cnn(folded, val, bs)
    start = ctx.predecessor_metrics()["val_accuracy"]
    metrics = ctx.metrics(folding_max_rel_error=err, area_max_rel_error=area_err, test_accuracy=acc,
                          val_accuracy_start=start, val_accuracy=val_acc, val_images=len(val), image_steps=0)
    return ctx.final({"model": folded.state_dict()}, metrics)


def _load_folded(ctx: StageContext) -> FoldedCNN:
    folded = FoldedCNN(build_cnn(ctx.cfg, ctx.dataset, ctx.depth, torch.device("cpu")))
    folded.load_state_dict(ctx.load_stage("fold")["model"])
    return folded.to(device_for(ctx.cfg)).eval()


# -- s2 ---------------------------------------------------------------------------------------------------------
class SteadyStateMatcher(nn.Module):
    """The parameters stage s2 fits: each area's recurrent kernel W_l and per-unit bias b_l, as plain tensors.

    The fit starts from W = 0 (the feedforward network, no recurrence) and b = 0, and works on the effective
    weight rather than on CordsNet's weight-normalised (g, v): with g small and v a random direction,
    weight normalisation scales the updates of W's direction by g / ||v|| and the fit barely moves (measured on
    MNIST-5k R2: relative error 0.90 after 31 steps, against 0.09 for area 0 from W = 0). The result is written into
    the weight-normalised model at the end (:func:`~cordsnet.training.fold.set_weight`), which is the same network.
    b starts at 0 rather than at the folded bias B: the bias that makes the steady state match is about (I - W) B,
    far from B once W is large, and AdamW's bounded steps did not cover the distance (MNIST-5k R2, area 1, 300
    steps: steady-state error 2.47 from B, 0.19 from 0; area 0: 0.007 either way).
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


def _fit_steady_state(ctx: StageContext, folded: FoldedCNN, model: CordsNet, weight: float, folder: Path):
    """Fit one SteadyStateMatcher with contraction weight ``weight``, resumable under ``folder``; returns
    (matcher, loop result) or None if stopped early."""
    tr, st = ctx.cfg["training"], ctx.settings
    matcher = SteadyStateMatcher(model)
    data = ctx.train_data()
    steps = stage_steps(data.n, st)
    opt = _optimizer(matcher.parameters(), st)
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


def _stage_init_linear(ctx: StageContext) -> dict[str, Any] | None:
    """s2, once per contraction weight: with several (``training.contraction_weight`` a list), each is fitted
    and the linear RNN that scores best on validation is kept (ties: the larger weight, the more contractive).
    No single weight suits every network (docs/training.md): too weak and a late area's spectral radius passes 1,
    too strong and W cannot grow enough to match. Each candidate is resumable in its own folder; the kept fit's
    updates are the stage's budget, as the controls' learning-rate candidates are not counted in theirs."""
    cfg, st, tr = ctx.cfg, ctx.settings, ctx.cfg["training"]
    folded = _load_folded(ctx)
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
            fitted = _fit_steady_state(ctx, folded, model, weight, folder)
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
    metrics = ctx.final({"model": model.state_dict(), "nonlinearity": "identity"}, metrics)
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


# -- the stages trained in time: s3-s5 and both controls --------------------------------------------------------
@dataclass
class ProtocolOutput:
    logits: torch.Tensor
    """T x B x classes over the stimulus steps"""
    recorded: dict[int, torch.Tensor]
    """area -> the states of the last ``penalty_steps`` post-stimulus steps (empty without the penalty)"""
    spontaneous: list[torch.Tensor]
    """each area's spontaneous state (batch 1)"""


Protocol = Callable[[torch.Tensor | None, bool], ProtocolOutput]
"""(images, with the post-stimulus blank for the penalty?) -> the protocol's outputs. With images None, only the
logits are asked for (evaluation passes images always)."""


def cordsnet_protocol(model: CordsNet, sim: dict[str, Any], warmup_grad: bool = True) -> Protocol:
    """CordsNet under the protocol: warm-up, image for ``stimulus_steps``, then (for the penalty) a blank."""

    def run(x: torch.Tensor, post: bool) -> ProtocolOutput:
        post = post and sim["post_stimulus_steps"] > 0
        schedule = [(x, sim["stimulus_steps"])] + ([(None, sim["post_stimulus_steps"])] if post else [])
        total = sim["stimulus_steps"] + (sim["post_stimulus_steps"] if post else 0)
        out = simulate(model, schedule, spontaneous_steps=sim["spontaneous_steps"], precision=_precision(sim),
                       record=list(range(model.depth)) if post else [],
                       record_steps=slice(total - sim["penalty_steps"], total), warmup_grad=warmup_grad)
        return ProtocolOutput(out.logits[: sim["stimulus_steps"]], out.states, out.spontaneous)

    return run


def fcrnn_protocol(model: FCRNN, sim: dict[str, Any], warmup_grad: bool = True) -> Protocol:
    """The fully-connected RNN under the same protocol (one 'area': its hidden state)."""

    def run(x: torch.Tensor, post: bool) -> ProtocolOutput:
        post_steps = sim["post_stimulus_steps"] if post else 0
        logits, states, spont = model.simulate(x, sim["stimulus_steps"], sim["spontaneous_steps"], post_steps,
                                               warmup_grad=warmup_grad)
        recorded = {0: states[-sim["penalty_steps"]:]} if post_steps else {}
        return ProtocolOutput(logits[: sim["stimulus_steps"]], recorded, [spont])

    return run


def _protocol(ctx: StageContext, model: nn.Module) -> Protocol:
    """The protocol of ``model`` (CordsNet or the FC-RNN) with this configuration's simulation and warm-up
    (``training.warmup_gradient`` matters only when gradients are on: evaluation runs without them)."""
    sim = ctx.cfg["simulation"]
    warmup_grad = ctx.cfg["training"]["warmup_gradient"]
    if isinstance(model, FCRNN):
        return fcrnn_protocol(model, sim, warmup_grad)
    return cordsnet_protocol(model, sim, warmup_grad)


def _precision(sim: dict[str, Any]) -> str:
    """``simulation.precision`` applies to inference only: training simulates in fp32."""
    return sim["precision"] if not torch.is_grad_enabled() else "fp32"


@dataclass
class TimeTraining:
    """One stage trained in time: the model, how it runs the protocol, and what the stage adds to the recipe."""

    model: nn.Module
    protocol: Protocol
    penalty: bool
    """add the spontaneous penalty (after a post-stimulus blank)"""
    budget_image_steps: int | None = None
    """the controls: as many steps as this budget buys; None: the stage's own step count"""
    slope_schedule: Callable[[int], Callable[[int], float]] | None = None
    """annealing: total steps -> (step -> PReLU slope)"""
    decay_start: Callable[[int], int] = lambda steps: 0
    """total steps -> the step where ``lr_decay`` begins (annealing: the end of its slope ramp)"""
    checkpoint_extra: dict[str, Any] = field(default_factory=dict)
    metrics_extra: dict[str, Any] = field(default_factory=dict)


def _train_in_time(ctx: StageContext, job: TimeTraining) -> dict[str, Any] | None:
    """s3-s5 and the controls: simulate in time, ramp loss (+ spontaneous penalty), AdamW, evaluate."""
    cfg, st = ctx.cfg, ctx.settings
    sim, tr = cfg["simulation"], cfg["training"]
    model = job.model
    data = ctx.train_data()
    per_batch = batch_image_steps(cfg, st["batch_size"], job.penalty)
    if job.budget_image_steps is not None:
        steps = max(1, job.budget_image_steps // per_batch)
    else:
        steps = stage_steps(data.n, st)
    slope = job.slope_schedule(steps) if job.slope_schedule is not None else None
    opt = _optimizer(model.parameters(), st)
    scheduler = cosine_decay(steps, job.decay_start(steps)) if st["lr_decay"] == "cosine" else None
    window, ramp = sim["readout_steps"], tuple(tr["loss_ramp"])

    def loss_fn(step, x, y):
        if slope is not None:
            model.set_nonlinearity("prelu", slope(step))
        out = job.protocol(x, job.penalty)
        loss = ramp_loss(out.logits, y, window, ramp)
        metrics = {"acc": float((out.logits[-1].argmax(1) == y).float().mean())}
        if job.penalty:
            pen = (spontaneous_penalty(out.recorded, out.spontaneous, tr["penalty_reduce"]) if out.recorded
                   else torch.zeros(()))
            loss = loss + tr["spontaneous_weight"] * pen
            metrics["spont"] = float(pen.detach())
        if slope is not None:
            metrics["slope"] = float(model.slope)
        return loss, metrics

    extra = restore = None
    if isinstance(model, CordsNet):
        def extra():
            return {"slope": float(model.slope), "nonlinearity": model.nonlinearity}

        def restore(state):
            if state.get("nonlinearity") == "prelu":
                model.set_nonlinearity("prelu", state["slope"])

    val = ctx.val_data()

    def validate() -> float:
        return validation_accuracy(job.protocol, val, cfg, model)

    # annealing: only states trained at the final slope (ReLU) may be kept
    eligible = None if slope is None else (lambda step: step > 0 and slope(step - 1) == 0.0)
    res = train(model, opt, data, ctx.loop(steps), loss_fn, scheduler=scheduler, extra_state=extra,
                restore_extra=restore, stop_after=ctx.stop_after, validate=validate, eligible=eligible)
    if res.steps < steps:
        return None
    if slope is not None:
        model.set_nonlinearity("relu")
    selection = selection_metrics(res, len(val))
    if res.best_state is not None:
        model.load_state_dict(res.best_state)
    else:  # no evaluated state was eligible (annealing too short to reach slope 0 before its end): the final one
        log.warning("%s: no validation-scored state was eligible; keeping the final (ReLU) state", ctx.desc)
        selection.update(val_accuracy=validate(), selected_step=steps,
                         selection="the final state (no evaluated state was eligible)")
    ev = evaluate_recurrent(job.protocol, ctx.test_data(), cfg, model)
    metrics = ctx.metrics(**ev, **selection, steps=steps, image_steps=steps * per_batch, history=res.history,
                          **job.metrics_extra)
    state = {"model": model.state_dict(), **job.checkpoint_extra}
    if isinstance(model, CordsNet):
        metrics["nonlinearity"] = state["nonlinearity"] = model.nonlinearity
    return ctx.final(state, metrics)


def _load_cordsnet(ctx: StageContext, nonlinearity: str, slope: float | None = None) -> CordsNet:
    """The predecessor's CordsNet, with the area nonlinearity this stage trains."""
    model = build_cordsnet(ctx.cfg, ctx.dataset, ctx.depth)
    model.load_state_dict(ctx.load_predecessor()["model"])
    model.set_nonlinearity(nonlinearity, slope)
    return model


# -- s3 ---------------------------------------------------------------------------------------------------------
def _stage_linear_rnn(ctx: StageContext) -> dict[str, Any] | None:
    model = _load_cordsnet(ctx, "identity")
    return _train_in_time(ctx, TimeTraining(model, _protocol(ctx, model), penalty=False))


# -- s4 ---------------------------------------------------------------------------------------------------------
def anneal_ramp_steps(total_steps: int, hold: float) -> int:
    """Steps of the annealing stage spent on the slope ramp (the rest, ``hold`` of them, at slope 0)."""
    return max(1, round(total_steps * (1.0 - hold)))


def anneal_slope(total_steps: int, levels: int = 20, hold: float = 0.0) -> Callable[[int], float]:
    """The shared PReLU slope: 0.95, 0.90, ..., 0 in ``levels`` equal parts of the first ``1 - hold`` of the stage
    (the code's schedule), then 0 (ReLU) for the last ``hold`` of it.

    The hold gives the stage ReLU states to select from: without it only the last level is ReLU, so the stage would
    end on whatever its last few updates gave.
    """
    ramp = anneal_ramp_steps(total_steps, hold)

    def f(step: int) -> float:
        level = min(levels, 1 + step * levels // ramp)
        return max(0.0, 1.0 - level / levels)

    return f


def _stage_anneal(ctx: StageContext) -> dict[str, Any] | None:
    model = _load_cordsnet(ctx, "prelu", 1.0)
    hold = ctx.cfg["training"]["anneal_hold"]
    # the decay runs over the ReLU hold only: every slope level of the ramp is trained at the full rate
    return _train_in_time(ctx, TimeTraining(model, _protocol(ctx, model), penalty=True,
                                            slope_schedule=lambda n: anneal_slope(n, hold=hold),
                                            decay_start=lambda n: anneal_ramp_steps(n, hold)))


# -- s5 ---------------------------------------------------------------------------------------------------------
def _stage_finetune(ctx: StageContext) -> dict[str, Any] | None:
    model = _load_cordsnet(ctx, "relu")
    return _train_in_time(ctx, TimeTraining(model, _protocol(ctx, model), penalty=True))


# -- controls ---------------------------------------------------------------------------------------------------
def method_budget(ctx: StageContext) -> int:
    """Simulated image-steps spent by stages init_linear..finetune (read from their metrics)."""
    total = 0
    for s in BUDGET_STAGES:
        path = ctx.dir_of(s) / "metrics.json"
        if not path.is_file():
            raise FileNotFoundError(f"the controls' budget needs {path}: run stage '{s}' first")
        total += int(json.loads(path.read_text())["image_steps"])
    return total


BUDGET_NOTE = {"budget_unit": "simulated image-steps of stages init_linear..finetune"}


def _stage_direct(ctx: StageContext) -> dict[str, Any] | None:
    budget = method_budget(ctx)
    model = build_cordsnet(ctx.cfg, ctx.dataset, ctx.depth)
    return _train_in_time(ctx, TimeTraining(model, _protocol(ctx, model), penalty=True,
                                            budget_image_steps=budget,
                                            metrics_extra={"budget_image_steps": budget, **BUDGET_NOTE}))


def _stage_fcrnn(ctx: StageContext) -> dict[str, Any] | None:
    cfg = ctx.cfg
    budget = method_budget(ctx)
    info = dataset_info(ctx.dataset)
    size = image_size(cfg, ctx.dataset)
    # Built (and its initialisation drawn) before the FC-RNN's, which fixes the FC-RNN's initial weights per seed.
    target = sum(p.numel() for p in build_cordsnet(cfg, ctx.dataset, ctx.depth).parameters())
    inputs = info.channels * size * size
    hidden = matched_hidden_size(target, inputs, info.num_classes)
    model = FCRNN(inputs, hidden, info.num_classes, cfg["model"]["alpha"]).to(device_for(cfg))
    params = sum(p.numel() for p in model.parameters())
    assert params == fcrnn_params(inputs, hidden, info.num_classes)
    return _train_in_time(ctx, TimeTraining(
        model, _protocol(ctx, model), penalty=True, budget_image_steps=budget,
        checkpoint_extra={"hidden": hidden},
        metrics_extra={"hidden": hidden, "params": params, "matched_params": target,
                       "param_mismatch": abs(params - target) / target, "budget_image_steps": budget,
                       **BUDGET_NOTE}))


# -- trained models for the analyses ----------------------------------------------------------------------------
def load_trained(cfg: dict[str, Any], dataset: str, depth: int, stage: str, path: Path | None = None) -> nn.Module:
    """The trained model of ``stage`` (dataset, depth) in evaluation mode, as its stage left it: the CNN (with batch
    norm), the folded CNN, or a CordsNet with the stage's nonlinearity and alpha (the RCNN's 1). Analyses load models
    here, so that a missing checkpoint is one error that names the file and how to make it. ``path``: a checkpoint
    of that stage kept elsewhere (another seed's, the ablation's)."""
    path = Layout.from_config(cfg).checkpoint(dataset, depth, stage) if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"the analysis needs the trained model {path}, which does not exist: train it with "
                                f"`snakemake {path} --cores all --configfile <your config>` (or the whole workflow)")
    state = load_tensors(path)
    if stage == "cnn":
        model: nn.Module = build_cnn(cfg, dataset, depth)
    elif stage == "fold":
        model = FoldedCNN(build_cnn(cfg, dataset, depth))
    elif stage == "fcrnn":
        raise ValueError("load_trained loads the convolutional models; build the FC-RNN with its checkpoint's hidden "
                         "size (cordsnet.models.fcrnn.FCRNN)")
    else:
        model = build_cordsnet(cfg, dataset, depth, alpha=state.get("alpha", cfg["model"]["alpha"]))
    model.load_state_dict(state["model"])
    if isinstance(model, CordsNet):
        kind = state.get("nonlinearity", "relu")
        model.set_nonlinearity(kind, state.get("slope") if kind == "prelu" else None)
    return model.eval()


# -- the temporal analyses' models -------------------------------------------------------------------------------
def _stage_rcnn(ctx: StageContext) -> dict[str, Any] | None:
    """The discrete-time recurrent CNN (Fig 3B-D): the annealed model with alpha = 1, trained as s5 is.

    Both it and the fine-tuned CordsNet start from the same annealed weights and get the same data, recipe and
    budget, so what differs between them is alpha alone: every step replaces the state instead of relaxing towards
    it. (The fixed points of r = relu(W r + b + F u) do not depend on alpha, so the annealed weights are a fair
    start for both; their stability does.)
    """
    model = build_cordsnet(ctx.cfg, ctx.dataset, ctx.depth, alpha=1.0)
    model.load_state_dict(ctx.load_predecessor()["model"])
    model.set_nonlinearity("relu")
    return _train_in_time(ctx, TimeTraining(model, _protocol(ctx, model), penalty=True,
                                            checkpoint_extra={"alpha": model.alpha},
                                            metrics_extra={"alpha": model.alpha, "start": "the annealed CordsNet"}))


def early_readout_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """``cfg`` with the stimulus window of the early-readout model: its readout window (the last
    ``simulation.readout_steps``) ends ``training.early_readout_steps`` after onset."""
    sim = {**cfg["simulation"], "stimulus_steps": early_readout_steps(cfg)}
    return {**cfg, "simulation": sim}


def _stage_early_readout(ctx: StageContext) -> dict[str, Any] | None:
    """CordsNet read out early (Fig 4B): s5 with the stimulus window ending at ``training.early_readout_steps``."""
    early = StageContext(early_readout_config(ctx.cfg), ctx.dataset, ctx.depth, ctx.stage, ctx.stop_after)
    model = _load_cordsnet(early, "relu")
    sim = early.cfg["simulation"]
    window = [sim["stimulus_steps"] - sim["readout_steps"], sim["stimulus_steps"]]
    return _train_in_time(early, TimeTraining(model, _protocol(early, model), penalty=True,
                                              checkpoint_extra={"readout_window": window},
                                              metrics_extra={"readout_window": window}))


STAGE_RUNNERS: dict[str, Callable[[StageContext], dict[str, Any] | None]] = {
    "cnn": _stage_cnn,
    "fold": _stage_fold,
    "init_linear": _stage_init_linear,
    "linear_rnn": _stage_linear_rnn,
    "anneal": _stage_anneal,
    "finetune": _stage_finetune,
    "direct": _stage_direct,
    "fcrnn": _stage_fcrnn,
    "rcnn": _stage_rcnn,
    "early_readout": _stage_early_readout,
}
"""Stage name -> the function that runs it; the same names, in the same order, as the stage graph's ALL_STAGES."""
