"""The paper's staged training (REFERENCE.md section 2) and its two controls, one function per stage.

    cnn          s1   CNN counterpart with batch norm (SGD, warm-up, lr rounds)
    fold         s1b  batch norm folded into weights and per-unit biases (exact; error reported)
    init_linear  s2   linear RNN initialised by steady-state matching, contraction penalty
    linear_rnn   s3   linear RNN trained in time with the log-ramped loss
    anneal       s4   PReLU slope annealed 1 -> 0, spontaneous penalty added
    finetune     s5   ReLU model fine-tuned
    direct       --   control: CordsNet from random initialisation, same budget as s2..s5
    fcrnn        --   control: parameter-matched fully-connected RNN, same budget and protocol

Each stage reads the previous stage's ``checkpoint.pt`` and writes its own ``checkpoint.pt`` and
``metrics.json`` under ``<results>/models/<dataset>/R<depth>/<stage>/`` (a ``train_state.pt`` beside it holds
the resumable state while it runs). Budgets are counted in simulated image-steps: one image simulated for one
time step (the warm-up, shared by a batch, counts once per batch).
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cordsnet.data.loading import load_split, read_manifest
from cordsnet.data.registry import dataset_info
from cordsnet.engine import simulate
from cordsnet.io import load_tensors, save_tensors, write_json
from cordsnet.models import CordsNet, CordsNetCNN
from cordsnet.models.fcrnn import FCRNN, fcrnn_params, matched_hidden_size
from cordsnet.provenance import record
from cordsnet.training.evaluate import evaluate_cnn, evaluate_fcrnn, evaluate_rnn
from cordsnet.training.fold import FoldedCNN, set_weight, transfer_to_cordsnet
from cordsnet.training.graph import BUDGET_STAGES, PREVIOUS, STAGES
from cordsnet.training.loop import (
    LoopConfig,
    as_tensor_data,
    stage_batches_per_epoch,
    stage_steps,
    train,
    warmup_rounds_schedule,
    world,
)
from cordsnet.training.losses import ramp_loss, spontaneous_penalty, steady_state_loss

log = logging.getLogger("cordsnet")

def stage_dir(results: str | Path, dataset: str, depth: int, stage: str) -> Path:
    return Path(results) / "models" / dataset / f"R{depth}" / stage


def image_size(cfg: dict[str, Any], dataset: str) -> int:
    return cfg["data"].get("image_size") or dataset_info(dataset).native_size


def device_for(cfg: dict[str, Any]) -> torch.device:
    """``run.device`` resolved: 'auto' takes a GPU when there is one; under torchrun each rank takes its own GPU."""
    want = cfg["run"].get("device", "cpu")
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
    if stage.get("optimizer", "adamw") == "sgd":
        return torch.optim.SGD(params, lr=stage["lr"], momentum=stage.get("momentum", 0.9),
                               weight_decay=stage.get("weight_decay", 0.0))
    return torch.optim.AdamW(params, lr=stage["lr"], weight_decay=stage.get("weight_decay", 0.0))


def _final(out: Path, state: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
    """Save the final checkpoint and drop the resumable state; :func:`run_stage` writes the metrics."""
    rank, _ = world()
    if rank == 0:
        save_tensors(out / "checkpoint.pt", state)
        partial = out / "train_state.pt"
        if partial.exists():
            partial.unlink()
    return metrics


def _data_record(cfg: dict[str, Any], dataset: str) -> dict[str, Any]:
    manifest = read_manifest(cfg["paths"]["data"], dataset)
    src = manifest["source"]
    return {"dataset": dataset, "source_kind": src["kind"], "location": src["location"], "real": src["real"],
            "subset": src.get("subset"), "synthetic": manifest["synthetic"],
            "train_n": manifest["splits"]["train"]["n"], "test_n": manifest["splits"]["test"]["n"]}


def _metrics(cfg: dict[str, Any], dataset: str, depth: int, stage: str, **values) -> dict[str, Any]:
    sim = cfg["simulation"]
    slice_ = {"model": cfg["model"], "simulation": sim, "training": cfg["training"].get(stage, {}),
              "data": {k: cfg["data"].get(k) for k in ("image_size", "augmentation")}}
    return {"stage": stage, "dataset": dataset, "depth": depth, "scale": cfg["run"].get("scale"),
            **values,
            "provenance": record(slice_, seed=cfg["run"]["seed"], data=_data_record(cfg, dataset),
                                 scale=cfg["run"].get("scale"), extra={"run_name": cfg["run"]["name"]})}


def _schedule(cfg: dict[str, Any], x: torch.Tensor, post: bool) -> list:
    sim = cfg["simulation"]
    sched = [(x, sim["stimulus_steps"])]
    if post and sim.get("post_stimulus_steps", 0):
        sched.append((None, sim["post_stimulus_steps"]))
    return sched


def batch_image_steps(cfg: dict[str, Any], batch: int, post: bool) -> int:
    sim = cfg["simulation"]
    per_image = sim["stimulus_steps"] + (sim.get("post_stimulus_steps", 0) if post else 0)
    return batch * per_image + sim["spontaneous_steps"]


# ---------------------------------------------------------------------------------------------------------------
def run_stage(stage: str, cfg: dict[str, Any], dataset: str, depth: int, stop_after: int | None = None
              ) -> dict[str, Any] | None:
    """Run one stage (resuming if it was interrupted). Returns its metrics, or None if stopped early."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage '{stage}'; stages are {STAGES}")
    torch.manual_seed(cfg["run"]["seed"])
    out = stage_dir(cfg["paths"]["results"], dataset, depth, stage)
    out.mkdir(parents=True, exist_ok=True)
    fn = globals()[f"_stage_{stage}"]
    t0 = time.perf_counter()
    metrics = fn(cfg, dataset, depth, out, stop_after)
    if metrics is not None:
        metrics["wall_seconds"] = time.perf_counter() - t0
        if world()[0] == 0:
            write_json(out / "metrics.json", metrics)
    return metrics


