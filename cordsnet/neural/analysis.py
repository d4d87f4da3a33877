"""Neural prediction over time (Fig 6; claim C10): does CordsNet's activity predict V4 and IT time courses better
than a time-invariant model?

- :func:`make_surrogate` (``cordsnet neural-surrogate``): the default scale cannot reach the recordings, so it
  writes a labelled **synthetic surrogate** in their exact format (an assembly netCDF, a stimulus-set CSV and PNG
  images): each region's sites are rectified random mixtures of one area of a *different* trained network (the
  generating network, ``neural.surrogate``) on the default dataset's test images, with a per-region latency,
  temporal smoothing and Poisson noise over repetitions; the noise-free rates are kept as the ground truth.
- :func:`prediction_report` (``cordsnet neural-predict``): reads the recordings (the surrogate, or the real assembly
  named by ``neural.sources``) with :mod:`cordsnet.neural.assembly`, presents their images to the scored CordsNet
  under the simulation protocol (spontaneous state, image on for ``presentation_ms``, then blank), bins every area on
  the recordings' clock (dt = alpha x ``tau_ms``, plus ``latency_ms``), maps each area to each region's sites with
  cross-validated ridge regression per bin, scores Pearson r on held-out images ceiled by split-half reliability, and
  compares the region's area with the time-invariant baselines (CordsNet's own steady state, the CNN counterpart)
  by a paired bootstrap over images. On the surrogate it also measures recovery: the generating network itself
  scored by the same pipeline (an oracle), every model's predictions against the noise-free rates, and a scan over
  latencies whose best value is compared with the surrogate's known one.

Outputs: ``<results>/neural/surrogate/`` (``Layout.neural_surrogate``), ``<results>/neural/prediction.{json,npz}``
and the table ``neural_prediction`` (docs/neural.md).
"""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

import numpy as np

from cordsnet.claims.verdicts import significance
from cordsnet.commands import command
from cordsnet.data.registry import dataset_info
from cordsnet.layout import Layout
from cordsnet.neural.assembly import check_stimuli, load_assembly, split_half_reliability
from cordsnet.neural.features import area_time_courses, cnn_features, steady_state_features
from cordsnet.neural.mapping import MappingError, ceiled_score, paired_bootstrap, pearson, predictions_over_time
from cordsnet.neural.recordings import make_surrogate, restrict, select_stimuli, sources, window_bins
from cordsnet.neural.settings import area_index, scored_row, step_ms
from cordsnet.neural.stimuli import read_images
from cordsnet.neural.surrogate import LABEL
from cordsnet.neural.timebins import bin_average, protocol
from cordsnet.provenance import record
from cordsnet.results import Report, Table
from cordsnet.trained import load_trained

log = logging.getLogger("cordsnet")

CEILING_NOTE = {"attenuation": "the square root", "brainscore": "the value"}
BASELINES = {"steady_state": "CordsNet's steady state, held constant", "cnn": "CNN counterpart, held constant"}


# -- scoring ---------------------------------------------------------------------------------------------------
def _summary(pred: np.ndarray, responses: np.ndarray, reliability: np.ndarray, ceiling: tuple[float, str],
             truth: np.ndarray | None) -> dict[str, Any]:
    """Scores of held-out ``pred`` (bins, images, sites) against ``responses`` (images, sites, bins), each averaged
    over the bins with a reliable signal (those :func:`ceiled_score` scores): r, the ceiled score and, on the
    surrogate, r against the noise-free rates; plus each image's time course at each site against the truth's."""
    r = pearson(pred.transpose(1, 2, 0), responses)  # (sites, bins)
    c = ceiled_score(r, reliability, *ceiling)
    scored = np.isfinite(c)
    out = {"r": float(r[:, scored].mean()) if scored.any() else None, "ceiled": float(np.nanmean(c)),
           "ceiled_per_bin": c.tolist(), "r_per_bin": r.mean(0).tolist()}
    if truth is not None:
        r_truth = pearson(pred.transpose(1, 2, 0), truth)
        out["r_truth"] = float(r_truth[:, scored].mean()) if scored.any() else None
        out["r_truth_per_bin"] = r_truth.mean(0).tolist()
        # the time course of each image at each site: predicted vs noise-free, correlated over all bins
        p = pred.transpose(1, 2, 0) - pred.transpose(1, 2, 0).mean(2, keepdims=True)
        t = truth - truth.mean(2, keepdims=True)
        denom = np.sqrt((p**2).sum(2) * (t**2).sum(2))
        tc = np.divide((p * t).sum(2), denom, out=np.full(denom.shape, np.nan), where=denom > 0)
        out["time_course_r"] = float(np.nanmean(tc))
    return out


