"""The task networks of a configuration: built from its ``cognitive`` section, trained per size (all kinds and seeds
of one size in one batched computation, resumable) and loaded back (Fig 1C-D, Tables S1-S2)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from cordsnet.cognitive.fit import evaluate, train
from cordsnet.cognitive.matching import KINDS, Matching, match_parameters
from cordsnet.cognitive.networks import Integration, TaskRNN
from cordsnet.device import device_for
from cordsnet.io import load_tensors, save_tensors, write_json
from cordsnet.layout import Layout
from cordsnet.provenance import record
from cordsnet.tasks import ATTRACTOR_TASKS, COMPANION_TASKS, TaskSet, Timing, Trials
from cordsnet.tasks.base import concat

log = logging.getLogger("cordsnet")


# -- settings from the `cognitive` section --------------------------------------------------------------------
def task_set(c: dict[str, Any], names) -> TaskSet:
    return TaskSet(tuple(names), Timing(dt=c["dt_ms"], tau=c["tau_ms"]), delays_ms=tuple(c["delays_ms"]),
                   coherences=tuple(c["coherences"]), n_points=c["attractor"]["points"])


def integration(c: dict[str, Any]) -> Integration:
    return Integration(alpha=c["dt_ms"] / c["tau_ms"], activation=c["activation"], sigma_in=c["sigma_in"],
                    sigma_rec=c["sigma_rec"])


def seeds(cfg: dict[str, Any]) -> list[int]:
    return [cfg["run"]["seed"] + i for i in range(cfg["cognitive"]["seeds"])]


def matching(c: dict[str, Any], size: int) -> Matching:
    return match_parameters(size, c["kernel_size"], c["rank"], c["density"])


def suite_networks(cfg: dict[str, Any], size: int) -> nn.ModuleList:
    c = cfg["cognitive"]
    layout = task_set(c, c["tasks"]).layout
    return nn.ModuleList([TaskRNN(k, matching(c, size), seeds(cfg), layout.n_in, layout.n_out, c["init_gain"])
                          for k in KINDS])


def attractor_networks(cfg: dict[str, Any]) -> nn.ModuleList:
    c = cfg["cognitive"]
    layout = task_set(c, ATTRACTOR_TASKS + COMPANION_TASKS).layout
    seed = cfg["run"]["seed"]
    return nn.ModuleList([TaskRNN("cordsnet", matching(c, c["attractor"]["size"]), [seed] * len(ATTRACTOR_TASKS),
                                  layout.n_in, layout.n_out, c["init_gain"])])


def _trained(path: str | Path) -> Path:
    """``path`` of a training output, or FileNotFoundError saying which rule makes it."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: train the task networks first (snakemake cognitive_train)")
    return path


def load_networks(networks: nn.ModuleList, path: str | Path) -> nn.ModuleList:
    networks.load_state_dict(load_tensors(_trained(path))["networks"])
    return networks


# -- training -------------------------------------------------------------------------------------------------
def _train(cfg: dict[str, Any], networks: nn.ModuleList, ts: TaskSet, slot_tasks: list[list[str]], batch_fn,
           steps: int, noise_seed: int, out_dir: Path, what: str) -> dict[str, Any]:

    c = cfg["cognitive"]
    dyn = integration(c)
    device = device_for(cfg)
    networks.to(device)
    state = out_dir / "train_state.pt"
    tolerance = c["tolerance_pi"] * np.pi
    every = max(1, steps // c["evaluations"])

    def monitor(step: int) -> dict[str, Any]:
        ev = evaluate(list(networks), ts, slot_tasks, dyn, c["monitor_trials"], noise_seed + 1, tolerance, device)
        return {"correct": ev.correct.tolist()}

    start = time.perf_counter()
    history = train(networks, batch_fn, dyn, steps, c["lr"], noise_seed, state, c["checkpoint_every"],
                    c["rate_penalty"], monitor, every, device)
    seconds = time.perf_counter() - start
    final = evaluate(list(networks), ts, slot_tasks, dyn, c["eval_trials"], noise_seed + 2, tolerance, device)
    save_tensors(out_dir / "checkpoint.pt", {"networks": networks.cpu().state_dict()})
    names = [f"{net.kind}/{s}" for net in networks for s in net.seeds]
    metrics = {
        "what": what, "networks": names, "tasks": final.tasks, "eval_trials": final.trials,
        "correct": final.correct.tolist(), "train_seconds": seconds, "steps": steps,
        "monitor": [{"step": h["step"], "correct": h["monitor"]["correct"]} for h in history if "monitor" in h],
        "loss": [h["loss"] for h in history if "loss" in h][:: max(1, steps // 200)],
        "recurrent_parameters": {net.kind: net.recurrent_parameters() for net in networks},
        "provenance": record(c, seed=cfg["run"]["seed"], scale=cfg["run"]["scale"],
                             data={"kind": "synthetic task trials (cordsnet.tasks)"},
                             extra={"threads": torch.get_num_threads(), "device": str(device)}),
    }
    write_json(out_dir / "metrics.json", metrics)
    state.unlink(missing_ok=True)
    return metrics


def train_suite(cfg: dict[str, Any], size: int) -> dict[str, Any]:
    """Train every kind x seed of ``size`` units on the suite's tasks together (one batched loop)."""
    c = cfg["cognitive"]
    ts = task_set(c, c["tasks"])
    networks = suite_networks(cfg, size)
    run_seeds = seeds(cfg)

    def batch(step: int) -> list[Trials]:
        return [ts.mixed(np.random.default_rng([s, step]), c["trials_per_task"]) for s in run_seeds]

    out = Layout.from_config(cfg).task_networks(f"N{size}")
    return _train(cfg, networks, ts, [list(c["tasks"])] * len(run_seeds), batch, c["steps"], 7919 * size, out,
                  f"suite, {size} units")


def train_attractors(cfg: dict[str, Any]) -> dict[str, Any]:
    """Train one CordsNet network per MemoryPro variant, with its Go counterpart (all from the same initial
    weights; half of each batch is the variant, half its Go)."""
    c = cfg["cognitive"]
    ts = task_set(c, ATTRACTOR_TASKS + COMPANION_TASKS)
    seed, half = cfg["run"]["seed"], max(1, c["attractor"]["trials"] // 2)
    pairs = list(zip(ATTRACTOR_TASKS, COMPANION_TASKS, strict=True))

    def batch(step: int) -> list[Trials]:
        out = []
        for i, pair in enumerate(pairs):
            rng = np.random.default_rng([seed, step, i])
            out.append(concat([ts.generate(t, rng, half) for t in pair]))
        return out

    out = Layout.from_config(cfg).task_networks("attractors")
    return _train(cfg, attractor_networks(cfg), ts, [list(p) for p in pairs], batch, c["attractor"]["steps"],
                  104729 + seed, out, "MemoryPro variants with their Go counterparts")
