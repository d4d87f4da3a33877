"""CordsNet as the visual front end of a multi-area RNN (Fig 5, claim C9): four monkey tasks from the images.

- :func:`train_task` (``cordsnet multiarea-train --task T``): renders a training and a test bank of the task's
  trials, runs the frozen trained CordsNet through every trial's frames once (the cache), trains ``seeds``
  downstream networks on the training bank (resumable, deterministic per seed and step), and scores them on the test
  bank: accuracy against chance with a binomial test, accuracy per condition (the psychometric or tuning curve),
  and example trials with frames, targets, outputs and area activity.
- :func:`multiarea_table` (``cordsnet multiarea-table``): the table ``multiarea`` with every task's performance and
  the criterion used for "learned" (the scorecard reads it for C9).

Models: ``<results>/multiarea/models/<task>/`` (``Layout.multiarea_networks``). Outputs:
``<results>/multiarea/<task>.{json,npz}`` and ``<results>/tables/multiarea.{csv,md}`` (docs/multiarea.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from cordsnet.cognitive.fit import train
from cordsnet.cognitive.networks import Integration, simulate
from cordsnet.commands import command
from cordsnet.data.registry import dataset_info
from cordsnet.data.transforms import denormalise
from cordsnet.io import save_tensors, write_json
from cordsnet.layout import Layout
from cordsnet.multiarea import tasks as T
from cordsnet.multiarea.decoding import ladder, split_areas
from cordsnet.multiarea.frontend import bank_features, check_format
from cordsnet.multiarea.network import MultiAreaRNN
from cordsnet.multiarea.psychometrics import across_seeds, describe, fit_seed
from cordsnet.multiarea.settings import durations, frontend_row
from cordsnet.multiarea.targets import batch, correct, standardise
from cordsnet.multiarea.yardstick import yardstick
from cordsnet.provenance import record
from cordsnet.results import Report, Table
from cordsnet.trained import load_trained, test_subset

log = logging.getLogger("cordsnet")

CONDITION = {"numerosity": "number of dots", "numerosity_match": "numerical distance (test - sample)",
             "category": "morph fraction (0: prototype A, 1: B)", "odr": "cue location", "motion": "motion coherence"}
ANSWER = {"numerosity": "number of dots", "numerosity_match": "match or non-match",
          "category": "prototype (A or B)", "odr": "cue location", "motion": "motion direction"}
"""the variable the decoding ladder reads out: each task's answer"""
CURVE = {"numerosity_match": "P(answered match)", "category": "P(chose prototype B)"}
"""two-choice tasks whose curve is the fraction of second-choice answers rather than the fraction correct"""


def variant(cfg: dict[str, Any], task: str) -> str:
    """The task's variant: ``numerosity_match`` for the numerosity task in match mode, else the task."""
    return "numerosity_match" if task == "numerosity" and cfg["multiarea"]["numerosity"]["mode"] == "match" else task


def easy(task: str, bank: T.Bank) -> np.ndarray:
    """The trials the criterion is applied to: all, but the morphs near the boundary (category: fractions 0.2 or
    further from it), the lower coherences (motion: the highest coherence only) and the non-matches one dot off
    (numerosity match: matches and distances of 2)."""
    if task == "numerosity_match":
        return np.abs(bank.condition) != 1
    if task == "category":
        return np.abs(bank.condition - 0.5) >= 0.3 - 1e-9
    if task == "motion":
        return bank.condition == bank.condition.max()
    return np.ones(bank.trials, dtype=bool)