def _ms_course(courses, area: int, pre: int, dt: float, latency: float) -> tuple[np.ndarray, np.ndarray]:
    """(times, population mean over images and features) of an area on the recordings' clock."""
    full = courses.with_pre_onset(area, pre)
    times = latency + dt * (np.arange(full.shape[0]) + 1 - pre)
    return times, full.mean((1, 2))


def prediction_report(cfg: dict[str, Any]) -> tuple[Report, Table]:
    """Fig 6 from the configured recordings (or the surrogate) and the trained models."""
    n, sim, seed = cfg["neural"], cfg["simulation"], cfg["run"]["seed"]
    L = Layout.from_config(cfg)
    dataset, depth = scored_row(cfg)
    files = sources(cfg)
    surrogate = n["data"] == "surrogate"
    recs = load_assembly(files["assembly"], tuple(n["regions"]))
    ids = select_stimuli(recs, n["images"], seed)
    if len(ids) < 2 * n["folds"]:
        raise MappingError(f"{len(ids)} stimuli are too few for neural.folds = {n['folds']} cross-validation folds "
                           f"(at least {2 * n['folds']}): use more images or fewer folds")
    masks = {r: window_bins(rec, n["window_ms"]) for r, rec in recs.items()}
    recs = {r: restrict(rec, ids, masks[r]) for r, rec in recs.items()}
    paths = check_stimuli(files["stimuli"], files["images"], ids)
    info = dataset_info(dataset)
    model = load_trained(cfg, dataset, depth, n["stage"])
    images = read_images([paths[str(s)] for s in ids], model.arch.in_channels, model.arch.image_size, info.mean,
                         info.std)
    dt = step_ms(cfg)
    first = next(iter(recs.values()))
    latency = {r: n["latency_ms"][r] for r in n["regions"]}
    scan = sorted(set(n["latency_scan_ms"]))
    surr = None
    truth: dict[str, np.ndarray | None] = {r: None for r in n["regions"]}
    if surrogate:
        d = L.neural_surrogate()
        surr = json.loads((d / "surrogate.json").read_text())
        with np.load(d / "truth.npz") as t:
            rows = np.searchsorted(t["stimulus_ids"].astype(str), ids.astype(str))
            for r in n["regions"]:
                truth[r] = t[f"rates_{r}"][rows][..., masks[r]]  # the assembly's bins are the truth's
    all_latencies = list(latency.values()) + scan + (list(surr["latency_ms"].values()) if surr else [])
    pre, on, off = protocol(n["window_ms"], all_latencies, dt, n["presentation_ms"], float(first.bin_start.min()))
    log.info("%s: %d stimuli, regions %s, %d bins in %s ms; CordsNet-R%d %s (%s), dt %g ms, %d+%d steps",
             "synthetic surrogate" if surrogate else "recordings", len(ids), n["regions"], len(first.bin_start),
             n["window_ms"], depth, dataset, n["stage"], dt, on, off)
    areas = list(range(depth))
    courses = area_time_courses(model, images, on, areas, sim["spontaneous_steps"], off, n["pool"])
    constant: dict[str, dict[int, np.ndarray]] = {}
    if "steady_state" in n["baselines"]:
        window = sim["stimulus_steps"]
        if on >= window:  # the trained window's end is already in the time courses: no second simulation
            constant["steady_state"] = {a: courses.steps[a][window - 1] for a in areas}
        else:
            constant["steady_state"] = steady_state_features(model, images, window, areas, sim["spontaneous_steps"],
                                                             n["pool"])
    if "cnn" in n["baselines"]:
        constant["cnn"] = cnn_features(load_trained(cfg, dataset, depth, "cnn"), images, areas, n["pool"])
    oracle_courses = None
    if surr is not None:
        g = surr["generator"]
        gen = load_trained(cfg, g["dataset"], g["depth"], g["stage"])
        oracle_courses = area_time_courses(gen, images, on, sorted(set(g["areas"].values())),
                                           sim["spontaneous_steps"], off, n["pool"])
    fold = {"folds": n["folds"], "alphas": np.logspace(*n["alpha_log10_range"], n["alpha_count"]), "seed": seed}
    minrel = (n["min_reliability"], n["ceiling"])
    regions: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}
    table_rows: list[dict[str, Any]] = []
    for r, rec in recs.items():
        reliability = split_half_reliability(rec, seed)
        y = rec.responses
        chosen = area_index(n["region_areas"][r], depth)

        def binned(c, area, lat, _rec=rec):
            return bin_average(c.with_pre_onset(area, pre), dt, _rec.bin_start, _rec.bin_end, lat, pre)

        preds: dict[str, np.ndarray] = {}
        res: dict[str, Any] = {"sites": len(rec.sites), "bins": len(rec.bin_start), "selected_area": chosen,
                               "reliability_mean": float(np.nanmean(reliability)), "latency_ms": latency[r],
                               "areas": {}, "baselines": {b: {} for b in constant}}
        for a in areas:
            preds[f"area{a}"] = predictions_over_time(binned(courses, a, latency[r]), y, **fold)
            res["areas"][a] = _summary(preds[f"area{a}"], y, reliability, minrel, truth[r])
            for b, feats in constant.items():
                preds[f"{b}{a}"] = predictions_over_time(feats[a], y, **fold)
                res["baselines"][b][a] = _summary(preds[f"{b}{a}"], y, reliability, minrel, truth[r])
        res["comparison"] = {b: paired_bootstrap(y.transpose(2, 0, 1), preds[f"area{chosen}"], preds[f"{b}{chosen}"],
                                                 reliability, n["bootstrap"], seed, *minrel) for b in constant}
        if oracle_courses is not None:
            g_area = surr["generator"]["areas"][r]
            lat = surr["latency_ms"][r]
            preds["oracle"] = predictions_over_time(binned(oracle_courses, g_area, lat), y, **fold)
            res["oracle"] = {"area": g_area, "latency_ms": lat,
                             **_summary(preds["oracle"], y, reliability, minrel, truth[r])}
        scored = np.isfinite(ceiled_score(reliability, reliability, *minrel))
        res["scored_bins"] = int(scored.sum())
        res["latency_scan"] = _latency_scan(scan, courses, chosen, oracle_courses, surr, r, binned, y, scored, fold)
        regions[r] = res
        # arrays for the figures: population time courses, predictivity over time, examples
        times, course = _ms_course(courses, chosen, pre, dt, latency[r])
        arrays |= {f"{r}_model_times": times, f"{r}_model_course": course,
                   f"{r}_recorded_mean": y.mean((0, 1)), f"{r}_recorded_sem": y.mean(1).std(0) / np.sqrt(len(y)),
                   f"{r}_predicted_mean": preds[f"area{chosen}"].mean((1, 2)),
                   f"{r}_reliability": reliability, f"{r}_bin_start": rec.bin_start, f"{r}_bin_end": rec.bin_end}
        site = int(np.nanargmax(reliability.mean(1)))
        arrays[f"{r}_example_recorded"] = y[:4, site]
        arrays[f"{r}_example_predicted"] = preds[f"area{chosen}"][:, :4, site].T
        arrays[f"{r}_ceiled_area"] = np.array([res["areas"][a]["ceiled_per_bin"] for a in areas])
        for b in constant:
            arrays[f"{r}_ceiled_{b}"] = np.array([res["baselines"][b][a]["ceiled_per_bin"] for a in areas])
        if "oracle" in res:
            arrays[f"{r}_ceiled_oracle"] = np.asarray(res["oracle"]["ceiled_per_bin"])
            arrays[f"{r}_truth_mean"] = truth[r].mean((0, 1))
        table_rows += _table_rows(r, res, depth, surrogate)
        log.info("%s: area %d ceiled %.3f vs %s", r, chosen, res["areas"][chosen]["ceiled"],
                 {b: round(res["baselines"][b][chosen]["ceiled"], 3) for b in constant})
    label = LABEL if surrogate else "recordings"
    inputs = [str(files["assembly"]), str(files["stimuli"]), str(files["images"]),
              str(L.checkpoint(dataset, depth, n["stage"]))]
    inputs += [str(L.checkpoint(dataset, depth, "cnn"))] if "cnn" in constant else []
    if surr is not None:
        g = surr["generator"]
        inputs += [str(L.neural_surrogate() / f) for f in ("truth.npz", "surrogate.json")]
        inputs += [str(L.checkpoint(g["dataset"], g["depth"], g["stage"]))]
    prov = record(n, seed=seed, scale=cfg["run"]["scale"],
                  data={"kind": label, "assembly": str(files["assembly"]), "stimuli": len(ids)},
                  extra={"inputs": inputs, "simulation": sim, "alpha": cfg["model"]["alpha"]})
    data = {"data": label, "dataset": dataset, "depth": depth, "stage": n["stage"], "stimuli": len(ids),
            "dt_ms": dt, "tau_ms": n["tau_ms"], "window_ms": n["window_ms"], "presentation_ms": n["presentation_ms"],
            "protocol_steps": {"pre_onset": pre, "image": on, "blank": off}, "mapping": _mapping_note(n),
            "baselines": {b: BASELINES[b] for b in constant}, "regions": regions, "region_order": list(regions),
            "surrogate": surr and {k: surr[k] for k in ("generator", "latency_ms", "smoothing_ms", "rate_per_bin",
                                                        "repetitions", "sites")},
            "c10": c10_summary(regions, surrogate, n["alpha_significance"]), "provenance": prov}
    table = Table(table_rows, prov,
                  f"Fig 6: prediction of V4 and IT time courses{' (SYNTHETIC SURROGATE, not recordings)' * surrogate}",
                  f"{len(ids)} stimuli ({label}); {_mapping_note(n)} Ceiled = mean over bins of the median r over "
                  f"sites / {CEILING_NOTE[n['ceiling']]} of the median split-half reliability (Spearman-Brown), over "
                  f"the bins whose median reliability exceeds {n['min_reliability']}. Difference and p: the region's "
                  f"area minus the baseline, paired bootstrap over images ({n['bootstrap']} resamplings, two-sided)."
                  + (" r vs truth: against the surrogate's noise-free rates." if surrogate else ""))
    return Report(data, arrays), table


