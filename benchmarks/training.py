"""One training update of the recurrent stages: the engine against the plain reference formulation, at the default
scale (what `make reproduce` trains) and at paper scale (224 px, short protocol), under several OpenMP wait policies.

An update is what stages s3-s5 and the controls do per batch: simulate the spontaneous warm-up, the image and a
post-stimulus blank, take the log-ramped cross-entropy over the readout window, back-propagate, step AdamW. The
reference runs the same schedule with :func:`cordsnet.engine.reference_simulate` (no shortcuts) and the same loss;
gradients of the two are compared. Each policy runs in its own child process (OpenMP reads the variable at start):

    python benchmarks/training.py                       # default + paper scale, every policy below
    python benchmarks/training.py --policies "GOMP_SPINCOUNT=10000"   # one policy (what the Makefile sets)
    python benchmarks/training.py --scales default --pairs   # + two 1-thread processes at once (make reproduce)

"default R2/R4" is what config/config.yaml trains now (20 + 50 + 10 steps, warm-up without gradients, as the
released scripts); "default ... previous recipe" is the protocol of the first default (20 + 30 + 10, gradients
through the warm-up), whose PASSIVE figure the training-speed target was set against. ``--pairs`` also runs two
child processes of one thread each at the same time, as ``make reproduce`` runs two training jobs on two cores
(``run.threads: 1``): each reports its own seconds per update; the pair completes two updates in that time.

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
    "default R2": dict(depth=2, width=0.5, image=28, channels=1, classes=10, batch=64, spont=20, stim=50, post=10,
                       window=10, warmup_grad=False),
    "default R4": dict(depth=4, width=0.5, image=28, channels=1, classes=10, batch=64, spont=20, stim=50, post=10,
                       window=10, warmup_grad=False),
    "default R2, previous recipe": dict(depth=2, width=0.5, image=28, channels=1, classes=10, batch=64, spont=20,
                                        stim=30, post=10, window=10, warmup_grad=True),
    "default R4, previous recipe": dict(depth=4, width=0.5, image=28, channels=1, classes=10, batch=64, spont=20,
                                        stim=30, post=10, window=10, warmup_grad=True),
    # the paper's model at 224 px with the protocol cut to 10 + 10 steps (100 + 100 takes minutes per update here)
    "paper R2 (224 px, 10+10 steps)": dict(depth=2, width=1.0, image=224, channels=3, classes=1000, batch=2,
                                           spont=10, stim=10, post=0, window=3, warmup_grad=True),
}


def _update(model, opt, x, y, s, engine: bool) -> torch.Tensor:
    from cordsnet.engine import reference_simulate, simulate
    from cordsnet.training.losses import ramp_loss

    schedule = [(x, s["stim"])] + ([(None, s["post"])] if s["post"] else [])
    opt.zero_grad(set_to_none=True)
    if engine:
        logits = simulate(model, schedule, spontaneous_steps=s["spont"], warmup_grad=s["warmup_grad"]).logits
    else:
        logits = reference_simulate(model, schedule, spontaneous_steps=s["spont"], warmup_grad=s["warmup_grad"])
    ramp_loss(logits[: s["stim"]], y, s["window"]).backward()
    grads = torch.cat([p.grad.reshape(-1) for p in model.parameters() if p.grad is not None])
    opt.step()
    return grads


def measure(name: str, s: dict, repeats: int, seed: int, engine_only: bool = False) -> dict:
    """Median seconds per update, engine and reference, their gradients' agreement, and the conv efficiency."""
    from cordsnet.compute.analysis import cordsnet_step_macs
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
    if engine_only:
        return {"scale": name, **s, "engine_s": t_eng}
    t_ref, g_ref = run(False)
    # the arbiter: the reference formulation in float64 from the same weights (fp32 BPTT through 60-80 steps of a
    # random network amplifies rounding; measured: R4's fp32 reference is 8e-4 from float64, the engine 3e-7)
    import copy

    model.load_state_dict(state)
    m64 = copy.deepcopy(model).double()
    g_64 = _update(m64, torch.optim.SGD(m64.parameters(), lr=0.0), x.double(), y, s, engine=False)
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
            "grad_engine_vs_float64": float((g_eng.double() - g_64).abs().max() / g_64.abs().max()),
            "grad_reference_vs_float64": float((g_ref.double() - g_64).abs().max() / g_64.abs().max()),
            "forward_gmacs": forward / 1e9, "achieved_gflops": achieved, "peak_conv_gflops": peak["gflops"],
            "fraction_of_peak": achieved / peak["gflops"]}


def child(args) -> None:
    torch.set_num_threads(args.threads)
    out = [measure(name, s, args.repeats, args.seed, args.engine_only) for name, s in SCALES.items()
           if name.startswith(tuple(args.scales))]
    print("RESULT " + json.dumps(out), flush=True)


