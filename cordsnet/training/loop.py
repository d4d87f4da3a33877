"""A resumable, deterministic training loop shared by every stage.

Determinism: the data order of epoch e is a permutation drawn from a generator seeded with (seed, e), and the
global RNG is re-seeded from (seed, step) before every batch (augmentation, noise). The state after step s is
therefore a function of the seed and s alone, which is what makes a resumed run end with exactly the weights of an
uninterrupted one.

Checkpoints (every ``checkpoint_every`` steps, atomically) hold the model, the optimiser, the step and the stage's
own state; they load with ``torch.load(weights_only=True)``. A non-finite loss stops the run with an error that
names the last good checkpoint, which is kept.

Model selection: with a ``validate`` callback the loop scores the model on the validation split at the start and at
evenly spaced steps (``LoopConfig.evaluations``; those that ``eligible`` rules out are skipped, as their state could
never be kept), keeps the best state among the steps that ``eligible`` allows
(annealing: only once the nonlinearity is the final one), and carries both in its checkpoints, so that a resumed run
selects exactly what an uninterrupted one would. The caller loads ``LoopResult.best_state``.

Data parallel: under ``torch.distributed`` (torchrun) each rank takes its slice of every global batch and the
gradients are averaged with ``all_reduce`` before the step: the same update as one process on the whole batch.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from tqdm import tqdm

from cordsnet.data.loading import PreparedTensorDataset
from cordsnet.io import load_tensors, save_tensors

log = logging.getLogger("cordsnet")


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite; the message names the last good checkpoint."""


@dataclass
class TensorData:
    """A split held as tensors (already transformed), or a dataset with per-sample random transforms."""

    dataset: Any
    n: int
    tensors: tuple[torch.Tensor, torch.Tensor] | None = None

    def batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.tensors is not None:
            return self.tensors[0][idx], self.tensors[1][idx]
        items = [self.dataset[int(i)] for i in idx]
        return torch.stack([x for x, _ in items]), torch.stack([torch.as_tensor(y) for _, y in items])


def as_tensor_data(dataset) -> TensorData:

    if isinstance(dataset, PreparedTensorDataset) and dataset.transform is None:
        return TensorData(dataset, len(dataset), (dataset.images, dataset.labels))
    return TensorData(dataset, len(dataset))


def world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


@dataclass
class LoopConfig:
    steps: int
    batch_size: int
    seed: int
    checkpoint: Path
    checkpoint_every: int = 100
    grad_clip: float | None = None
    desc: str = "train"
    log_every: int = 10
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    """where the model lives; batches are moved there (the data stay in host memory)"""
    evaluations: int = 0
    """validation scores after this many evenly spaced steps (the last one included), besides the start"""


@dataclass
class LoopResult:
    steps: int
    history: list[dict[str, float]] = field(default_factory=list)
    validation: list[dict[str, float]] = field(default_factory=list)
    """[{"step", "val_accuracy"}] at the start and at every evaluation"""
    best_step: int | None = None
    best_state: dict[str, Any] | None = None
    """the model's state_dict at the selected step (with ``validate``), else None"""

    @property
    def start_accuracy(self) -> float | None:
        return self.validation[0]["val_accuracy"] if self.validation and self.validation[0]["step"] == 0 else None

    @property
    def best_accuracy(self) -> float | None:
        return next((v["val_accuracy"] for v in self.validation if v["step"] == self.best_step), None)


def evaluation_steps(steps: int, evaluations: int) -> set[int]:
    """The steps after which the validation score is taken: ``evaluations`` evenly spaced, the last one ``steps``."""
    if evaluations <= 0:
        return set()
    return {math.ceil(steps * (k + 1) / evaluations) for k in range(evaluations)}


