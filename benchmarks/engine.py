"""Engine vs plain reference at paper scale (224 px): inference and training, R4 and R8.

Runs both formulations interleaved in one process (the machine is noisy; ratios from one run are what count),
checks they agree, and writes JSON + Markdown with times, speed-ups, the largest relative difference, MACs per step
and the achieved fraction of a peak convolution throughput measured in the same run.

    python benchmarks/engine.py                 # the full protocol: 100 warm-up + 100 stimulus steps
    python benchmarks/engine.py --steps 10      # short run: 10 + 10 steps, readout window scaled down, same ratios

Inference: batch 8. Training: batch 2, the time-ramped loss (cross-entropy at each of the last readout steps,
log-spaced weights 1e-3 .. 1), forward + backward. bf16 inference is reported with its logit error; training
is always fp32.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

from cordsnet.compute.analysis import cordsnet_step_macs
from cordsnet.engine import reference_simulate, simulate
from cordsnet.io import write_json, write_text
from cordsnet.models import CordsNet
from cordsnet.provenance import code_version


def rel_max(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.float() - b.float()).abs().max() / b.float().abs().max().clamp_min(1e-30))


def peak_conv_gflops(model: CordsNet, batch: int, repeats: int = 5) -> dict:
    """Best GFLOP/s of a 3x3 convolution of the model's own shapes (channels-last, fp32) on this machine now."""
    best = {"gflops": 0.0}
    with torch.inference_mode():
        for spec in model.arch.areas:
            x = torch.randn(batch, spec.channels, spec.size, spec.size).contiguous(memory_format=torch.channels_last)
            w = torch.randn(spec.channels, spec.channels, 3, 3)
            flops = 2 * batch * spec.channels * spec.channels * 9 * spec.size * spec.size
            torch.nn.functional.conv2d(x, w, padding=1)
            t0 = time.perf_counter()
            for _ in range(repeats):
                torch.nn.functional.conv2d(x, w, padding=1)
            g = flops * repeats / (time.perf_counter() - t0) / 1e9
            if g > best["gflops"]:
                best = {"gflops": g, "shape": [batch, spec.channels, spec.size, spec.size]}
    return best


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def ramp_loss(logits: torch.Tensor, target: torch.Tensor, window: int) -> torch.Tensor:
    weights = torch.logspace(-3, 0, window)
    losses = torch.stack([torch.nn.functional.cross_entropy(logits[-window + k], target) for k in range(window)])
    return (weights * losses).mean()


def bench_depth(depth: int, steps: int, window: int, infer_batch: int, train_batch: int, seed: int) -> dict:
    torch.manual_seed(seed)
    model = CordsNet(depth=depth)
    with torch.no_grad():
        for area in model.areas:
            area.bias.normal_(0, 0.05)
    macs1 = cordsnet_step_macs(model)  # batch-1 counts; scaled by the batch below
    peak = peak_conv_gflops(model, infer_batch)
    x = torch.randn(infer_batch, 3, 224, 224)
    sched = [(x, steps)]
    res: dict = {"depth": depth, "macs_per_step_reference": macs1["per_step"],
                 "macs_per_step_engine": macs1["per_step_engine"], "macs_once_per_image": macs1["per_image"],
                 "peak_conv": peak}

    # ---- inference (interleaved: reference, engine cold, engine with cached spontaneous state, bf16) ----
    with torch.inference_mode():
        ref, t_ref = timed(lambda: reference_simulate(model, sched, spontaneous_steps=steps))
        eng, t_eng = timed(lambda: simulate(model, sched, spontaneous_steps=steps, use_cache=False).logits)
        simulate(model, [(x[:1], 1)], spontaneous_steps=steps)  # fill the cache
        eng_c, t_eng_c = timed(lambda: simulate(model, sched, spontaneous_steps=steps).logits)
        bf, t_bf = timed(lambda: simulate(model, sched, spontaneous_steps=steps, precision="bf16").logits)
    ref_macs = infer_batch * 2 * steps * macs1["per_step"]
    eng_macs = steps * macs1["per_step_engine"] + infer_batch * (macs1["per_image"] + steps * macs1["per_step_engine"])
    eng_c_macs = infer_batch * (macs1["per_image"] + steps * macs1["per_step_engine"])
    res["inference"] = {
        "batch": infer_batch, "spontaneous_steps": steps, "stimulus_steps": steps,
        "reference_s": t_ref, "engine_s": t_eng, "engine_cached_spontaneous_s": t_eng_c, "engine_bf16_s": t_bf,
        "speedup": t_ref / t_eng, "speedup_cached_spontaneous": t_ref / t_eng_c, "speedup_bf16": t_ref / t_bf,
        "max_rel_diff": rel_max(eng, ref), "max_rel_diff_cached": rel_max(eng_c, ref),
        "bf16_max_rel_logit_error": rel_max(bf, ref),
        "bf16_top1_agreement": float((bf[-1].argmax(-1) == ref[-1].argmax(-1)).float().mean()),
        "reference_gflops": 2 * ref_macs / t_ref / 1e9, "engine_gflops": 2 * eng_macs / t_eng / 1e9,
        "engine_cached_gflops": 2 * eng_c_macs / t_eng_c / 1e9,
        "reference_fraction_of_peak": 2 * ref_macs / t_ref / 1e9 / peak["gflops"],
        "engine_fraction_of_peak": 2 * eng_macs / t_eng / 1e9 / peak["gflops"],
        "engine_cached_fraction_of_peak": 2 * eng_c_macs / t_eng_c / 1e9 / peak["gflops"],
        "work_ratio_reference_over_engine": ref_macs / eng_macs,
    }
    del ref, eng, eng_c, bf

    # ---- training: forward + backward of the time-ramped loss ----
    xt = torch.randn(train_batch, 3, 224, 224)
    target = torch.arange(train_batch) % 1000

    def train_step(fn):
        model.zero_grad(set_to_none=True)
        logits = fn()
        ramp_loss(logits, target, window).backward()
        return torch.cat([p.grad.reshape(-1) for p in model.parameters() if p.grad is not None])

    g_ref, t_tref = timed(lambda: train_step(lambda: reference_simulate(model, [(xt, steps)], spontaneous_steps=steps)))
    g_eng, t_teng = timed(lambda: train_step(lambda: simulate(model, [(xt, steps)], spontaneous_steps=steps).logits))
    res["training"] = {
        "batch": train_batch, "readout_window": window, "reference_s": t_tref, "engine_s": t_teng,
        "speedup": t_tref / t_teng, "grad_max_rel_diff": rel_max(g_eng, g_ref),
    }
    return res