def _latency_scan(scan, courses, chosen, oracle_courses, surr, region, binned, y, scored, fold):
    """Mean r over sites and the ``scored`` bins of the region's area (and of the generating network) at each latency
    of ``scan`` (the ceiling is the same at every latency, so the raw r ranks them)."""
    out: dict[str, Any] = {"latencies_ms": scan}
    runs = [("model", courses, chosen)]
    if oracle_courses is not None:
        runs.append(("oracle", oracle_courses, surr["generator"]["areas"][region]))
        out["true_latency_ms"] = surr["latency_ms"][region]
    for name, c, area in runs:
        values = [float(pearson(predictions_over_time(binned(c, area, lat), y, **fold).transpose(1, 2, 0), y)
                            [:, scored].mean()) for lat in scan]
        out[name] = values
        out[f"best_{name}_ms"] = scan[int(np.argmax(values))]
    return out


def _mapping_note(n: dict[str, Any]) -> str:
    lo, hi = n["alpha_log10_range"]
    return (f"ridge regression per time bin, standardised features (channels x {n['pool']}x{n['pool']} pooled "
            f"positions), penalty per site from {n['alpha_count']} values 1e{lo:g}..1e{hi:g} by leave-one-out on "
            f"the training folds; {n['folds']}-fold cross-validation over images; Pearson r on held-out images.")


