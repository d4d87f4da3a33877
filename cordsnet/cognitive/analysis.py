"""Dynamical expressivity on cognitive tasks (Fig 1C, Fig 1D / S3, Tables S1 and S2; claim C8).

- :func:`train_suite` (``cordsnet cognitive-train --size N``): the four kinds x ``seeds`` networks of one size trained
  together on the five suite tasks with rule inputs; checkpoint + metrics (performance per network and task).
- :func:`train_attractors` (``cordsnet cognitive-train --attractors``): three CordsNet networks, one per MemoryPro
  variant (ring, line, points), from the same initialisation.
- :func:`comparison_report` (``cordsnet cognitive-compare``): Procrustes distances to the fully-connected networks per
  task (with the floor and ceiling), example trajectories, and the tables ``table_s1``, ``table_s2``,
  ``cognitive_performance``.
- :func:`attractor_report` (``cordsnet cognitive-attractors``): fixed points, shapes and rotation to the output.

Models: ``<results>/cognitive/models/{N<size>,attractors}/`` (``Layout.task_networks``). Outputs:
``<results>/cognitive/{comparison,attractors}.{json,npz}`` and ``<results>/tables/`` (docs/cognitive.md).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cordsnet.cognitive.attractors import classify, fixed_points, output_alignment, shape_measures
from cordsnet.cognitive.compare import principal_components, procrustes_distance, trajectory_matrix
from cordsnet.cognitive.matching import KINDS, Matching
from cordsnet.cognitive.networks import TaskRNN, simulate
from cordsnet.cognitive.runs import (
    _trained,
    attractor_networks,
    integration,
    load_networks,
    matching,
    seeds,
    suite_networks,
    task_set,
    train_attractors,
    train_suite,
)
from cordsnet.commands import command
from cordsnet.layout import Layout
from cordsnet.provenance import record
from cordsnet.results import Report, Table
from cordsnet.tables import percent
from cordsnet.tasks import ATTRACTOR_TASKS, COMPANION_TASKS

log = logging.getLogger("cordsnet")

SHAPES = {"memorypro_ring": "ring", "memorypro_line": "line", "memorypro_points": "points"}
"""the shape each MemoryPro variant is expected to store (Fig 1D / S3)"""


# -- Fig 1C, Tables S1, S2 -------------------------------------------------------------------------------------
def _pairs(a: np.ndarray, b: np.ndarray, distance, same_networks: bool) -> list[float]:
    """Distances between networks of ``a`` and ``b`` (S, P, N) of different seeds (each unordered pair once when
    both are the same networks)."""
    out = []
    for i in range(len(a)):
        for j in range(len(b)):
            if i != j and not (same_networks and j < i):
                out.append(distance(a[i], b[j]))
    return out


def _stats(values: list[float]) -> dict[str, Any]:
    v = np.asarray(values, dtype=float)
    return {"mean": float(v.mean()), "sd": float(v.std(ddof=1)) if len(v) > 1 else None, "n": int(len(v)),
            "values": v.tolist()}


def _mean_sd(s: dict[str, Any]) -> str:
    return f"{s['mean']:.3f}" if s["sd"] is None else f"{s['mean']:.3f} ± {s['sd']:.3f}"


def comparison_report(cfg: dict[str, Any]) -> tuple[Report, list[Table]]:
    """Fig 1C / Table S2 (Procrustes distances), Table S1 (parameter counts) and the performance table."""
    c = cfg["cognitive"]
    L = Layout.from_config(cfg)
    ts, dyn = task_set(c, c["tasks"]), integration(c)
    run_seeds = seeds(cfg)
    inputs_read: list[str] = []
    sizes: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}
    perf_rows, s1_rows, s2_rows = [], [], []

    def dist(a, b):
        return procrustes_distance(trajectory_matrix(a), trajectory_matrix(b), c["procrustes_pcs"])

    for size in c["sizes"]:
        where = L.task_networks(f"N{size}")
        inputs_read += [str(where / "checkpoint.pt"), str(where / "metrics.json")]
        metrics = _read_json(where / "metrics.json")
        networks = load_networks(suite_networks(cfg, size), where / "checkpoint.pt")
        untrained = TaskRNN("fc", matching(c, size), run_seeds, ts.layout.n_in, ts.layout.n_out, c["init_gain"])
        tasks: dict[str, Any] = {}
        for j, task in enumerate(c["tasks"]):
            trials = ts.generate(task, np.random.default_rng([cfg["run"]["seed"], 31337, j]), c["compare_trials"],
                                 fixed=True)
            x = torch.from_numpy(np.repeat(trials.inputs[None], len(run_seeds), 0))
            with torch.no_grad():
                rates = simulate(list(networks), x, dyn)[0].numpy().reshape(len(KINDS), len(run_seeds),
                                                                             *x.shape[1:3], -1)
                chance = simulate([untrained], x, dyn)[0].numpy()
            fc = rates[KINDS.index("fc")]
            row = {k: _stats(_pairs(rates[KINDS.index(k)], fc, dist, False)) for k in KINDS if k != "fc"}
            row["fc (other seed): floor"] = _stats(_pairs(fc, fc, dist, True))
            row["untrained fc: ceiling"] = _stats(_pairs(fc, chance, dist, False))
            tasks[task] = row
            if task == c["example_task"]:
                for k in KINDS:
                    arrays[f"N{size}_{k}_pcs"] = principal_components(trajectory_matrix(rates[KINDS.index(k), 0]), 2
                                                                      ).reshape(trials.batch, trials.steps, 2)
                arrays[f"N{size}_stimulus"] = trials.info["stimulus"]
                arrays[f"N{size}_periods"] = np.array([trials.periods[p][0] for p in trials.periods])
        labels = list(next(iter(tasks.values())))
        overall = {k: _stats([np.mean(v) for v in zip(*[tasks[t][k]["values"] for t in tasks], strict=True)])
                   for k in labels}
        sizes[str(size)] = {"tasks": tasks, "mean_over_tasks": overall, "matching": vars(matching(c, size)),
                            "recurrent_parameters": metrics["recurrent_parameters"]}
        s1_rows.append(_s1_row(matching(c, size), metrics["recurrent_parameters"]))
        for k in labels:
            s2 = {"units": size, "network": k}
            for t in c["tasks"]:
                s2[t] = _mean_sd(tasks[t][k])
            s2["mean over tasks"] = _mean_sd(overall[k])
            s2["seed pairs"] = overall[k]["n"]
            s2_rows.append(s2)
        perf_rows += _performance_rows(size, metrics, c["criterion"])
    summary = _c8(sizes, len(run_seeds))
    prov = record(c, seed=cfg["run"]["seed"], scale=cfg["run"]["scale"],
                  data={"kind": "synthetic task trials (cordsnet.tasks)"}, extra={"inputs": inputs_read})
    report = Report({"sizes": sizes, "c8": summary, "seeds": run_seeds, "pcs": c["procrustes_pcs"],
                     "trials_per_task": c["compare_trials"], "example_task": c["example_task"], "provenance": prov},
                    arrays)
    note_seeds = f"{len(run_seeds)} seeds ({', '.join(map(str, run_seeds))})"
    tables = [
        Table(s1_rows, prov, "Table S1: recurrent parameters of the task networks",
              "Counted from the trained networks' own weights (the sparse kind: its entries under the mask). "
              "CordsNet: s channels on an s x s map, kernel k; rank and density matched to CordsNet's count."),
        Table(s2_rows, prov, "Table S2: Procrustes distance to the fully-connected RNN's trajectories",
              f"Mean ± SD over pairs of networks of different seeds ({note_seeds}; no SD from one pair); "
              f"{c['compare_trials']} trials per task at fixed timing, noise-free; centred, first "
              f"{c['procrustes_pcs']} principal components, unit Frobenius norm, orthogonal Procrustes (0 = same "
              "up to rotation, at most 1.414). Floor: two "
              "fully-connected networks; ceiling: a fully-connected network and an untrained one."),
        Table(perf_rows, prov, "Task performance of the task networks",
              f"Fraction of {c['eval_trials']} fresh trials per task correct (with the training noise): fixation "
              f"held, then the decoded direction within {c['tolerance_pi']} pi (or fixation kept on a non-match); "
              f"learned = every seed at or above {c['criterion']}."),
    ]
    return report, tables


def _read_json(path: Path) -> dict[str, Any]:
    import json

    return json.loads(_trained(path).read_text())


def _s1_row(m: Matching, counted: dict[str, int]) -> dict[str, Any]:
    return {"units": m.units, "shape (C x H x W)": f"{m.side} x {m.side} x {m.side}",
            "fully connected": counted["fc"], "CordsNet": counted["cordsnet"], "CordsNet kernel": m.kernel,
            "low-rank": counted["lowrank"], "rank": m.rank, "sparse": counted["sparse"],
            "density": round(m.density, 5)}


def _performance_rows(size: int, metrics: dict[str, Any], criterion: float) -> list[dict[str, Any]]:
    correct = np.asarray(metrics["correct"], dtype=float).reshape(len(KINDS), -1, len(metrics["tasks"]))
    rows = []
    for k, kind in enumerate(KINDS):
        for j, task in enumerate(metrics["tasks"]):
            v = correct[k, :, j]
            rows.append({"units": size, "network": kind, "task": task, "correct (%)": percent(v.mean()),
                         "worst seed (%)": percent(v.min()), "seeds": len(v), "trials": metrics["eval_trials"],
                         "learned": bool(v.min() >= criterion)})
    return rows


def per_seed(values: list[float], seeds: int) -> list[float]:
    """A kind's distances to the FC-RNNs of the other seeds (:func:`_pairs` order: its seed i against every fc seed
    j != i) averaged per seed of that kind: the independent units of C8's interval (pairs share networks)."""
    return np.asarray(values, dtype=float).reshape(seeds, seeds - 1).mean(1).tolist()