def _previous(cfg, dataset, depth, stage) -> dict[str, Any]:
    path = stage_dir(cfg["paths"]["results"], dataset, depth, PREVIOUS[stage]) / "checkpoint.pt"
    if not path.is_file():
        raise FileNotFoundError(
            f"stage '{stage}' needs the '{PREVIOUS[stage]}' checkpoint {path}: run that stage first")
    return load_tensors(path)


def _loop_cfg(cfg, out: Path, stage_cfg: dict[str, Any], steps: int, desc: str) -> LoopConfig:
    return LoopConfig(steps=steps, batch_size=stage_cfg["batch_size"], seed=cfg["run"]["seed"],
                      checkpoint=out / "train_state.pt", checkpoint_every=cfg["training"].get("checkpoint_every", 200),
                      grad_clip=stage_cfg.get("grad_clip"), desc=desc, device=device_for(cfg))


def _train_data(cfg, dataset):
    return as_tensor_data(load_split(dataset, "train", cfg["data"], cfg["paths"]["data"]))


def _test_data(cfg, dataset):
    return load_split(dataset, "test", cfg["data"], cfg["paths"]["data"])


# -- s1 ---------------------------------------------------------------------------------------------------------
def _stage_cnn(cfg, dataset, depth, out, stop_after):
    st = cfg["training"]["cnn"]
    model = build_cnn(cfg, dataset, depth)
    data = _train_data(cfg, dataset)
    steps = stage_steps(data.n, st)
    per_epoch = stage_batches_per_epoch(data.n, st)
    rounds = cfg["training"].get("lr_rounds", [1.0])
    sched = warmup_rounds_schedule(steps, rounds, int(st.get("warmup_epochs", 0) * per_epoch))
    opt = _optimizer(model.parameters(), st)
    ce = nn.CrossEntropyLoss()

    def loss_fn(step, x, y):
        model.train()
        logits = model(x)
        return ce(logits, y), {"acc": float((logits.argmax(1) == y).float().mean())}

    res = train(model, opt, data, _loop_cfg(cfg, out, st, steps, f"{dataset} R{depth} cnn"), loss_fn, sched,
                stop_after=stop_after)
    if res.steps < steps:
        return None
    model.eval()
    acc = evaluate_cnn(model, _test_data(cfg, dataset), cfg["training"].get("eval_batch_size", 256))
    metrics = _metrics(cfg, dataset, depth, "cnn", test_accuracy=acc, steps=steps, image_steps=steps * st["batch_size"],
                       history=res.history, params=sum(p.numel() for p in model.parameters()))
    return _final(out, {"model": model.state_dict()}, metrics)