def _table_rows(region: str, res: dict[str, Any], depth: int, surrogate: bool) -> list[dict[str, Any]]:
    chosen = res["selected_area"]
    rows = []

    def row(model: str, features: str, s: dict[str, Any], comp: dict[str, Any] | None = None) -> dict[str, Any]:
        out = {"region": region, "model": model, "features": features, "ceiled r": round(s["ceiled"], 3),
               "r": round(s["r"], 3)}
        if surrogate:
            out["r vs truth"] = round(s["r_truth"], 3)
            out["time-course r vs truth"] = round(s["time_course_r"], 3)
        out["area - baseline"] = None if comp is None else round(comp["difference"], 3)
        out["95% CI"] = None if comp is None else f"[{comp['ci_low']:.3f}, {comp['ci_high']:.3f}]"
        floor = 1 / comp["samples"] if comp else 0
        out["p"] = None if comp is None else (f"< {floor:g}" if comp["p_value"] < floor else f"{comp['p_value']:.3f}")
        return out

    rows.append(row(f"CordsNet-R{depth} area {chosen}", "time-resolved", res["areas"][chosen]))
    for b, per_area in res["baselines"].items():
        rows.append(row(BASELINES[b], f"area {chosen}, time-invariant", per_area[chosen], res["comparison"][b]))
    if "oracle" in res:
        rows.append(row("generating network (oracle)", f"area {res['oracle']['area']}, time-resolved",
                        res["oracle"]))
    return rows