def markdown(report: dict) -> str:
    lines = ["# Training update benchmark", "", f"Machine: {report['machine']}; torch {report['torch']}, "
             f"{report['threads']} threads; code {report['code_version']}; median of {report['repeats']} updates.",
             "", "| scale | OpenMP wait | engine s / update | reference s / update | speed-up | grad max rel diff | "
             "engine / reference vs float64 | achieved GFLOP/s | of peak conv |",
             "|---|---|---|---|---|---|---|---|---|"]
    for policy, results in report["policies"].items():
        for r in results:
            lines.append(f"| {r['scale']} | {policy} | {r['engine_s']:.3f} | {r['reference_s']:.3f} | "
                         f"{r['speedup']:.2f}x | {r['grad_max_rel_diff']:.1e} | {r['grad_engine_vs_float64']:.1e} / "
                         f"{r['grad_reference_vs_float64']:.1e} | {r['achieved_gflops']:.0f} | "
                         f"{r['fraction_of_peak']:.0%} |")
    pol = report["policies"]
    if "PASSIVE" in pol and "GOMP_SPINCOUNT=10000" in pol:
        pairs = {a["scale"]: max(a["engine_s"], b["engine_s"]) / 2
                 for a, b in zip(*report.get("pairs", {}).get("results", [[], []]), strict=True)}
        lines += ["", "Speed-up of one update over the engine under PASSIVE, at equal numbers (same protocol, "
                  "gradients as the reference's):", "",
                  "| scale | PASSIVE s | make's environment s | speed-up | two 1-thread jobs: s per update "
                  "| speed-up |",
                  "|---|---|---|---|---|---|"]
        for a, b in zip(pol["PASSIVE"], pol["GOMP_SPINCOUNT=10000"], strict=True):
            pair = pairs.get(a["scale"])
            lines.append(f"| {a['scale']} | {a['engine_s']:.3f} | {b['engine_s']:.3f} | "
                         f"{a['engine_s'] / b['engine_s']:.2f}x | " + (f"{pair:.3f} | {a['engine_s'] / pair:.2f}x |"
                                                                      if pair else "| |"))
    if report.get("pairs"):
        lines += ["", f"Two 1-thread processes at once ({report['pairs']['policy']}), each its own updates (the "
                  "pair completes two updates per that time):", "",
                  "| scale | process A s / update | process B s / update | pair: s per update |", "|---|---|---|---|"]
        for a, b in zip(*report["pairs"]["results"], strict=True):
            lines.append(f"| {a['scale']} | {a['engine_s']:.3f} | {b['engine_s']:.3f} | "
                         f"{max(a['engine_s'], b['engine_s']) / 2:.3f} |")
    return "\n".join(lines) + "\n"


def _child_cmd(args, threads: int, engine_only: bool = False) -> list[str]:
    return [sys.executable, __file__, "--child", "--repeats", str(args.repeats), "--threads", str(threads),
            "--seed", str(args.seed), "--scales", *args.scales] + (["--engine-only"] if engine_only else [])


def _env(policy: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.update(POLICIES[policy])
    return env


def _result(stdout: str) -> list[dict]:
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policies", nargs="+", default=list(POLICIES), choices=list(POLICIES))
    p.add_argument("--scales", nargs="+", default=["default", "paper"], help="prefixes of the scales to run")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="results/benchmarks/training.json")
    p.add_argument("--pairs", action="store_true",
                   help="also two 1-thread processes at once under GOMP_SPINCOUNT=10000 (engine only)")
    p.add_argument("--engine-only", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args)
    from cordsnet.io import write_json, write_text
    from cordsnet.provenance import code_version

    report = {"machine": f"{platform.machine()} {platform.processor() or ''}", "torch": torch.__version__,
              "threads": args.threads, "repeats": args.repeats, "code_version": code_version(), "policies": {}}
    for policy in args.policies:
        print(f"{policy}: ...", flush=True)
        res = subprocess.run(_child_cmd(args, args.threads), env=_env(policy), capture_output=True, text=True,
                             check=True)
        report["policies"][policy] = _result(res.stdout)
        for r in report["policies"][policy]:
            print(f"  {r['scale']}: engine {r['engine_s']:.3f} s, reference {r['reference_s']:.3f} s", flush=True)
    if args.pairs:
        policy = "GOMP_SPINCOUNT=10000"
        print("two 1-thread processes at once: ...", flush=True)
        procs = [subprocess.Popen(_child_cmd(args, 1, engine_only=True), env=_env(policy), stdout=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        outs = [p.communicate()[0] for p in procs]
        report["pairs"] = {"policy": policy, "results": [_result(o) for o in outs]}
    out = Path(args.out)
    write_json(out, report)
    write_text(out.with_suffix(".md"), markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