# -- s1b --------------------------------------------------------------------------------------------------------
def _stage_fold(cfg, dataset, depth, out, stop_after):
    cnn = build_cnn(cfg, dataset, depth, torch.device("cpu"))  # exact and cheap: always on the CPU
    cnn.load_state_dict(_previous(cfg, dataset, depth, "fold")["model"])
    cnn.eval()
    folded = FoldedCNN(cnn).eval()
    test = _test_data(cfg, dataset)
    x = torch.stack([test[i][0] for i in range(min(256, len(test)))])
    with torch.no_grad():
        _, pre_bn, _ = cnn.features(x)
        _, pre_f, _, _ = folded.features(x)
        a, b = cnn(x), folded(x)
    err = float((a - b).abs().max() / a.abs().max())
    area_err = [float((p - q).abs().max() / p.abs().max()) for p, q in zip(pre_bn, pre_f, strict=True)]
    if err > 1e-4:
        raise RuntimeError(f"batch-norm folding is not exact: max relative logit difference {err:.2e}")
    acc = evaluate_cnn(folded, test, cfg["training"].get("eval_batch_size", 256))
    metrics = _metrics(cfg, dataset, depth, "fold", folding_max_rel_error=err, area_max_rel_error=area_err,
                       test_accuracy=acc, image_steps=0)
    return _final(out, {"model": folded.state_dict()}, metrics)


def _load_folded(cfg, dataset, depth, stage) -> FoldedCNN:
    cnn = build_cnn(cfg, dataset, depth, torch.device("cpu"))
    folded = FoldedCNN(cnn)
    folded.load_state_dict(_previous(cfg, dataset, depth, stage)["model"])
    return folded.to(device_for(cfg)).eval()


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


def _stage_init_linear(cfg, dataset, depth, out, stop_after):
    st = cfg["training"]["init_linear"]
    tr = cfg["training"]
    folded = _load_folded(cfg, dataset, depth, "init_linear")
    for p in folded.parameters():
        p.requires_grad_(False)
    model = build_cordsnet(cfg, dataset, depth, nonlinearity="identity")
    transfer_to_cordsnet(folded, model)
    matcher = SteadyStateMatcher(model)
    data = _train_data(cfg, dataset)
    steps = stage_steps(data.n, st)
    opt = _optimizer(matcher.parameters(), st)
    iters = tr.get("steady_state_iterations", 3)
    weight = tr.get("contraction_weight", 10.0)

    def loss_fn(step, x, y):
        with torch.no_grad():
            _, targets, _, drives = folded.features(x)
        total, pen_total, rel = 0.0, 0.0, []
        for i, (x_l, t_l) in enumerate(zip(drives, targets, strict=True)):
            mse, pen = steady_state_loss(x_l, t_l, matcher.rec(i), matcher.biases[i], iters)
            scale = t_l.var().clamp_min(1e-8)
            total = total + mse / scale + weight * pen
            pen_total += float(pen.detach())
            rel.append(float(mse.detach() / scale))
        return total, {"mse": sum(rel) / len(rel), "contraction": pen_total / len(rel)}

    res = train(matcher, opt, data, _loop_cfg(cfg, out, st, steps, f"{dataset} R{depth} init_linear"), loss_fn,
                stop_after=stop_after)
    if res.steps < steps:
        return None
    matcher.write_into(model)
    ev = evaluate_rnn(model, _test_data(cfg, dataset), cfg)
    metrics = _metrics(cfg, dataset, depth, "init_linear", **ev, steps=steps,
                       image_steps=steps * st["batch_size"] * iters, history=res.history,
                       steady_state_rel_error=res.history[-1]["mse"] if res.history else None)
    return _final(out, {"model": model.state_dict(), "nonlinearity": "identity"}, metrics)


def _load_rnn(cfg, dataset, depth, stage) -> CordsNet:
    state = _previous(cfg, dataset, depth, stage)
    model = build_cordsnet(cfg, dataset, depth)
    model.load_state_dict(state["model"])
    return model


