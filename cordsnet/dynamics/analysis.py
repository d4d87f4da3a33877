"""The dynamical-systems analyses (Fig 4A, Fig S1A, Fig 1B / S1B), built on the toolkit in :mod:`cordsnet.dynamics`.

Each computes a :class:`~cordsnet.results.Report` (JSON + arrays) from the ``dynamics`` config section:

- :func:`eigen_benchmark` (``cordsnet dynamics-eigs``): Arnoldi vs ARPACK on the first and last recurrent
  convolutions of CordsNet-R``eig_depth`` at ``eig_image_size``, plus the small-map agreement with dense eigenvalues;
- :func:`singular_values_report` (``cordsnet dynamics-singular-values``): singular values vs kernel size;
- :func:`regimes_report` (``cordsnet dynamics-regimes``): stable, oscillatory and chaotic regimes.

Outputs: ``<results>/dynamics/{eigs,singular_values,regimes}.{json,npz}`` (``Layout.analysis("dynamics", name)``).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import numpy as np
import torch

from cordsnet.commands import command
from cordsnet.dynamics.eigen import arnoldi, arpack_eigs, match_eigenvalues, power_iteration
from cordsnet.dynamics.operators import ConvOperator, dense_matrix
from cordsnet.dynamics.regimes import demonstrate_regimes
from cordsnet.dynamics.spectra import singular_values_vs_kernel
from cordsnet.models import CordsNet
from cordsnet.provenance import record
from cordsnet.results import Report

log = logging.getLogger("cordsnet")


def _cplx(values: np.ndarray) -> list[list[float]]:
    return [[float(v.real), float(v.imag)] for v in values]


def small_map_agreement(k: int = 20, seeds=(0, 1, 2)) -> list[dict[str, Any]]:
    """Arnoldi and ARPACK against dense eigenvalues on small maps (the ground truth of Fig 4A)."""
    rows = []
    for seed, (c, n) in zip(seeds, ((4, 6), (8, 8), (16, 5)), strict=True):
        gen = torch.Generator().manual_seed(seed)
        op = ConvOperator(torch.randn(c, c, 3, 3, generator=gen, dtype=torch.float64) / np.sqrt(9 * c), n)
        ev = np.linalg.eigvals(dense_matrix(op).numpy())
        dense = ev[np.lexsort((-ev.imag, -np.abs(ev)))][: k + 1]
        ours, theirs = arnoldi(op, k=k, tol=1e-10), arpack_eigs(op, k=k, tol=1e-10)
        power = power_iteration(op)
        rows.append({"channels": c, "size": n, "units": op.n,
                     "arnoldi_max_abs_error": match_eigenvalues(ours.values, dense),
                     "arpack_max_abs_error": match_eigenvalues(theirs.values, dense),
                     "power_converged": power.converged,
                     "power_abs_error": abs(power.value - dense[0]) if power.converged else None})
    return rows


def eigen_benchmark(depth: int = 8, k: int = 20, tol: float = 1e-6, checkpoint: str | None = None,
                    seed: int = 0, image_size: int = 224) -> Report:
    """Leading ``k`` eigenvalues of the first and last recurrent convolutions of CordsNet-R``depth`` at paper scale,
    by Arnoldi and by ARPACK, with times; plus the small-map agreement check."""
    torch.manual_seed(seed)
    model = CordsNet(depth=depth, image_size=image_size)
    weights = f"random initialisation (torch default), seed {seed}"
    if checkpoint:
        model.load_state_dict(torch.load(checkpoint, map_location="cpu", weights_only=True)["model"])
        weights = f"checkpoint {checkpoint}"
    report: dict[str, Any] = {"depth": depth, "k": k, "tol": tol, "weights": weights, "areas": {},
                              "small_map_agreement": small_map_agreement(k)}
    arrays = {}
    for label, idx in (("first", 0), ("last", depth - 1)):
        area = model.areas[idx]
        op = ConvOperator(area.rec.weight, area.spec.size)
        log.info("area %d (%s): %d units, Arnoldi ...", idx, label, op.n)
        ours = arnoldi(op, k=k, tol=tol, seed=seed)
        log.info("  Arnoldi %.1f s, %d matvecs; ARPACK ...", ours.seconds, ours.iterations)
        theirs = arpack_eigs(op, k=k + 1, tol=tol, seed=seed)
        report["areas"][label] = {
            "area": idx, "shape": [area.spec.channels, area.spec.size, area.spec.size], "units": op.n,
            "arnoldi_seconds": ours.seconds, "arnoldi_matvecs": ours.iterations,
            "arnoldi_max_residual": float(ours.residuals.max()),
            "arpack_seconds": theirs.seconds, "arpack_matvecs": theirs.iterations,
            "arpack_max_residual": float(theirs.residuals.max()),
            "max_abs_difference": match_eigenvalues(ours.values, theirs.values),
            "arnoldi_values": _cplx(ours.values), "arpack_values": _cplx(theirs.values[:k]),
        }
        arrays[f"{label}_arnoldi"] = ours.values
        arrays[f"{label}_arpack"] = theirs.values
    report["provenance"] = record({"depth": depth, "k": k, "tol": tol, "image_size": image_size}, seed=seed,
                                  scale=f"paper widths, {image_size} px",
                                  data={"kind": "none", "weights": weights},
                                  extra={"threads": torch.get_num_threads()})
    return Report(report, arrays)


def singular_values_report(kernel_sizes=(1, 3, 5, 7, 9), channels: int = 16, size: int = 16,
                           seed: int = 0) -> Report:

    sv = singular_values_vs_kernel(kernel_sizes, channels, size, seed)
    summary = {str(k): {"max": float(v.max()), "min": float(v.min()), "mean_square": float(np.mean(v**2)),
                        "distinct": int(len(np.unique(np.round(v, 9))))} for k, v in sv.items()}
    report = {"kernel_sizes": list(kernel_sizes), "channels": channels, "size": size, "padding": "circular",
              "init": "normal, variance 1 / (C k^2)", "summary": summary,
              "provenance": record({"kernel_sizes": list(kernel_sizes), "channels": channels, "size": size},
                                   seed=seed, scale="analysis", data={"kind": "none"})}
    return Report(report, {f"k{k}": v for k, v in sv.items()})


def regimes_report(channels: int = 16, size: int = 8, seed: int = 0, steps: int = 16000) -> Report:

    demo = demonstrate_regimes(channels, size, seed, steps)
    trajectories = demo.pop("trajectories")
    demo["provenance"] = record({"channels": channels, "size": size, "steps": steps}, seed=seed,
                                scale="analysis", data={"kind": "none"})
    return Report(demo, trajectories)


# -- commands (the rules of workflow/rules/dynamics.smk) ------------------------------------------------------
def _add_out(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="JSON path; the arrays go to a .npz beside it")


def _add_eigs(p: argparse.ArgumentParser) -> None:
    _add_out(p)
    p.add_argument("--checkpoint", default=None,
                   help="analyse a trained model's weights instead of the random initialisation (not used by the "
                        "workflow; the architecture must be R<eig_depth> at eig_image_size)")


@command("dynamics-eigs", "Arnoldi vs ARPACK on the first/last recurrent convolution at paper scale (Fig 4A)",
         _add_eigs, concern="dynamics")
def _eigs_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    d = cfg["dynamics"]
    rep = eigen_benchmark(d["eig_depth"], d["eig_k"], d["eig_tol"], args.checkpoint, cfg["run"]["seed"],
                          d["eig_image_size"])
    rep.write(args.out)
    for label, a in rep.data["areas"].items():
        log.info("%s area %s: Arnoldi %.1f s, ARPACK %.1f s, max |difference| %.2e", label, a["shape"],
                 a["arnoldi_seconds"], a["arpack_seconds"], a["max_abs_difference"])
    return 0


@command("dynamics-singular-values", "singular values of random recurrent convolutions vs kernel size (Fig S1A)",
         _add_out, concern="dynamics")
def _sv_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    d = cfg["dynamics"]
    singular_values_report(tuple(d["kernel_sizes"]), d["sv_channels"], d["sv_size"], cfg["run"]["seed"]).write(
        args.out)
    return 0


@command("dynamics-regimes", "stable, oscillatory and chaotic regimes with measured diagnostics (Fig 1B, S1B)",
         _add_out, concern="dynamics")
def _regimes_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    d = cfg["dynamics"]
    rep = regimes_report(d["regime_channels"], d["regime_size"], cfg["run"]["seed"], d["regime_steps"])
    rep.write(args.out)
    for name, r in rep.data["regimes"].items():
        log.info("%s: radius %.2f, speed %.2e, period %s, Lyapunov %.3f", name, r["spectral_radius"],
                 r["final_speed"], r["period"], r["lyapunov"])
    return 0
