"""A bounded back-propagation window for the stages trained in time, measured and judged on validation data.

The loss reads the last ``readout_steps`` of the stimulus window; the gradient reaching back through many steps of a
contracting network is small. With ``grad_from`` (``cordsnet.engine.simulate``) the steps before the last K ahead of
the readout window run without autograd. For each K, on the default scale's trained models (Fashion-MNIST R2 and
R4, from a finished run's ``results/models``):

- **seconds per update** (forward, backward, AdamW step; one thread, batch 64, the training protocol with its
  post-stimulus penalty), medians of ``--repeats``;
- **the gradient's cosine** to the full gradient, mean over ``--batches`` training batches;
- **validation accuracy after fine-tuning with it**: the fine-tuning stage's recipe (40 updates of AdamW at 3e-4,
  cosine decay, from the annealed model, the same batches for every K), scored on the whole validation split, and
  the linear-RNN stage's (40 updates at 1e-4 from the steady-state fit, identity nonlinearity).

    python benchmarks/bounded_window.py --results /path/to/results [--threads 1]

Writes ``results/benchmarks/bounded_window.{json,md}``. The decision (adopt or not) is written in docs/training.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import timeit
from pathlib import Path

import torch

from cordsnet.config import load_config
from cordsnet.data.loading import load_split
from cordsnet.engine import simulate
from cordsnet.io import load_tensors
from cordsnet.layout import Layout
from cordsnet.models.build import build_cordsnet
from cordsnet.training.evaluate import validation_accuracy
from cordsnet.training.loop import as_tensor_data
from cordsnet.training.losses import ramp_loss, spontaneous_penalty
from cordsnet.training.protocol import cordsnet_protocol

KS = (None, 20, 10, 5, 0)
"""steps of gradient ahead of the readout window (None: all 40 of the default's stimulus window)"""


def _loss(model, x, y, sim, tr, k, penalty=True):
    stim, window, post = sim["stimulus_steps"], sim["readout_steps"], sim["post_stimulus_steps"]
    total = stim + (post if penalty else 0)
    schedule = [(x, stim)] + ([(None, post)] if penalty else [])
    out = simulate(model, schedule, spontaneous_steps=sim["spontaneous_steps"],
                   record=list(range(model.depth)) if penalty else [],
                   record_steps=slice(total - sim["penalty_steps"], total), warmup_grad=False,
                   readout_steps=slice(stim - window, stim), grad_from=None if k is None else stim - window - k)
    loss = ramp_loss(out.logits[:stim], y, window, tuple(tr["loss_ramp"]))
    if penalty:
        loss = loss + tr["spontaneous_weight"] * spontaneous_penalty(out.states, out.spontaneous,
                                                                     tr["penalty_reduce"])
    return loss


def _grad(model, x, y, sim, tr, k, penalty):
    model.zero_grad(set_to_none=True)
    _loss(model, x, y, sim, tr, k, penalty).backward()
    return torch.cat([(torch.zeros_like(p) if p.grad is None else p.grad).flatten() for p in model.parameters()])


DATASET = {"name": "fmnist"}


def _model(cfg, results: Path, depth: int, stage: str, nonlinearity: str):
    model = build_cordsnet(cfg, DATASET["name"], depth)
    model.load_state_dict(load_tensors(Layout(results).checkpoint(DATASET["name"], depth, stage))["model"])
    model.set_nonlinearity(nonlinearity)
    return model


def _fine_tune(cfg, results, depth, stage, nonlinearity, lr, penalty, k, train, val, steps=40, batch=64):
    """The stage's recipe with window K: AdamW, cosine decay, the same seeded batches; validation accuracy after."""
    sim, tr = cfg["simulation"], cfg["training"]
    torch.manual_seed(0)
    model = _model(cfg, results, depth, stage, nonlinearity)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + torch.cos(torch.tensor(s / steps * 3.14159))))
    order = torch.randperm(train.n, generator=torch.Generator().manual_seed(1))
    t0 = time.perf_counter()
    for s in range(steps):
        x, y = train.batch(order[s * batch: (s + 1) * batch])
        opt.zero_grad(set_to_none=True)
        _loss(model, x, y, sim, tr, k, penalty).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    seconds = time.perf_counter() - t0
    acc = validation_accuracy(cordsnet_protocol(model, sim, False), val, cfg, model)
    return acc, seconds


