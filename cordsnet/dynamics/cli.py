"""The analyses behind the dynamics commands of the CLI (``cordsnet dynamics-*``): each writes JSON + npz."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cordsnet.dynamics.eigen import arnoldi, arpack_eigs, match_eigenvalues, power_iteration
from cordsnet.dynamics.operators import ConvOperator, dense_matrix
from cordsnet.io import save_npz, write_json
from cordsnet.provenance import record

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


def eigen_benchmark(out: str | Path, depth: int = 8, k: int = 20, tol: float = 1e-6, checkpoint: str | None = None,
                    seed: int = 0, image_size: int = 224) -> dict[str, Any]:
    """Leading ``k`` eigenvalues of the first and last recurrent convolutions of CordsNet-R``depth`` at paper scale,
    by Arnoldi and by ARPACK, with times; plus the small-map agreement check."""
    from cordsnet.models import CordsNet

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
        theirs = arpack_eigs(op, k=k + 1, tol=tol)
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
    write_json(out, report)
    save_npz(Path(out).with_suffix(".npz"), **arrays)
    return report


def singular_values_report(out: str | Path, kernel_sizes=(1, 3, 5, 7, 9), channels: int = 16, size: int = 16,
                           seed: int = 0) -> dict[str, Any]:
    from cordsnet.dynamics.spectra import singular_values_vs_kernel

    sv = singular_values_vs_kernel(kernel_sizes, channels, size, seed)
    summary = {str(k): {"max": float(v.max()), "min": float(v.min()), "mean_square": float(np.mean(v**2)),
                        "distinct": int(len(np.unique(np.round(v, 9))))} for k, v in sv.items()}
    report = {"kernel_sizes": list(kernel_sizes), "channels": channels, "size": size, "padding": "circular",
              "init": "normal, variance 1 / (C k^2)", "summary": summary,
              "provenance": record({"kernel_sizes": list(kernel_sizes), "channels": channels, "size": size},
                                   seed=seed, scale="analysis", data={"kind": "none"})}
    write_json(out, report)
    save_npz(Path(out).with_suffix(".npz"), **{f"k{k}": v for k, v in sv.items()})
    return report


def regimes_report(out: str | Path, channels: int = 16, size: int = 8, seed: int = 0,
                   steps: int = 16000) -> dict[str, Any]:
    from cordsnet.dynamics.regimes import demonstrate_regimes

    demo = demonstrate_regimes(channels, size, seed, steps)
    trajectories = demo.pop("trajectories")
    demo["provenance"] = record({"channels": channels, "size": size, "steps": steps}, seed=seed,
                                scale="analysis", data={"kind": "none"})
    write_json(out, demo)
    save_npz(Path(out).with_suffix(".npz"), **trajectories)
    return demo
