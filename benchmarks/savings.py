"""The exact savings of the training stages, measured one update (or one validation pass) at a time, before and after,
in one process on one machine, at the default scale (config/config.yaml's R2 and R4 on Fashion-MNIST sizes):

- **ReLU path at slope 0**: annealing's updates after its slope ramp, run as PReLU with slope 0 (before) or as
  ReLU (after: the engine skips relu(r) on non-negative states, and one op per area);
- **readout window only**: a training update that reads out every stimulus and blank step (before) or only the
  loss's window (after);
- **start score from the predecessor**: one validation pass over the default's 1,000 validation images, which a
  stage that starts from its predecessor's kept model no longer runs.

    python benchmarks/savings.py [--threads 1] [--repeats 7]

Both variants compute the same numbers (tests/training/test_stages.py, the exact-savings test); this script only
times them. Medians of ``--repeats`` after one warm-up. Writes ``results/benchmarks/savings.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch

from cordsnet.engine import simulate
from cordsnet.models import CordsNet
from cordsnet.training.losses import ramp_loss, spontaneous_penalty

SCALE = dict(width=0.5, image=28, batch=64, spont=20, stim=50, post=10, window=10, penalty=5)
"""config/config.yaml's model and protocol"""


def _model(depth: int) -> CordsNet:
    torch.manual_seed(0)
    return CordsNet(depth, 1, 10, width=SCALE["width"], stem="paper", image_size=SCALE["image"])


def _update(model: CordsNet, opt, x, y, window_only: bool) -> None:
    s = SCALE
    total = s["stim"] + s["post"]
    out = simulate(model, [(x, s["stim"]), (None, s["post"])], spontaneous_steps=s["spont"],
                   record=list(range(model.depth)), record_steps=slice(total - s["penalty"], total),
                   warmup_grad=False,
                   readout_steps=slice(s["stim"] - s["window"], s["stim"]) if window_only else None)
    logits = out.logits[: s["stim"]]
    loss = ramp_loss(logits, y, s["window"]) + 0.1 * spontaneous_penalty(out.states, out.spontaneous, "mean")
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def _time(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(depth: int, repeats: int) -> dict:
    model = _model(depth)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(SCALE["batch"], 1, SCALE["image"], SCALE["image"], generator=g)
    y = torch.randint(0, 10, (SCALE["batch"],), generator=g)
    out = {}
    model.set_nonlinearity("prelu", 0.0)
    out["update, PReLU slope 0, every readout"] = _time(lambda: _update(model, opt, x, y, False), repeats)
    model.set_nonlinearity("relu")
    out["update, ReLU, every readout"] = _time(lambda: _update(model, opt, x, y, False), repeats)
    out["update, ReLU, readout window only"] = _time(lambda: _update(model, opt, x, y, True), repeats)
    val = torch.randn(1000, 1, SCALE["image"], SCALE["image"], generator=g)

    def validation_pass():
        with torch.inference_mode():
            for k in range(0, len(val), 256):
                simulate(model, [(val[k:k + 256], SCALE["stim"])], spontaneous_steps=SCALE["spont"])

    out["validation pass, 1,000 images"] = _time(validation_pass, max(1, repeats // 3))
    return {k: round(v, 4) for k, v in out.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="torch threads (make reproduce: 1 per job)")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--out", default="results/benchmarks/savings")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    report = {"machine": {"cpu": platform.processor() or platform.machine(), "threads": args.threads,
                          "torch": torch.__version__},
              "scale": SCALE, "seconds": {f"R{d}": measure(d, args.repeats) for d in (2, 4)}}
    lines = ["| | " + " | ".join(report["seconds"]) + " |", "|---|" + "---|" * len(report["seconds"])]
    for key in report["seconds"]["R2"]:
        lines.append(f"| {key} | " + " | ".join(f"{r[key]:.3f} s" for r in report["seconds"].values()) + " |")
    for r in report["seconds"].values():
        r["relu_saving"] = round(1 - r["update, ReLU, every readout"] / r["update, PReLU slope 0, every readout"], 3)
        r["window_saving"] = round(1 - r["update, ReLU, readout window only"] / r["update, ReLU, every readout"], 3)
    lines.append("| saving: ReLU path | " + " | ".join(f"{r['relu_saving']:.1%}" for r in report["seconds"].values())
                 + " |")
    lines.append("| saving: readout window | " + " | ".join(f"{r['window_saving']:.1%}"
                                                            for r in report["seconds"].values()) + " |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