def measure(cfg, results: Path, depth: int, repeats: int, batches: int, train, val) -> dict:
    sim, tr = cfg["simulation"], cfg["training"]
    g = torch.Generator().manual_seed(2)
    idx = torch.randperm(train.n, generator=g)
    xs = [train.batch(idx[b * 64: (b + 1) * 64]) for b in range(batches)]
    model = _model(cfg, results, depth, "anneal", "relu")
    opt = torch.optim.AdamW(model.parameters(), lr=0.0)  # timing only: the weights do not move
    full = [_grad(model, x, y, sim, tr, None, True) for x, y in xs]
    out: dict = {"depth": depth, "per_k": {}}
    for k in KS:
        def update(k=k):
            opt.zero_grad(set_to_none=True)
            _loss(model, *xs[0], sim, tr, k, True).backward()
            opt.step()
        update()  # warm-up
        times = timeit.repeat(update, number=1, repeat=repeats)
        cos = [float(torch.nn.functional.cosine_similarity(_grad(model, x, y, sim, tr, k, True), f, dim=0))
               for (x, y), f in zip(xs, full, strict=True)]
        fine, fine_s = _fine_tune(cfg, results, depth, "anneal", "relu", 3e-4, True, k, train, val)
        lin, lin_s = _fine_tune(cfg, results, depth, "init_linear", "identity", 1e-4, False, k, train, val)
        label = "all" if k is None else str(k)
        out["per_k"][label] = {"seconds_per_update": statistics.median(times), "cosine_to_full": statistics.mean(cos),
                               "cosine_min": min(cos), "finetune_val_accuracy": fine, "finetune_seconds": fine_s,
                               "linear_rnn_val_accuracy": lin, "linear_rnn_seconds": lin_s}
        print(depth, label, out["per_k"][label], flush=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--results", required=True, help="a finished default run's results folder (its models)")
    p.add_argument("--config", default="config/config.yaml")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--batches", type=int, default=4)
    p.add_argument("--depths", type=int, nargs="+", default=[2, 4])
    p.add_argument("--dataset", default="fmnist")
    p.add_argument("--data", help="the prepared data's folder (default: the config's paths.data beside --results)")
    p.add_argument("--out", default="results/benchmarks/bounded_window")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    cfg = load_config(a.config)
    cfg["paths"]["data"] = a.data or str(Path(a.results).parent / cfg["paths"]["data"])
    DATASET["name"] = a.dataset
    train = as_tensor_data(load_split(a.dataset, "train", cfg["data"], cfg["paths"]["data"]))
    val = load_split(a.dataset, "val", cfg["data"], cfg["paths"]["data"])
    rows = [measure(cfg, Path(a.results), d, a.repeats, a.batches, train, val) for d in a.depths]
    doc = {"machine": platform.processor() or platform.machine(), "threads": a.threads, "results": a.results,
           "ks": [str(k) for k in KS], "rows": rows}
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(doc, indent=1))
    lines = ["| R | K (steps of gradient before the window) | s / update | cosine to full | fine-tune val acc | "
             "linear-RNN val acc |", "|---|---|---|---|---|---|"]
    for r in rows:
        for k, v in r["per_k"].items():
            lines.append(f"| R{r['depth']} | {k} | {v['seconds_per_update']:.3f} | {v['cosine_to_full']:.4f} "
                         f"(min {v['cosine_min']:.4f}) | {100 * v['finetune_val_accuracy']:.1f} | "
                         f"{100 * v['linear_rnn_val_accuracy']:.1f} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