def _c8(sizes: dict[str, Any], seeds: int) -> dict[str, Any]:
    """C8 in numbers: CordsNet's mean distance over tasks against the low-rank and sparse networks', and each
    kind's per-seed distance (its seed's mean over the pairs it is in), for the interval on both sides."""
    out = {}
    for size, s in sizes.items():
        m = s["mean_over_tasks"]
        others = max(m["lowrank"]["mean"], m["sparse"]["mean"])
        out[size] = {"cordsnet": m["cordsnet"]["mean"], "cordsnet_sd": m["cordsnet"]["sd"],
                     "lowrank": m["lowrank"]["mean"], "sparse": m["sparse"]["mean"],
                     "floor": m["fc (other seed): floor"]["mean"], "ceiling": m["untrained fc: ceiling"]["mean"],
                     "cordsnet_within_others": bool(m["cordsnet"]["mean"] <= others),
                     "per_seed": ({k: per_seed(m[k]["values"], seeds) for k in ("cordsnet", "lowrank", "sparse")}
                                  if seeds > 1 else None)}
    return out


# -- Fig 1D / S3 ----------------------------------------------------------------------------------------------
def probes(variant: str, n: int) -> np.ndarray:
    """Stimuli that span a variant's range: magnitudes in [0, 1] for the line, else n directions around the ring
    (for the points network, the trained directions and those between them)."""
    return np.linspace(0, 1, n) if variant == "memorypro_line" else np.arange(n) * 2 * np.pi / n