def c10_summary(regions: dict[str, Any], surrogate: bool, alpha: float) -> dict[str, Any]:
    """C10 per region and baseline: the difference, its p-value and whether it is positive and significant; the
    verdict is "not testable offline" on the surrogate, whatever its numbers."""
    per = {r: {b: {"difference": c["difference"], "p_value": c["p_value"],
                   "better": bool(c["difference"] > 0 and c["p_value"] < alpha)} for b, c in res["comparison"].items()}
           for r, res in regions.items()}
    verdict = significance([(v["difference"], v["p_value"]) for d in per.values() for v in d.values()], alpha,
                           offline=surrogate)
    return {"claim": "C10: model activity predicts V4/IT time courses better than a time-invariant baseline",
            "per_region": per, "significance": alpha, "verdict": verdict,
            "data": LABEL if surrogate else "recordings"}


# -- commands (workflow/rules/neural.smk) ------------------------------------------------------------------------
def _add_surrogate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out-dir", required=True, help="folder of the surrogate's assembly, stimuli and ground truth")


@command("neural-surrogate", "write the labelled synthetic surrogate of the V4/IT recordings (default scale, Fig 6)",
         _add_surrogate, concern="neural")
def _surrogate_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    info = make_surrogate(cfg, args.out_dir)
    log.info("%s written to %s: %d images, generator %s", LABEL, args.out_dir, info["images"], info["generator"])
    return 0


def _add_predict(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="JSON path; the arrays go to a .npz beside it")
    p.add_argument("--table", required=True, help="CSV path of the table (.md and .provenance.json beside it)")


@command("neural-predict", "predict V4/IT time courses from CordsNet and time-invariant baselines (Fig 6, C10)",
         _add_predict, concern="neural")
def _predict_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    report, table = prediction_report(cfg)
    report.write(args.out)
    table.write(args.table)
    c10 = report.data["c10"]
    log.info("C10 (%s): %s; %s", c10["data"], c10["verdict"], c10["per_region"])
    return 0

