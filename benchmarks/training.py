"""One training update of the recurrent stages: the engine against the plain reference formulation, at the default
scale (what `make reproduce` trains) and at paper scale (224 px, short protocol), under several OpenMP wait policies.

An update is what stages s3-s5 and the controls do per batch: simulate the spontaneous warm-up, the image and a
post-stimulus blank, take the log-ramped cross-entropy over the readout window, back-propagate, step AdamW. The
reference runs the same schedule with :func:`cordsnet.engine.reference_simulate` (no shortcuts) and the same loss;
gradients of the two are compared. Each policy runs in its own child process (OpenMP reads the variable at start):

    python benchmarks/training.py                       # default + paper scale, every policy below
    python benchmarks/training.py --policies "GOMP_SPINCOUNT=10000"   # one policy (what the Makefile sets)

Writes ``results/benchmarks/training.{json,md}``; keys of default-scale results carry "default". Medians of
``--repeats`` updates after one warm-up update; ratios are measured within one process, one after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

POLICIES = {
    "PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"},
    "libgomp default": {},
    "GOMP_SPINCOUNT=10000": {"GOMP_SPINCOUNT": "10000"},
    "GOMP_SPINCOUNT=100000": {"GOMP_SPINCOUNT": "100000"},
}
"""name -> environment of the child process (OMP_WAIT_POLICY and GOMP_SPINCOUNT removed first)"""

SCALES = {
    # the default configuration's model and protocol (config/config.yaml): Fashion-MNIST, 28 px, width 0.5
    "default R2": dict(depth=2, width=0.5, image=28, channels=1, classes=10, batch=64, spont=20, stim=30, post=10,
                       window=10),
    "default R4": dict(depth=4, width=0.5, image=28, channels=1, classes=10, batch=64, spont=20, stim=30, post=10,
                       window=10),
    # the paper's model at 224 px with the protocol cut to 10 + 10 steps (100 + 100 takes minutes per update here)
    "paper R2 (224 px, 10+10 steps)": dict(depth=2, width=1.0, image=224, channels=3, classes=1000, batch=2,
                                           spont=10, stim=10, post=0, window=3),
}


def _update(model, opt, x, y, s, engine: bool) -> torch.Tensor:
    from cordsnet.engine import reference_simulate, simulate
    from cordsnet.training.losses import ramp_loss

    schedule = [(x, s["stim"])] + ([(None, s["post"])] if s["post"] else [])
    opt.zero_grad(set_to_none=True)
    if engine:
        logits = simulate(model, schedule, spontaneous_steps=s["spont"]).logits
    else:
        logits = reference_simulate(model, schedule, spontaneous_steps=s["spont"])
    ramp_loss(logits[: s["stim"]], y, s["window"]).backward()
    grads = torch.cat([p.grad.reshape(-1) for p in model.parameters() if p.grad is not None])
    opt.step()
    return grads


def measure(name: str, s: dict, repeats: int, seed: int) -> dict:
    """Median seconds per update, engine and reference, their gradients' agreement, and the conv efficiency."""
    from cordsnet.analyses.compute import cordsnet_step_macs
    from cordsnet.models import CordsNet

    torch.manual_seed(seed)
    model = CordsNet(depth=s["depth"], in_channels=s["channels"], num_classes=s["classes"], width=s["width"],
                     stem="paper", image_size=s["image"])
    with torch.no_grad():
        for area in model.areas:
            area.bias.normal_(0, 0.1)
    x = torch.randn(s["batch"], s["channels"], s["image"], s["image"])
    y = torch.arange(s["batch"]) % s["classes"]
    state = {k: v.clone() for k, v in model.state_dict().items()}

    def run(engine: bool) -> tuple[float, torch.Tensor]:
        times, grads = [], None
        for k in range(repeats + 1):
            model.load_state_dict(state)  # every update starts from the same weights: comparable gradients
            opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
            t0 = time.perf_counter()
            g = _update(model, opt, x, y, s, engine)
            if k:  # the first update warms up allocators and caches
                times.append(time.perf_counter() - t0)
            grads = g
        return statistics.median(times), grads

    t_eng, g_eng = run(True)
    t_ref, g_ref = run(False)
    macs = cordsnet_step_macs(model)
    steps = s["stim"] + s["post"]
    forward = s["batch"] * steps * macs["per_step_engine"] + s["batch"] * macs["per_image"] \
        + s["spont"] * macs["per_step_engine"]
    sys.path.insert(0, str(Path(__file__).parent))
    from engine import peak_conv_gflops  # benchmarks/engine.py: the best 3x3 conv of the model's own shapes

    peak = peak_conv_gflops(model, s["batch"])
    achieved = 2 * 3 * forward / t_eng / 1e9  # forward + backward ~ 3 x the forward MACs, 2 FLOPs per MAC
    return {"scale": name, **s, "engine_s": t_eng, "reference_s": t_ref, "speedup": t_ref / t_eng,
            "grad_max_rel_diff": float((g_eng - g_ref).abs().max() / g_ref.abs().max()),
            "forward_gmacs": forward / 1e9, "achieved_gflops": achieved, "peak_conv_gflops": peak["gflops"],
            "fraction_of_peak": achieved / peak["gflops"]}


def child(args) -> None:
    torch.set_num_threads(args.threads)
    out = [measure(name, s, args.repeats, args.seed) for name, s in SCALES.items()
           if name.startswith(tuple(args.scales))]
    print("RESULT " + json.dumps(out), flush=True)


def markdown(report: dict) -> str:
    lines = ["# Training update benchmark", "", f"Machine: {report['machine']}; torch {report['torch']}, "
             f"{report['threads']} threads; code {report['code_version']}; median of {report['repeats']} updates.",
             "", "| scale | OpenMP wait | engine s / update | reference s / update | speed-up | grad max rel diff | "
             "achieved GFLOP/s | of peak conv |", "|---|---|---|---|---|---|---|---|"]
    for policy, results in report["policies"].items():
        for r in results:
            lines.append(f"| {r['scale']} | {policy} | {r['engine_s']:.3f} | {r['reference_s']:.3f} | "
                         f"{r['speedup']:.2f}x | {r['grad_max_rel_diff']:.1e} | {r['achieved_gflops']:.0f} | "
                         f"{r['fraction_of_peak']:.0%} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policies", nargs="+", default=list(POLICIES), choices=list(POLICIES))
    p.add_argument("--scales", nargs="+", default=["default", "paper"], help="prefixes of the scales to run")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="results/benchmarks/training.json")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args)
    from cordsnet.io import write_json, write_text
    from cordsnet.provenance import code_version

    report = {"machine": f"{platform.machine()} {platform.processor() or ''}", "torch": torch.__version__,
              "threads": args.threads, "repeats": args.repeats, "code_version": code_version(), "policies": {}}
    for policy in args.policies:
        env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
        env.update(POLICIES[policy])
        cmd = [sys.executable, __file__, "--child", "--repeats", str(args.repeats), "--threads", str(args.threads),
               "--seed", str(args.seed), "--scales", *args.scales]
        print(f"{policy}: ...", flush=True)
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        line = next(x for x in res.stdout.splitlines() if x.startswith("RESULT "))
        report["policies"][policy] = json.loads(line[len("RESULT "):])
        for r in report["policies"][policy]:
            print(f"  {r['scale']}: engine {r['engine_s']:.3f} s, reference {r['reference_s']:.3f} s", flush=True)
    out = Path(args.out)
    write_json(out, report)
    write_text(out.with_suffix(".md"), markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