def prototypes(cfg: dict[str, Any], dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The category task's two prototypes: the first test image of each of ``multiarea.category.classes``."""
    images, labels, _ = test_subset(cfg, dataset, 10_000)
    out = []
    for c in cfg["multiarea"]["category"]["classes"]:
        where = torch.nonzero(labels == c).flatten()
        if not len(where):
            raise ValueError(f"multiarea.category.classes: class {c} has no test image in {dataset}")
        out.append(denormalise(images[where[:1]], dataset)[0].mean(0).numpy())
    return out[0], out[1]


def make_bank(cfg: dict[str, Any], task: str, split: str, size: int, protos) -> T.Bank:
    """The task's training or test bank, seeded by (run.seed, task, split)."""
    m = cfg["multiarea"]
    n = m["train_trials"] if split == "train" else m["test_trials"]
    rng = np.random.default_rng([cfg["run"]["seed"], T.TASKS.index(task), 0 if split == "train" else 1])
    d = durations(m, task)
    if task == "numerosity":
        k = m["numerosity"]
        make = T.numerosity_match if k["mode"] == "match" else T.numerosity
        return make(n, size, rng, d, k["max_dots"], k["radius"], k["equal_area_fraction"])
    if task == "category":
        return T.category(n, protos, rng, d, m["category"]["fractions"])
    if task == "odr":
        return T.odr(n, size, rng, d, m["odr"]["locations"], m["odr"]["eccentricity"])
    k = m["motion"]
    return T.motion(n, size, rng, d, k["coherences"], k["frame_ms"], k["dots"], k["step"], k["dot_px"])


def seeds(cfg: dict[str, Any]) -> list[int]:
    return [cfg["run"]["seed"] + i for i in range(cfg["multiarea"]["seeds"])]


def integration(m: dict[str, Any]) -> Integration:
    return Integration(alpha=m["dt_ms"] / m["tau_ms"], activation="relu", sigma_in=m["sigma_in"],
                    sigma_rec=m["sigma_rec"])


def per_condition(ok: np.ndarray, bank: T.Bank, choice: np.ndarray) -> dict[str, Any]:
    """Accuracy per condition value, and (two-choice tasks) the fraction of 'B' / 'right' answers."""
    values = np.unique(bank.condition)
    out = {"values": values.tolist(), "accuracy": [float(ok[bank.condition == v].mean()) for v in values],
           "trials": [int((bank.condition == v).sum()) for v in values]}
    if bank.n_choices == 2:
        out["chose_second"] = [float((choice[bank.condition == v] == 1).mean()) for v in values]
    return out


def train_task(cfg: dict[str, Any], task: str) -> tuple[dict[str, Any], Report]:
    """Train and evaluate the downstream networks of one task; returns the metrics and the report."""
    from scipy.stats import binomtest

    m, sim = cfg["multiarea"], cfg["simulation"]
    L = Layout.from_config(cfg)
    dataset, depth, stage = frontend_row(cfg)
    front = load_trained(cfg, dataset, depth, stage)
    info = dataset_info(dataset)
    size = front.arch.image_size
    check_format(front, info.channels, size, "multiarea.frontend")
    protos = prototypes(cfg, dataset) if task == "category" else None
    banks = {split: make_bank(cfg, task, split, size, protos) for split in ("train", "test")}
    areas = [a % depth for a in m["frontend"]["areas"]]
    dt_front = cfg["model"]["alpha"] * m["frontend"]["tau_ms"]
    pool = round(m["dt_ms"] / dt_front)
    t0 = time.perf_counter()
    # every area once (the decoding ladder reads them all); the downstream network gets the configured ones
    names = [f"front-end area {a}" for a in range(depth)]
    channels = [front.arch.areas[a].channels * m["frontend"]["pool"] ** 2 for a in range(depth)]
    every = {split: split_areas(bank_features(front, b.frames, b.segment_ms, dt_front, pool, list(range(depth)),
                                              sim["spontaneous_steps"], info.mean, info.std,
                                              pool=m["frontend"]["pool"]), channels, names)
             for split, b in banks.items()}
    feats = {split: np.concatenate([f[names[a]] for a in areas], axis=2) for split, f in every.items()}
    frontend_seconds = time.perf_counter() - t0
    train_x, mean, std = standardise(feats["train"])
    test_x, _, _ = standardise(feats["test"], mean, std)
    bank = banks["train"]
    run_seeds = seeds(cfg)
    log.info("%s: front end CordsNet-R%d %s (%s) areas %s, %d + %d trials of %d steps in %.1f s; %d seeds",
             task, depth, dataset, stage, areas, bank.trials, banks["test"].trials, train_x.shape[1],
             frontend_seconds, len(run_seeds))
    net = MultiAreaRNN(run_seeds, train_x.shape[2] + 1, m["sizes"], 1 + bank.n_choices, m["feedback"], m["gain"])
    networks = nn.ModuleList([net])
    dyn = integration(m)

    def batch_fn(step: int):
        return [batch(bank, train_x, np.random.default_rng([s, step]).choice(bank.trials, m["batch_size"]),
                      m["dt_ms"], m["grace_ms"]) for s in run_seeds]

    def evaluate(x: np.ndarray, b: T.Bank) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        index = np.arange(b.trials)
        one = batch(b, x, index, m["dt_ms"], m["grace_ms"])
        inputs = torch.from_numpy(np.repeat(one.inputs[None], len(run_seeds), 0))
        with torch.no_grad():
            rates, out = simulate(list(networks), inputs, dyn, noise_seed=cfg["run"]["seed"] + 99)
        ok = np.stack([correct(o, b, index, m["dt_ms"], m["grace_ms"]) for o in out.numpy()])
        return ok, out.numpy(), rates.numpy()

    def monitor(step: int) -> dict[str, Any]:
        ok, _, _ = evaluate(train_x[: m["monitor_trials"]], _head(bank, m["monitor_trials"]))
        return {"train_correct": ok.mean(1).tolist()}

    out_dir = L.multiarea_networks(task)
    t1 = time.perf_counter()
    history = train(networks, batch_fn, dyn, m["steps"], m["lr"], cfg["run"]["seed"], out_dir / "train_state.pt",
                    m["checkpoint_every"], m["rate_penalty"], monitor, max(1, m["steps"] // m["evaluations"]))
    train_seconds = time.perf_counter() - t1
    test = banks["test"]
    ok, outputs, rates = evaluate(test_x, test)
    chance = 1.0 / test.n_choices
    choice = outputs[:, -1, :, 1:].argmax(2)
    kind = variant(cfg, task)
    easy_mask = easy(kind, test)
    per_seed = []
    for s, seed in enumerate(run_seeds):
        k = int(ok[s].sum())
        per_seed.append({"seed": seed, "correct": float(ok[s].mean()), "easy_correct": float(ok[s][easy_mask].mean()),
                         "p_vs_chance": float(binomtest(k, test.trials, chance, alternative="greater").pvalue),
                         "conditions": per_condition(ok[s], test, choice[s])})
    learned = all(p["easy_correct"] >= m["criterion"] and p["p_vs_chance"] < 1e-3 for p in per_seed)
    updates = m["steps"] * m["batch_size"] * len(run_seeds)
    metrics = {"task": task, "seeds": run_seeds, "test_trials": test.trials, "chance": chance,
               "criterion": m["criterion"], "learned": learned, "per_seed": per_seed,
               "variant": kind, "condition": CONDITION[kind], "curve": CURVE.get(kind, "fraction correct"),
               "n_choices": test.n_choices,
               "frontend": {"dataset": dataset, "depth": depth, "stage": stage, "areas": areas,
                            "features": int(train_x.shape[2]), "dt_ms": dt_front, "seconds": frontend_seconds,
                            "trials": bank.trials + test.trials,
                            "seconds_per_trial": frontend_seconds / (bank.trials + test.trials),
                            "trials_without_cache": updates},
               "train_seconds": train_seconds, "periods_ms": test.periods, "dt_ms": m["dt_ms"],
               "history": [h for h in history if "monitor" in h]}
    metrics["provenance"] = record(m, seed=cfg["run"]["seed"], scale=cfg["run"]["scale"],
                                   data={"kind": f"rendered {task} stimuli (cordsnet.multiarea.stimuli)",
                                         "frontend_dataset": dataset},
                                   extra={"inputs": [str(L.checkpoint(dataset, depth, stage))]
                                          + ([str(L.prepared_split(dataset, "test"))] if protos else [])})
    metrics["psychometrics"] = across_seeds([fit_seed(kind, p["conditions"], m["numerosity"]["max_dots"])
                                             for p in per_seed])
    if kind == "numerosity":  # the animals' yardstick beside the declared criterion (docs/multiarea.md)
        metrics["yardstick"] = yardstick([p["correct"] for p in per_seed], m["numerosity"]["max_dots"],
                                         m["criterion"])
    downstream = {f"downstream area {k} ({n} units)": rates[0][:, :, s].transpose(1, 0, 2)
                  for k, (n, s) in enumerate(zip(m["sizes"], net.area_slices(), strict=True))}
    t2 = time.perf_counter()
    metrics["decoding"] = ladder(test.frames, test.segment_ms, every["test"], downstream, test.target, test.periods,
                                 test.go_ms, m["dt_ms"], seed=cfg["run"]["seed"])
    metrics["decoding_seconds"] = time.perf_counter() - t2
    log.info("%s: decoding ladder %s", task, [(r["stage"], round(r["accuracy"], 3)) for r in metrics["decoding"]])
    save_tensors(out_dir / "checkpoint.pt", {"networks": networks.state_dict(), "seeds": run_seeds,
                                             "feature_mean": torch.from_numpy(mean),
                                             "feature_std": torch.from_numpy(std)})
    write_json(out_dir / "metrics.json", metrics)
    (out_dir / "train_state.pt").unlink(missing_ok=True)  # done: a later run with other settings starts afresh
    examples = _examples(test, outputs[0], rates[0], net, m["examples"])
    report = Report({k: v for k, v in metrics.items() if k != "history"} | {"examples": examples["index"].tolist()},
                    examples)
    log.info("%s: test %s (chance %.2f), easy trials %s, learned %s; front end %.1f s, training %.1f s", task,
             [round(p["correct"], 3) for p in per_seed], chance, [round(p["easy_correct"], 3) for p in per_seed],
             learned, frontend_seconds, train_seconds)
    return metrics, report


def _head(bank: T.Bank, n: int) -> T.Bank:
    return T.Bank(bank.task, bank.frames[:n], bank.segment_ms, bank.periods, bank.target[:n], bank.condition[:n],
                  bank.n_choices)


def _examples(bank: T.Bank, outputs: np.ndarray, rates: np.ndarray, net: MultiAreaRNN, n: int) -> dict[str, Any]:
    """Arrays of ``n`` example test trials of seed 0 (one per target where possible): frames, outputs, each area's
    mean rate and its first units."""
    index, seen = [], set()
    for i, t in enumerate(bank.target.tolist()):
        if t not in seen:
            seen.add(t)
            index.append(i)
        if len(index) == n:
            break
    index = np.asarray(index)
    slices = net.area_slices()
    return {"index": index, "frames": bank.frames[index], "segment_ms": np.asarray(bank.segment_ms),
            "target": bank.target[index], "condition": bank.condition[index],
            "outputs": outputs[:, index].transpose(1, 0, 2),
            "area_mean": np.stack([rates[:, index, s].mean(2) for s in slices], axis=2).transpose(1, 0, 2),
            "area_units": np.stack([rates[:, index, s][..., :8] for s in slices], axis=2).transpose(1, 0, 2, 3)}


def multiarea_table(cfg: dict[str, Any], reports: dict[str, dict[str, Any]], inputs: list[str]) -> Table:
    m = cfg["multiarea"]
    rows = []
    for task, r in reports.items():
        ps = r["per_seed"]
        rows.append({"task": task, "variant": r["variant"], "choices": r["n_choices"],
                     "chance (%)": round(100 * r["chance"], 1),
                     "test trials": r["test_trials"], "seeds": len(ps),
                     "correct (%)": round(100 * float(np.mean([p["correct"] for p in ps])), 1),
                     "worst seed (%)": round(100 * min(p["correct"] for p in ps), 1),
                     "easy trials correct (%)": round(100 * float(np.mean([p["easy_correct"] for p in ps])), 1),
                     "max p vs chance": float(f"{max(p['p_vs_chance'] for p in ps):.2g}"),
                     "learned": "yes" if r["learned"] else "no",
                     "psychometric fit (mean [95% CI] over seeds)": describe(r["psychometrics"])
                     if r.get("psychometrics") else None})
    prov = record(m, seed=cfg["run"]["seed"], scale=cfg["run"]["scale"], data={"kind": "rendered task stimuli"},
                  extra={"inputs": inputs})
    return Table(rows, prov, "Fig 5: the multi-area RNN on four image-based tasks, CordsNet as its front end",
                 f"Fraction of fresh test trials correct (fixation held to the go cue, then the largest choice output "
                 f"right), mean over seeds. Learned = every seed at or above {m['criterion']:.0%} on the task's easy "
                 "trials (all trials; numerosity match-to-sample: matches and non-matches two dots off; category: "
                 "morphs 0.3 or more from the boundary; motion: the highest coherence) and above chance by a "
                 "one-sided binomial test at p < 0.001 on all test trials.")


def decoding_table(cfg: dict[str, Any], reports: dict[str, dict[str, Any]], inputs: list[str]) -> Table:
    """Fig 5's decoding ladder: per task and stage, the cross-validated linear read-out of the task's variable."""
    rows = []
    for task, r in reports.items():
        for d in r.get("decoding", []):
            rows.append({"task": task, "variable": ANSWER[r["variant"]],
                         "stage": d["stage"], "decoded (%)": round(100 * d["accuracy"], 1),
                         "95% CI": f"{100 * d['ci'][0]:.1f}-{100 * d['ci'][1]:.1f}",
                         "chance (%)": round(100 * r["chance"], 1), "trials": d["trials"], "features": d["features"],
                         "folds": d["folds"]})
    prov = record(cfg["multiarea"], seed=cfg["run"]["seed"], scale=cfg["run"]["scale"],
                  data={"kind": "rendered task stimuli"}, extra={"inputs": inputs})
    return Table(rows, prov, "Fig 5: the decoding ladder, where each task's variable is kept or lost",
                 "A linear read-out (scikit-learn LogisticRegressionCV on standardised features, regularisation chosen "
                 "within each training fold) of each task's answer from the test trials at every stage: the stimulus "
                 "period's pixels, each front-end area of the frozen CordsNet (averaged over the stimulus period), "
                 "and the downstream network's areas (seed 0, averaged over the 100 ms before the go cue); "
                 "stratified K-fold cross-validation over the test trials, exact (Clopper-Pearson) 95% intervals.")


# -- commands (workflow/rules/multiarea.smk) ---------------------------------------------------------------------
def _add_train(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", required=True, choices=T.TASKS)
    p.add_argument("--out", required=True, help="JSON path of the task's report; the arrays go to a .npz beside it")


@command("multiarea-train", "train and test the multi-area RNN on one image-based task, CordsNet as its frozen "
         "front end (Fig 5, resumable)", _add_train, concern="multiarea")
def _train_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    _, report = train_task(cfg, args.task)
    report.write(args.out)
    return 0


def _add_table(p: argparse.ArgumentParser) -> None:
    p.add_argument("--table", required=True, help="CSV path of the table")
    p.add_argument("--decoding-table", required=True, help="CSV path of the decoding ladder's table")


@command("multiarea-table", "the table of the four tasks' performance and criterion (Fig 5, C9)", _add_table,
         concern="multiarea")
def _table_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    L = Layout.from_config(cfg)
    paths = [L.analysis("multiarea", task) for task in cfg["multiarea"]["tasks"]]
    reports = {task: json.loads(Path(p).read_text()) for task, p in zip(cfg["multiarea"]["tasks"], paths,
                                                                          strict=True)}
    multiarea_table(cfg, reports, [str(p) for p in paths]).write(args.table)
    decoding_table(cfg, reports, [str(p) for p in paths]).write(args.decoding_table)
    return 0