def markdown(report: dict) -> str:
    lines = [f"# Engine benchmark ({report['protocol']})", "",
             f"Machine: {report['machine']}; torch {report['torch']}, {report['threads']} threads; "
             f"code {report['code_version']}.", "",
             "| depth | mode | reference s | engine s | speed-up | max rel diff | engine / peak conv | notes |",
             "|---|---|---|---|---|---|---|---|"]
    for r in report["results"]:
        i, t = r["inference"], r["training"]
        lines.append(f"| R{r['depth']} | inference fp32 (batch {i['batch']}) | {i['reference_s']:.1f} | "
                     f"{i['engine_s']:.1f} | {i['speedup']:.2f}x | {i['max_rel_diff']:.1e} | "
                     f"{i['engine_fraction_of_peak']:.0%} | spontaneous state computed in the call |")
        lines.append(f"| R{r['depth']} | inference fp32, cached spontaneous | {i['reference_s']:.1f} | "
                     f"{i['engine_cached_spontaneous_s']:.1f} | {i['speedup_cached_spontaneous']:.2f}x | "
                     f"{i['max_rel_diff_cached']:.1e} | {i['engine_cached_fraction_of_peak']:.0%} | |")
        lines.append(f"| R{r['depth']} | inference bf16 | {i['reference_s']:.1f} | {i['engine_bf16_s']:.1f} | "
                     f"{i['speedup_bf16']:.2f}x | {i['bf16_max_rel_logit_error']:.1e} | | top-1 agreement "
                     f"{i['bf16_top1_agreement']:.0%} |")
        lines.append(f"| R{r['depth']} | training fp32 (batch {t['batch']}) | {t['reference_s']:.1f} | "
                     f"{t['engine_s']:.1f} | {t['speedup']:.2f}x | {t['grad_max_rel_diff']:.1e} (grads) | | |")
    lines += ["", "MACs per step (batch 1): " + ", ".join(
        f"R{r['depth']} reference {r['macs_per_step_reference'] / 1e9:.3f} G, engine "
        f"{r['macs_per_step_engine'] / 1e9:.3f} G" for r in report["results"]),
        "Peak conv: " + ", ".join(f"R{r['depth']} {r['peak_conv']['gflops']:.0f} GFLOP/s" for r in report["results"]),
        ""]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=100, help="warm-up and stimulus steps each (default: 100)")
    p.add_argument("--depths", type=int, nargs="+", default=[4, 8])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="results/benchmarks/engine.json")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    window = max(1, round(30 * args.steps / 100))
    results = []
    for depth in args.depths:
        print(f"R{depth}: {args.steps} + {args.steps} steps ...", flush=True)
        r = bench_depth(depth, args.steps, window, infer_batch=8, train_batch=2, seed=args.seed)
        print(json.dumps({"depth": depth, "inference_speedup": r["inference"]["speedup"],
                          "training_speedup": r["training"]["speedup"]}), flush=True)
        results.append(r)
    report = {
        "protocol": f"224 px, {args.steps} warm-up + {args.steps} stimulus steps, readout window {window}",
        "machine": f"{platform.machine()} {platform.processor() or ''} ({torch.get_num_threads()} threads)",
        "torch": torch.__version__, "threads": args.threads, "code_version": code_version(),
        "results": results,
    }
    out = Path(args.out)
    write_json(out, report)
    write_text(out.with_suffix(".md"), markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