def attractor_report(cfg: dict[str, Any]) -> Report:
    """Fig 1D / S3: each MemoryPro network's delay-end states for probe stimuli, their fixed points, shape measures
    and class, and the readout alignment in the delay and the response."""
    from sklearn.decomposition import PCA

    c, a = cfg["cognitive"], cfg["cognitive"]["attractor"]
    L = Layout.from_config(cfg)
    where = L.task_networks("attractors")
    metrics = _read_json(where / "metrics.json")
    networks = load_networks(attractor_networks(cfg), where / "checkpoint.pt")
    ts, dyn = task_set(c, ATTRACTOR_TASKS + COMPANION_TASKS), integration(c)
    trials = [ts.generate(v, np.random.default_rng(i), a["probes"], fixed=True, stimulus=probes(v, a["probes"]))
              for i, v in enumerate(ATTRACTOR_TASKS)]
    x = torch.from_numpy(np.stack([t.inputs for t in trials]))
    with torch.no_grad():
        rates = simulate(list(networks), x, dyn)[0].numpy()
    net = networks[0]
    variants, arrays = {}, {}
    for i, (v, t) in enumerate(zip(ATTRACTOR_TASKS, trials, strict=True)):
        delay_start, delay_end = (int(b) for b in t.periods["delay"][0])
        delay = rates[i, delay_end - 1]
        response = rates[i, t.length[0] - 1]
        one = net.select(i)
        fp = fixed_points(one, t.inputs[delay_start, 0], delay, dyn, a["fixed_point_steps"], a["fixed_point_lr"])
        m = shape_measures(delay, fp, a["speed_tol"], a["merge"], circular=not v.endswith("_line"))
        shape = classify(m, a["ring_neighbours"], a["ring_closure"], a["line_pc1"], a["max_points"])
        readout = net.w_out[i, :, 1:].detach().numpy()  # the response outputs: ring and magnitude
        correct = np.asarray(metrics["correct"], dtype=float)[i, metrics["tasks"].index(v)]
        variants[v] = {**m, "expected": SHAPES[v], "found": shape, "as_expected": shape == SHAPES[v],
                       "alignment_delay": output_alignment(delay, readout),
                       "alignment_response": output_alignment(response, readout),
                       "alignment_chance": float(np.linalg.matrix_rank(readout) / readout.shape[0]),
                       "correct": float(correct), "eval_trials": metrics["eval_trials"]}
        pca = PCA(n_components=3).fit(delay)
        onset = int(t.periods["stimulus"][0][0])
        arrays[f"{v}_trajectories"] = pca.transform(rates[i, onset:t.length[0]].reshape(-1, rates.shape[-1])
                                                    ).reshape(-1, t.batch, 3).transpose(1, 0, 2)
        arrays[f"{v}_fixed_points"] = pca.transform(fp.states)
        arrays[f"{v}_speed"] = fp.speed
        arrays[f"{v}_stimulus"] = probes(v, a["probes"])
        arrays[f"{v}_periods"] = np.array([t.periods[p][0] - onset for p in t.periods])
        w_pcs = pca.components_ @ readout  # readout ring in the delay PCs: where the response rotates to
        arrays[f"{v}_readout_in_pcs"] = w_pcs
    prov = record(c, seed=cfg["run"]["seed"], scale=cfg["run"]["scale"],
                  data={"kind": "synthetic task trials (cordsnet.tasks)"},
                  extra={"inputs": [str(where / "checkpoint.pt"), str(where / "metrics.json")]})
    criteria = {k: a[k] for k in ("ring_neighbours", "ring_closure", "line_pc1", "max_points", "speed_tol", "merge")}
    return Report({"variants": variants, "size": a["size"], "probes": a["probes"], "criteria": criteria,
                   "provenance": prov}, arrays)


