"""Training the cognitive-task networks: all kinds and seeds in one batched loop vs one at a time.

One training step (forward, loss, backward, Adam) of the default scale's networks (config/config.yaml's `cognitive`
section: 4 kinds x `seeds` networks of the first size, `trials_per_task` trials of each task, padded) timed three
ways, interleaved in one process so that ratios from one run are what count:

- ``stacked``: every kind and seed in one `simulate` call (what `cordsnet cognitive-train` does);
- ``per kind``: one call per kind (its seeds stacked), one after the other;
- ``per network``: one call per network.

Writes JSON + Markdown.

    python benchmarks/cognitive.py                       # 20 timed steps per variant after 3 warm-up steps
    python benchmarks/cognitive.py --steps 5 --threads 1
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import torch

from cordsnet.cognitive.fit import losses, stack
from cordsnet.config import load_config
from cordsnet.io import write_json, write_text
from cordsnet.provenance import code_version


def _batch(ts, seeds, step, per_task):
    return stack([ts.mixed(np.random.default_rng([s, step]), per_task) for s in seeds])


def _step(groups, optimizers, inputs, targets, mask, dyn, penalty):
    for group, opt in zip(groups, optimizers, strict=True):
        nets, slots = group
        loss = losses(nets, inputs[slots], targets[slots], mask[slots], dyn, 1, penalty)
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        opt.step()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="config/config.yaml")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="results/benchmarks/cognitive.json")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    from cordsnet.cognitive import analysis as cg

    cfg = load_config(args.config)
    c = cfg["cognitive"]
    size, seeds = c["sizes"][0], cg.seeds(cfg)
    ts, dyn = cg.task_set(c, c["tasks"]), cg.integration(c)
    modules = list(cg.suite_networks(cfg, size))
    every = list(range(len(seeds)))
    layouts = {
        "stacked": [(modules, every)],
        "per kind": [([m], every) for m in modules],
        "per network": [([m.select(i)], [i]) for m in modules for i in every],
    }
    optimizers = {k: [torch.optim.Adam([q for net in nets for q in net.parameters()], c["lr"]) for nets, _ in g]
                  for k, g in layouts.items()}
    variants = list(layouts)
    times = {v: [] for v in variants}
    for step in range(args.warmup + args.steps):
        inputs, targets, mask = _batch(ts, seeds, step, c["trials_per_task"])
        for v in variants:
            t0 = time.perf_counter()
            _step(layouts[v], optimizers[v], inputs, targets, mask, dyn, c["rate_penalty"])
            if step >= args.warmup:
                times[v].append(time.perf_counter() - t0)
    median = {v: float(np.median(t)) for v, t in times.items()}
    report = {
        "networks": f"{len(modules)} kinds x {len(seeds)} seeds of {size} units",
        "steps_per_trial": int(inputs.shape[1]), "trials": int(inputs.shape[2]), "threads": args.threads,
        "timed_steps": args.steps,
        "median_seconds": median,
        "speedup_vs_stacked": {v: median[v] / median["stacked"] for v in variants},
        "machine": platform.processor() or platform.machine(), "torch": torch.__version__,
        "code_version": code_version(), "config": args.config,
    }
    out = Path(args.out)
    write_json(out, report)
    lines = [f"# Task-network training step ({report['networks']}, {report['trials']} trials x "
             f"{report['steps_per_trial']} steps, {args.threads} threads)", "",
             "| variant | median s per step | relative to stacked |", "|---|---|---|"]
    lines += [f"| {v} | {median[v]:.3f} | {report['speedup_vs_stacked'][v]:.2f} |" for v in variants]
    write_text(out.with_suffix(".md"), "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