def _recurrent_stage(cfg, dataset, depth, out, stop_after, stage: str, model: CordsNet, penalty: bool,
                     slope_schedule_for=None, budget_image_steps: int | None = None, stage_cfg=None):
    """s3-s5 and the direct control: simulate in time, ramp loss (+ spontaneous penalty), AdamW."""
    st = stage_cfg or cfg["training"][stage]
    tr = cfg["training"]
    sim = cfg["simulation"]
    data = _train_data(cfg, dataset)
    per_batch = batch_image_steps(cfg, st["batch_size"], penalty)
    if budget_image_steps is not None:
        steps = max(1, budget_image_steps // per_batch)
    else:
        steps = stage_steps(data.n, st)
    slope_schedule = slope_schedule_for(steps) if slope_schedule_for is not None else None
    opt = _optimizer(model.parameters(), st)
    window, ramp = sim["readout_steps"], tuple(tr.get("loss_ramp", [1e-3, 1.0]))
    spont_w = tr.get("spontaneous_weight", 1e-3)
    pen_steps = sim.get("penalty_steps", 10)

    def loss_fn(step, x, y):
        if slope_schedule is not None:
            model.set_nonlinearity("prelu", slope_schedule(step))
        total = sim["stimulus_steps"] + (sim.get("post_stimulus_steps", 0) if penalty else 0)
        rec = list(range(model.depth)) if penalty else []
        out_ = simulate(model, _schedule(cfg, x, penalty), spontaneous_steps=sim["spontaneous_steps"], record=rec,
                        record_steps=slice(total - pen_steps, total))
        logits = out_.logits[: sim["stimulus_steps"]]
        loss = ramp_loss(logits, y, window, ramp)
        metrics = {"acc": float((logits[-1].argmax(1) == y).float().mean())}
        if penalty:
            pen = spontaneous_penalty(out_.states, out_.spontaneous)
            loss = loss + spont_w * pen
            metrics["spont"] = float(pen.detach())
        if slope_schedule is not None:
            metrics["slope"] = float(model.slope)
        return loss, metrics

    def extra():
        return {"slope": float(model.slope), "nonlinearity": model.nonlinearity}

    def restore(state):
        if state.get("nonlinearity") == "prelu":
            model.set_nonlinearity("prelu", state["slope"])

    res = train(model, opt, data, _loop_cfg(cfg, out, st, steps, f"{dataset} R{depth} {stage}"), loss_fn,
                extra_state=extra, restore_extra=restore, stop_after=stop_after)
    if res.steps < steps:
        return None
    if slope_schedule is not None:
        model.set_nonlinearity("relu")
    ev = evaluate_rnn(model, _test_data(cfg, dataset), cfg)
    metrics = _metrics(cfg, dataset, depth, stage, **ev, steps=steps, image_steps=steps * per_batch,
                       history=res.history, nonlinearity=model.nonlinearity)
    return _final(out, {"model": model.state_dict(), "nonlinearity": model.nonlinearity}, metrics)


# -- s3 ---------------------------------------------------------------------------------------------------------
def _stage_linear_rnn(cfg, dataset, depth, out, stop_after):
    model = _load_rnn(cfg, dataset, depth, "linear_rnn")
    model.set_nonlinearity("identity")
    return _recurrent_stage(cfg, dataset, depth, out, stop_after, "linear_rnn", model, penalty=False)


# -- s4 ---------------------------------------------------------------------------------------------------------
def anneal_slope(total_steps: int, levels: int = 20):
    """The shared PReLU slope: 0.95, 0.90, ..., 0 in ``levels`` equal parts of the stage (the code's schedule)."""

    def f(step: int) -> float:
        level = min(levels, 1 + step * levels // max(total_steps, 1))
        return max(0.0, 1.0 - level / levels)

    return f


def _stage_anneal(cfg, dataset, depth, out, stop_after):
    model = _load_rnn(cfg, dataset, depth, "anneal")
    model.set_nonlinearity("prelu", 1.0)
    return _recurrent_stage(cfg, dataset, depth, out, stop_after, "anneal", model, penalty=True,
                            slope_schedule_for=anneal_slope)


# -- s5 ---------------------------------------------------------------------------------------------------------
def _stage_finetune(cfg, dataset, depth, out, stop_after):
    model = _load_rnn(cfg, dataset, depth, "finetune")
    model.set_nonlinearity("relu")
    return _recurrent_stage(cfg, dataset, depth, out, stop_after, "finetune", model, penalty=True)


def method_budget(cfg, dataset, depth) -> int:
    """Simulated image-steps spent by stages init_linear..finetune (read from their metrics)."""
    total = 0
    for s in BUDGET_STAGES:
        path = stage_dir(cfg["paths"]["results"], dataset, depth, s) / "metrics.json"
        if not path.is_file():
            raise FileNotFoundError(f"the controls' budget needs {path}: run stage '{s}' first")
        total += int(json.loads(path.read_text())["image_steps"])
    return total


def _controls_cfg(cfg) -> dict[str, Any]:
    """The controls' optimiser settings (schema defaults filled by the config loader) as a stage dict."""
    return {"epochs": 1, "optimizer": "adamw", **cfg["training"]["controls"]}


# -- controls ---------------------------------------------------------------------------------------------------
def _stage_direct(cfg, dataset, depth, out, stop_after):
    budget = method_budget(cfg, dataset, depth)
    model = build_cordsnet(cfg, dataset, depth)
    metrics = _recurrent_stage(cfg, dataset, depth, out, stop_after, "direct", model, penalty=True,
                               budget_image_steps=budget, stage_cfg=_controls_cfg(cfg))
    if metrics is not None:
        metrics["budget_image_steps"] = budget
        metrics["budget_unit"] = "simulated image-steps of stages init_linear..finetune"
    return metrics


def _stage_fcrnn(cfg, dataset, depth, out, stop_after):
    budget = method_budget(cfg, dataset, depth)
    info = dataset_info(dataset)
    size = image_size(cfg, dataset)
    reference = build_cordsnet(cfg, dataset, depth)
    target = sum(p.numel() for p in reference.parameters())
    inputs = info.channels * size * size
    hidden = matched_hidden_size(target, inputs, info.num_classes)
    model = FCRNN(inputs, hidden, info.num_classes, cfg["model"].get("alpha", 0.2)).to(device_for(cfg))
    params = sum(p.numel() for p in model.parameters())
    assert params == fcrnn_params(inputs, hidden, info.num_classes)
    st = _controls_cfg(cfg)
    sim, tr = cfg["simulation"], cfg["training"]
    data = _train_data(cfg, dataset)
    per_batch = batch_image_steps(cfg, st["batch_size"], True)
    steps = max(1, budget // per_batch)
    opt = _optimizer(model.parameters(), st)
    window, ramp = sim["readout_steps"], tuple(tr.get("loss_ramp", [1e-3, 1.0]))
    pen_steps = sim.get("penalty_steps", 10)

    def loss_fn(step, x, y):
        logits, post, spont = model.simulate(x, sim["stimulus_steps"], sim["spontaneous_steps"],
                                             sim.get("post_stimulus_steps", 0))
        loss = ramp_loss(logits[: sim["stimulus_steps"]], y, window, ramp)
        pen = ((post[-pen_steps:] - spont) ** 2).mean() if len(post) else torch.zeros(())
        acc = float((logits[sim["stimulus_steps"] - 1].argmax(1) == y).float().mean())
        return loss + tr.get("spontaneous_weight", 1e-3) * pen, {"acc": acc, "spont": float(pen.detach())}

    res = train(model, opt, data, _loop_cfg(cfg, out, st, steps, f"{dataset} R{depth} fcrnn"), loss_fn,
                stop_after=stop_after)
    if res.steps < steps:
        return None
    ev = evaluate_fcrnn(model, _test_data(cfg, dataset), cfg)
    metrics = _metrics(cfg, dataset, depth, "fcrnn", **ev, steps=steps, image_steps=steps * per_batch,
                       history=res.history, hidden=hidden, params=params, matched_params=target,
                       param_mismatch=abs(params - target) / target, budget_image_steps=budget,
                       budget_unit="simulated image-steps of stages init_linear..finetune")
    return _final(out, {"model": model.state_dict(), "hidden": hidden}, metrics)