# -- commands (workflow/rules/cognitive.smk) --------------------------------------------------------------------
def _add_train(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--size", type=int, help="train the suite networks of this many units (one of cognitive.sizes)")
    g.add_argument("--attractors", action="store_true", help="train the MemoryPro variant networks (Fig 1D / S3)")


@command("cognitive-train", "train the task networks of one size, or the MemoryPro attractor networks (resumable)",
         _add_train, concern="cognitive")
def _train_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    if args.attractors:
        metrics = train_attractors(cfg)
    else:
        if args.size not in cfg["cognitive"]["sizes"]:
            raise SystemExit(f"--size {args.size} is not in cognitive.sizes {cfg['cognitive']['sizes']}")
        metrics = train_suite(cfg, args.size)
    log.info("%s: trained in %.0f s; correct per network and task: %s", metrics["what"], metrics["train_seconds"],
             np.round(np.asarray(metrics["correct"], dtype=float), 2).tolist())
    return 0


def _add_compare(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="JSON path; the arrays go to a .npz beside it")
    p.add_argument("--tables", required=True, help="folder of table_s1, table_s2 and cognitive_performance (.csv)")


@command("cognitive-compare", "Procrustes distances to the fully-connected RNN (Fig 1C, Tables S1, S2)", _add_compare,
         concern="cognitive")
def _compare_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    report, tables = comparison_report(cfg)
    for name, table in zip(COMPARISON_TABLES, tables, strict=True):
        table.write(Path(args.tables) / f"{name}.csv")
    report.write(args.out)
    for size, s in report.data["c8"].items():
        log.info("N=%s: distance to FC over tasks: CordsNet %.3f, low-rank %.3f, sparse %.3f (floor %.3f, ceiling "
                 "%.3f)", size, s["cordsnet"], s["lowrank"], s["sparse"], s["floor"], s["ceiling"])
    return 0


COMPARISON_TABLES = ("table_s1", "table_s2", "cognitive_performance")


def _add_attractors(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="JSON path; the arrays go to a .npz beside it")
    p.add_argument("--table", required=True, help="CSV path of the shapes table (.md and .provenance.json beside)")


def attractor_table(report: Report) -> Table:
    d = report.data
    rows = [{"variant": v.removeprefix("memorypro_"), "expected": m["expected"], "found": m["found"],
             "correct (%)": percent(m["correct"]), "neighbours kept": round(m["neighbours"], 3),
             "closure": round(m["closure"], 2),
             "PC1 variance": round(m["pc_variance"][0], 3), "PC2 variance": round(m["pc_variance"][1], 3),
             "fixed points": m["fixed_points"], "distinct fixed points": m["distinct_fixed_points"],
             "probes": m["probes"], "median speed": f"{m['median_speed']:.2e}",
             "readout alignment, delay": round(m["alignment_delay"], 3),
             "readout alignment, response": round(m["alignment_response"], 3),
             "alignment of a random direction": round(m["alignment_chance"], 3)} for v, m in d["variants"].items()]
    crit = d["criteria"]
    return Table(rows, d["provenance"], "Fig 1D / S3: what the MemoryPro networks store in the delay",
                 f"CordsNet networks of {d['size']} units, one per variant, probed with {d['probes']} stimuli "
                 f"spanning the range. Points: 2 to {crit['max_points']} distinct fixed points (speed < "
                 f"{crit['speed_tol']:g}, merged within {crit['merge']:g} of the states' spread), fewer than half "
                 f"the probes; else ring: neighbours kept >= {crit['ring_neighbours']} and closure <= "
                 f"{crit['ring_closure']}; "
                 f"else line: PC1 >= {crit['line_pc1']}; "
                 "else other. Readout alignment: fraction of the across-stimulus variance in the subspace the response "
                 "outputs (ring and magnitude) read; a random direction has the last column's share.")


@command("cognitive-attractors", "fixed points and shapes of the MemoryPro variant networks (Fig 1D / S3)",
         _add_attractors, concern="cognitive")
def _attractors_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    report = attractor_report(cfg)
    attractor_table(report).write(args.table)
    report.write(args.out)
    for v, m in report.data["variants"].items():
        log.info("%s: found %s (expected %s): neighbours kept %.2f, closure %.1f, PC1 %.2f, %d distinct fixed "
                 "points", v, m["found"], m["expected"], m["neighbours"], m["closure"], m["pc_variance"][0],
                 m["distinct_fixed_points"])
    return 0
