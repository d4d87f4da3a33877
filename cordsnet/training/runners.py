"""The runner of every stage of :data:`~cordsnet.training.graph.STAGE_TABLE` (its ``runner``) and
:func:`run_stage`, which runs one: the CNN (s1), its folding (s1b), the stages trained in time (s3-s5), the two
controls and the temporal analyses' models. Stage s2 is :mod:`cordsnet.training.steady_state`.

Each reads its predecessor's ``checkpoint.pt`` and writes its own ``checkpoint.pt`` and ``metrics.json`` where
:class:`~cordsnet.layout.Layout` says (a ``train_state.pt`` beside them holds the resumable state while it runs).
The metrics record ``val_accuracy_start`` (the predecessor's model as this stage receives it), ``val_accuracy`` (the
state kept), ``selected_step`` and the whole ``validation`` curve; the test split gives only ``test_accuracy``, of
the state kept.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cordsnet.commands import command
from cordsnet.config import require_sections
from cordsnet.data.registry import dataset_info
from cordsnet.device import device_for
from cordsnet.io import write_json
from cordsnet.models.build import build_cnn, build_cordsnet, image_size
from cordsnet.models.fcrnn import FCRNN, fcrnn_params, matched_hidden_size
from cordsnet.training.context import StageContext, optimizer, selection_metrics
from cordsnet.training.evaluate import accuracy, evaluate_cnn, predict_cnn
from cordsnet.training.fold import FoldedCNN
from cordsnet.training.graph import ALL_STAGES, BUDGET_STAGES, early_readout_steps, require_seeded, stage_sections
from cordsnet.training.graph import stage as stage_record
from cordsnet.training.in_time import TimeTraining, load_cordsnet, protocol_of, train_in_time
from cordsnet.training.loop import stage_batches_per_epoch, stage_steps, train, warmup_rounds_schedule, world

log = logging.getLogger("cordsnet")


def run_stage(stage: str, cfg: dict[str, Any], dataset: str, depth: int, stop_after: int | None = None,
              seed: int | None = None, out_dir: Path | None = None) -> dict[str, Any] | None:
    """Run one stage (resuming if it was interrupted). Returns its metrics, or None if stopped early.

    ``seed``: train another seed's copy of a seeded stage (``run.seeds``) into its own folder, from that seed's
    predecessor (the main run's for the shared stages); ``out_dir``: write the stage there instead (the ablation).
    """
    record_ = stage_record(stage)
    if seed is not None:
        require_seeded(stage)
        cfg = {**cfg, "run": {**cfg["run"], "seed": int(seed)}}
    require_sections(cfg, stage_sections(stage), f"stage '{stage}'")
    torch.manual_seed(cfg["run"]["seed"])
    ctx = StageContext(cfg, dataset, depth, stage, stop_after, seed, None if out_dir is None else Path(out_dir))
    ctx.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    metrics = record_.runner_function()(ctx)
    if metrics is not None:
        metrics["wall_seconds"] = time.perf_counter() - t0
        if world()[0] == 0:
            write_json(ctx.out / "metrics.json", metrics)
    return metrics


# -- s1 ---------------------------------------------------------------------------------------------------------
def train_cnn(ctx: StageContext) -> dict[str, Any] | None:
    cfg, st = ctx.cfg, ctx.settings
    model = build_cnn(cfg, ctx.dataset, ctx.depth)
    data = ctx.train_data()
    steps = stage_steps(data.n, st)
    per_epoch = stage_batches_per_epoch(data.n, st)
    sched = warmup_rounds_schedule(steps, cfg["training"]["lr_rounds"], int(st["warmup_epochs"] * per_epoch))
    opt = optimizer(model.parameters(), st)
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
    predictions = predict_cnn(model, ctx.test_data(), bs, cfg["training"]["eval_max_images"])
    metrics = ctx.metrics(test_accuracy=accuracy(predictions), eval_images=len(predictions["index"]),
                          **selection_metrics(res, len(val)), steps=steps,
                          image_steps=steps * st["batch_size"], history=res.history,
                          params=sum(p.numel() for p in model.parameters()))
    return ctx.final({"model": model.state_dict()}, metrics, predictions)


# -- s1b --------------------------------------------------------------------------------------------------------
def fold_cnn(ctx: StageContext) -> dict[str, Any] | None:
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
    predictions = predict_cnn(folded, test, bs, ctx.cfg["training"]["eval_max_images"])
    val = ctx.val_data()
    val_acc = evaluate_cnn(folded, val, bs)
    start = ctx.predecessor_metrics()["val_accuracy"]
    metrics = ctx.metrics(folding_max_rel_error=err, area_max_rel_error=area_err,
                          test_accuracy=accuracy(predictions), eval_images=len(predictions["index"]),
                          val_accuracy_start=start, val_accuracy=val_acc, val_images=len(val), image_steps=0)
    return ctx.final({"model": folded.state_dict()}, metrics, predictions)


# -- s3 ---------------------------------------------------------------------------------------------------------
def train_linear_rnn(ctx: StageContext) -> dict[str, Any] | None:
    model = load_cordsnet(ctx, "identity")
    return train_in_time(ctx, TimeTraining(model, protocol_of(ctx, model), penalty=False))


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


def anneal(ctx: StageContext) -> dict[str, Any] | None:
    model = load_cordsnet(ctx, "prelu", 1.0)
    hold = ctx.cfg["training"]["anneal_hold"]
    # the decay runs over the ReLU hold only: every slope level of the ramp is trained at the full rate
    return train_in_time(ctx, TimeTraining(model, protocol_of(ctx, model), penalty=True,
                                            slope_schedule=lambda n: anneal_slope(n, hold=hold),
                                            decay_start=lambda n: anneal_ramp_steps(n, hold)))


# -- s5 ---------------------------------------------------------------------------------------------------------
def finetune(ctx: StageContext) -> dict[str, Any] | None:
    model = load_cordsnet(ctx, "relu")
    return train_in_time(ctx, TimeTraining(model, protocol_of(ctx, model), penalty=True))


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


def train_direct(ctx: StageContext) -> dict[str, Any] | None:
    budget = method_budget(ctx)
    model = build_cordsnet(ctx.cfg, ctx.dataset, ctx.depth)
    return train_in_time(ctx, TimeTraining(model, protocol_of(ctx, model), penalty=True,
                                            budget_image_steps=budget,
                                            metrics_extra={"budget_image_steps": budget, **BUDGET_NOTE}))


def train_fcrnn(ctx: StageContext) -> dict[str, Any] | None:
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
    return train_in_time(ctx, TimeTraining(
        model, protocol_of(ctx, model), penalty=True, budget_image_steps=budget,
        checkpoint_extra={"hidden": hidden},
        metrics_extra={"hidden": hidden, "params": params, "matched_params": target,
                       "param_mismatch": abs(params - target) / target, "budget_image_steps": budget,
                       **BUDGET_NOTE}))


# -- the temporal analyses' models -------------------------------------------------------------------------------
def train_rcnn(ctx: StageContext) -> dict[str, Any] | None:
    """The discrete-time recurrent CNN (Fig 3B-D): the annealed model with alpha = 1, trained as s5 is.

    Both it and the fine-tuned CordsNet start from the same annealed weights and get the same data, recipe and
    budget, so what differs between them is alpha alone: every step replaces the state instead of relaxing towards
    it. (The fixed points of r = relu(W r + b + F u) do not depend on alpha, so the annealed weights are a fair
    start for both; their stability does.)
    """
    model = build_cordsnet(ctx.cfg, ctx.dataset, ctx.depth, alpha=1.0)
    model.load_state_dict(ctx.load_predecessor()["model"])
    model.set_nonlinearity("relu")
    return train_in_time(ctx, TimeTraining(model, protocol_of(ctx, model), penalty=True,
                                            checkpoint_extra={"alpha": model.alpha},
                                            metrics_extra={"alpha": model.alpha, "start": "the annealed CordsNet"}))


def early_readout_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """``cfg`` with the stimulus window of the early-readout model: its readout window (the last
    ``simulation.readout_steps``) ends ``training.early_readout_steps`` after onset."""
    sim = {**cfg["simulation"], "stimulus_steps": early_readout_steps(cfg)}
    return {**cfg, "simulation": sim}


def train_early_readout(ctx: StageContext) -> dict[str, Any] | None:
    """CordsNet read out early (Fig 4B): s5 with the stimulus window ending at ``training.early_readout_steps``."""
    early = StageContext(early_readout_config(ctx.cfg), ctx.dataset, ctx.depth, ctx.stage, ctx.stop_after)
    model = load_cordsnet(early, "relu")
    sim = early.cfg["simulation"]
    window = [sim["stimulus_steps"] - sim["readout_steps"], sim["stimulus_steps"]]
    return train_in_time(early, TimeTraining(model, protocol_of(early, model), penalty=True,
                                              checkpoint_extra={"readout_window": window},
                                              metrics_extra={"readout_window": window}))


# -- command (workflow/rules/training.smk) -----------------------------------------------------------------------
def _add_train(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stage", required=True, choices=ALL_STAGES)
    p.add_argument("--dataset", required=True)
    p.add_argument("--depth", type=int, required=True, choices=[2, 4, 6, 8])
    p.add_argument("--seed", type=int, default=None,
                   help="train another seed's copy of a seeded stage (run.seeds) into models/<dataset>/R<depth>/"
                        "seed<K>/<stage>; omitted: the main seed's (run.seed)")
    p.add_argument("--distributed", action="store_true",
                   help="initialise torch.distributed from torchrun's environment (gloo on CPU, nccl on GPU)")


@command("train", "run one training stage (resumes an interrupted run); writes checkpoint.pt and metrics.json",
         _add_train, concern="training", stage=True)
def _train(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    import torch.distributed as dist

    if args.distributed:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    try:
        metrics = run_stage(args.stage, cfg, args.dataset, args.depth, seed=args.seed)
    finally:
        if args.distributed:
            dist.destroy_process_group()
    log.info("%s %s R%d%s: test accuracy %.4f (%.0f s)", args.stage, args.dataset, args.depth,
             "" if args.seed is None else f" seed {args.seed}", metrics["test_accuracy"], metrics["wall_seconds"])
    return 0