def batches_per_epoch(n: int, batch_size: int) -> int:
    return max(1, n // batch_size)


def stage_steps(n: int, stage_cfg: dict[str, Any]) -> int:
    """Optimiser steps of a stage: epochs x batches per epoch (capped by max_batches_per_epoch), at least min_steps.

    ``min_steps`` lets one configuration give a 4,000-image set (MNIST-5k) as many updates as it gives a 60,000-image
    one, instead of a handful of epochs that leave it untrained.
    """
    per_epoch = stage_batches_per_epoch(n, stage_cfg)
    return max(1, math.ceil(stage_cfg["epochs"] * per_epoch), stage_cfg["min_steps"])


def stage_batches_per_epoch(n: int, stage_cfg: dict[str, Any]) -> int:
    """Batches a stage counts as one epoch: the whole set, or ``max_batches_per_epoch`` if that is smaller."""
    per_epoch = batches_per_epoch(n, stage_cfg["batch_size"])
    if stage_cfg["max_batches_per_epoch"]:
        per_epoch = min(per_epoch, stage_cfg["max_batches_per_epoch"])
    return per_epoch


def _indices(step: int, n: int, batch: int, seed: int) -> torch.Tensor:
    per_epoch = batches_per_epoch(n, batch)
    epoch, k = divmod(step, per_epoch)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
    return perm[k * batch: (k + 1) * batch]


def train(model: nn.Module, optimizer: torch.optim.Optimizer, data: TensorData, cfg: LoopConfig,
          loss_fn: Callable[[int, torch.Tensor, torch.Tensor], tuple[torch.Tensor, dict[str, float]]],
          scheduler: Callable[[int], float] | None = None, extra_state: Callable[[], dict] | None = None,
          restore_extra: Callable[[dict], None] | None = None, stop_after: int | None = None,
          validate: Callable[[], float] | None = None, eligible: Callable[[int], bool] | None = None,
          start_score: float | None = None) -> LoopResult:
    """Run ``cfg.steps`` optimiser steps of ``loss_fn(step, x, y) -> (loss, metrics)``, resuming if possible.

    ``scheduler(step)`` returns the learning-rate multiplier of a step. ``stop_after`` ends early after that many
    steps (tests use it to simulate a kill). ``validate()`` scores the model as it is (validation accuracy, higher
    is better); ``eligible(step)`` says whether the model after ``step`` steps may be selected (default: all).
    ``start_score``: the model's validation score as it starts, already known (the predecessor's kept model, scored
    by the predecessor under the same protocol), so the start is not scored twice.
    """
    rank, size = world()
    start, history = 0, []
    validation: list[dict[str, float]] = []
    best: dict[str, Any] = {"step": None, "score": -math.inf, "state": None}
    eligible = eligible or (lambda step: True)
    at = evaluation_steps(cfg.steps, cfg.evaluations) if validate is not None else set()

    def score(step: int, known: float | None = None) -> None:
        acc = float(validate()) if known is None else float(known)
        validation.append({"step": step, "val_accuracy": acc})
        # ties go to the later step: as good on validation, and further along the stage's recipe
        if eligible(step) and acc >= best["score"]:
            best.update(step=step, score=acc, state={k: v.detach().clone() for k, v in model.state_dict().items()})
        log.info("%s: validation accuracy %.4f after %d steps%s", cfg.desc, acc, step,
                 "" if eligible(step) else " (not eligible for selection)")

    base_lrs = [g["lr"] for g in optimizer.param_groups]
    if cfg.checkpoint.is_file():
        state = load_tensors(cfg.checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = int(state["step"])
        history = list(state.get("history", []))
        if restore_extra is not None:
            restore_extra(state.get("extra", {}))
        base_lrs = list(state.get("base_lrs", base_lrs))
        validation = list(state.get("validation", []))
        if state.get("best") is not None:
            best.update(state["best"])
        log.info("%s: resuming from step %d (%s)", cfg.desc, start, cfg.checkpoint)
    elif validate is not None:
        score(0, start_score)
    params = [p for p in model.parameters() if p.requires_grad]
    bar = tqdm(total=cfg.steps, initial=start, desc=cfg.desc, disable=rank != 0 or os.environ.get("CORDSNET_NO_TQDM"),
               mininterval=2.0, dynamic_ncols=True)
    step = start
    last_good = start
    try:
        while step < cfg.steps:
            if stop_after is not None and step - start >= stop_after:
                break
            idx = _indices(step, data.n, cfg.batch_size, cfg.seed)
            if size > 1:
                idx = idx[rank::size]
            torch.manual_seed(cfg.seed * 1_000_003 + 7919 * step + 1)
            x, y = data.batch(idx)
            x, y = x.to(cfg.device, non_blocking=True), y.to(cfg.device, non_blocking=True)
            if scheduler is not None:
                for g, lr in zip(optimizer.param_groups, base_lrs, strict=True):
                    g["lr"] = lr * scheduler(step)
            optimizer.zero_grad(set_to_none=True)
            loss, metrics = loss_fn(step, x, y)
            if not torch.isfinite(loss):
                raise TrainingDivergedError(
                    f"{cfg.desc}: loss is {loss.item()} at step {step}; the last good checkpoint ({cfg.checkpoint}, "
                    f"step {last_good}) is kept. Lower the learning rate or enable gradient clipping "
                    f"(training.<stage>.grad_clip) and run again to resume from it."
                )
            loss.backward()
            if size > 1:
                for p in params:
                    if p.grad is not None:
                        dist.all_reduce(p.grad)
                        p.grad /= size
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            optimizer.step()
            step += 1
            metrics = {"step": step, "loss": float(loss.item()), **metrics,
                       "lr": optimizer.param_groups[0]["lr"]}
            if step % cfg.log_every == 0 or step == cfg.steps:
                history.append(metrics)
            if step in at and eligible(step):  # a state that cannot be kept is not scored
                score(step)
            bar.update(1)
            bar.set_postfix({k: f"{v:.3g}" for k, v in metrics.items() if k in ("loss", "acc", "mse", "slope")})
            if rank == 0 and (step % cfg.checkpoint_every == 0 or step == cfg.steps):
                state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                         "history": history, "base_lrs": base_lrs, "validation": validation,
                         "best": best if best["state"] is not None else None,
                         "extra": extra_state() if extra_state else {}}
                save_tensors(cfg.checkpoint, state)
                last_good = step
    finally:
        bar.close()
    return LoopResult(step, history, validation, best["step"], best["state"])


def warmup_rounds_schedule(total: int, rounds: list[float], warmup_steps: int) -> Callable[[int], float]:
    """Linear warm-up, then equal-length rounds with the given lr multipliers (the CNN stage's recipe)."""
    per_round = max(1, math.ceil(total / len(rounds)))

    def f(step: int) -> float:
        m = rounds[min(step // per_round, len(rounds) - 1)]
        if warmup_steps and step < warmup_steps:
            m *= (step + 1) / warmup_steps
        return m

    return f


def cosine_decay(total: int, start: int = 0) -> Callable[[int], float]:
    """Multiplier 1 until ``start``, then a half cosine from 1 to 0 over the steps ``start .. total``.

    The stages in time keep their best validation state; without a decay every state they can keep has just moved
    by a full learning-rate step, and the validation score of the ReLU models swings by 2-3 points between
    evaluations (docs/training.md, "Learning-rate decay").
    """
    span = max(1, total - start)

    def f(step: int) -> float:
        if step < start:
            return 1.0
        return 0.5 * (1.0 + math.cos(math.pi * min(step - start, span) / span))

    return f
