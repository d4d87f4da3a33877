"""Training the task networks: all kinds and seeds of one size in one batched, resumable, deterministic loop.

Step ``k`` draws its trials from ``numpy.random.default_rng([seed, k])`` per slot and its noise from a generator
seeded with (noise seed, k), so the state after step k is a function of the settings alone and a resumed run ends
with exactly the weights of an uninterrupted one (``tests/cognitive/test_training.py``). The loss of each network is
its cost-masked squared error; the sum over networks is minimised by one Adam, which (Adam being per parameter and
no gradient clipping) is the same update as training each network alone.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from cordsnet.cognitive.networks import Integration, TaskRNN, simulate
from cordsnet.io import load_tensors, save_tensors
from cordsnet.tasks import TaskSet, Trials, performance

log = logging.getLogger("cordsnet")

BatchFn = Callable[[int], list[Trials]]
"""step -> one batch of trials per slot"""


def stack(trials: list[Trials]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs, targets and masks of one batch per slot as ``(S, T, B, .)`` tensors, padded to the longest."""
    steps = max(t.steps for t in trials)

    def pad(a: np.ndarray) -> np.ndarray:
        return np.pad(a, ((0, steps - a.shape[0]), (0, 0), (0, 0)))

    return tuple(torch.from_numpy(np.stack([pad(getattr(t, k)) for t in trials]))  # type: ignore[return-value]
                 for k in ("inputs", "targets", "mask"))


def masked_loss(outputs: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(M,) cost-masked mean squared error of each network; targets and mask are per slot and repeat over kinds."""
    reps = outputs.shape[0] // targets.shape[0]
    t, m = targets.repeat(reps, 1, 1, 1), mask.repeat(reps, 1, 1, 1)
    return ((outputs - t) ** 2 * m).sum((1, 2, 3)) / m.sum((1, 2, 3))


def losses(networks: list[TaskRNN], inputs: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor,
           integration: Integration, noise_seed: int, rate_penalty: float) -> torch.Tensor:
    """(M,) training loss of every network on one batch: its cost-masked squared error plus ``rate_penalty`` x its
    mean squared rate (Yang et al.'s ``l2_h``)."""
    rates, outputs = simulate(networks, inputs, integration, noise_seed=noise_seed)
    return masked_loss(outputs, targets, mask) + rate_penalty * (rates**2).mean((1, 2, 3))


def step_seed(seed: int, step: int) -> int:
    return int(np.random.SeedSequence([seed, step]).generate_state(1)[0])


@dataclass
class Evaluation:
    """Fraction correct of each network (rows: networks in module order) on each task (columns)."""

    tasks: list[str]
    correct: np.ndarray
    trials: int


def evaluate(networks: list[TaskRNN], taskset: TaskSet, slot_tasks: list[list[str]], integration: Integration,
             trials: int, seed: int, tolerance: float = 0.2 * np.pi, device: str | torch.device = "cpu",
             ) -> Evaluation:
    """Performance on fresh trials (with the training noise): slot ``s`` is scored on the tasks ``slot_tasks[s]``;
    a task a slot does not do scores NaN."""
    tasks = sorted({t for ts in slot_tasks for t in ts}, key=list(taskset.names).index)
    slots = len(slot_tasks)
    correct = np.full((len(networks) * slots, len(tasks)), np.nan)
    with torch.no_grad():
        for j, task in enumerate(tasks):
            rng = np.random.default_rng([seed, j])
            batch = taskset.generate(task, rng, trials)
            inputs = torch.from_numpy(np.repeat(batch.inputs[None], slots, 0)).to(device)
            out = simulate(networks, inputs, integration, noise_seed=step_seed(seed, 10_000 + j))[1].cpu()
            ok = np.stack([performance(o, batch, taskset.layout, tolerance,
                                       int(taskset.timing.steps(taskset.timing.grace_ms))) for o in out.numpy()]
                          ).mean(1)
            does = np.array([task in slot_tasks[m % slots] for m in range(len(ok))])
            correct[:, j] = np.where(does, ok, np.nan)
    return Evaluation(tasks, correct, trials)


def train(networks: nn.ModuleList, batch_fn: BatchFn, integration: Integration, steps: int, lr: float, noise_seed: int,
          state_path: str | os.PathLike[str], checkpoint_every: int = 100, rate_penalty: float = 0.0,
          monitor: Callable[[int], dict] | None = None, monitor_every: int = 0,
          device: str | torch.device = "cpu") -> list[dict]:
    """Train ``networks`` (modules of one size) for ``steps`` Adam steps; resumes from ``state_path`` if it exists.

    The loss is :func:`losses`; without its ``rate_penalty`` the fully-connected networks' rates run away under ReLU
    (docs/cognitive.md). Returns the history: the loss of every
    network at every step, plus ``{"monitor": monitor(step)}`` every ``monitor_every`` steps and at the end. The
    state file holds weights, optimiser, step and history, atomically rewritten every ``checkpoint_every`` steps;
    it loads with ``weights_only=True``.
    """
    optimizer = torch.optim.Adam(networks.parameters(), lr=lr)
    history: list[dict] = []
    start = 0
    if os.path.exists(state_path):
        state = load_tensors(state_path)
        networks.load_state_dict(state["networks"])  # copied onto the networks' device
        optimizer.load_state_dict(state["optimizer"])
        start, history = int(state["step"]), list(state["history"])
        log.info("resuming from %s at step %d of %d", state_path, start, steps)

    def save(step: int) -> None:
        save_tensors(state_path, {"networks": networks.state_dict(), "optimizer": optimizer.state_dict(),
                                  "step": step, "history": history})

    bar = tqdm(range(start, steps), initial=start, total=steps, desc="task networks", unit="step",
               disable=bool(os.environ.get("CORDSNET_NO_TQDM")))
    for step in bar:
        if monitor is not None and monitor_every and step % monitor_every == 0:
            history.append({"step": step, "monitor": monitor(step)})
        inputs, targets, mask = (x.to(device) for x in stack(batch_fn(step)))
        loss = losses(list(networks), inputs, targets, mask, integration, step_seed(noise_seed, step), rate_penalty)
        if not torch.isfinite(loss).all():
            raise FloatingPointError(f"non-finite loss at step {step}; the last good state is {state_path}")
        optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        optimizer.step()
        history.append({"step": step + 1, "loss": loss.detach().tolist()})
        bar.set_postfix(loss=f"{loss.mean().item():.4f}")
        if (step + 1) % checkpoint_every == 0 and step + 1 < steps:
            save(step + 1)
    if monitor is not None and monitor_every and not (history and "monitor" in history[-1]):
        history.append({"step": steps, "monitor": monitor(steps)})
    save(steps)
    return history
