"""The stage graph of the staged training: one :class:`Stage` record per stage, in :data:`STAGE_TABLE` (no torch
import, so the Snakefile reads it in milliseconds).

    cnn -> fold -> init_linear -> linear_rnn -> anneal -> finetune -> {direct, fcrnn}
                                                         anneal -> {rcnn, early_readout}

Every seed of ``run.seeds`` beyond the main one trains the stages marked ``seeded`` again, in its own folder
(``Layout.stage_dir(..., seed)``): Table 1's whole chain (cnn -> ... -> finetune -> {direct, fcrnn}), so that a
seed's spread covers every stage a claim's quantity depends on (its own CNN, folding and steady-state fit).

The last two are not Table 1's: they are the trained models of the temporal analyses (Fig 3B-D, Fig 4B), each the
fine-tuning stage with one thing changed, so that a difference between them and the fine-tuned CordsNet is that
thing alone. The tuples below (``STAGES``, ``SEEDED_STAGES``, ...) are views of the table, never lists of their own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cordsnet.concerns import STAGE_SECTIONS

_SHARED = ("checkpoint_every", "eval_batch_size", "validation_evaluations", "eval_max_images")
_IN_TIME = ("loss_ramp", "warmup_gradient")
_PENALTY = ("spontaneous_weight", "penalty_reduce")


@dataclass(frozen=True)
class Stage:
    """What a stage of the staged training is: where it sits in the graph, what it reads, how it runs."""

    name: str
    step: str
    """its step in the paper's recipe (REFERENCE.md section 2), or its role"""
    previous: str | None
    """the stage whose outputs it reads (the controls read the finetune metrics only, for their budget)"""
    training_keys: tuple[str, ...]
    """the keys of the ``training`` section it reads: a change of any other key does not re-run it"""
    settings: str | None
    """the ``training.<settings>`` block of its optimiser (``controls`` for the controls; None: nothing trained)"""
    model: str
    """what its checkpoint holds: ``cnn``, ``folded`` (the CNN with batch norm folded), ``cordsnet`` or ``fcrnn``"""
    runner: str
    """``module:function`` that runs it (imported on use, so the graph stays torch-free)"""
    table1: bool = True
    """a stage of Table 1 (else trained for the temporal analyses)"""
    seeded: bool = False
    """trained again for every seed of ``run.seeds`` (Table 1's spread, the claims' seeds); else the main seed's"""
    simulated: bool = False
    """simulates in time (and reads the ``simulation`` section)"""
    budget: bool = False
    """its simulated image-steps make up the controls' training budget"""
    control: bool = False
    """a control of Table 1: trained from random initialisation with the method's budget (``training.controls``)"""
    same_start: bool = False
    """it starts from its predecessor's kept model, run under the same protocol (annealing's slope 1 is the identity
    of the linear RNN): its start score is the predecessor's validation score, not a second pass over the split"""

    def runner_function(self) -> Callable[[Any], dict[str, Any] | None]:
        module, function = self.runner.split(":")
        return getattr(importlib.import_module(module), function)


_RUNNERS = "cordsnet.training.runners"
STAGE_TABLE: dict[str, Stage] = {s.name: s for s in (
    Stage("cnn", "s1: CNN counterpart with batch norm", None, ("cnn", "lr_rounds") + _SHARED, "cnn", "cnn",
          f"{_RUNNERS}:train_cnn", seeded=True),
    Stage("fold", "s1b: batch norm folded into weights and per-unit biases (exact)", "cnn", _SHARED, None, "folded",
          f"{_RUNNERS}:fold_cnn", seeded=True),
    Stage("init_linear", "s2: linear RNN initialised by steady-state matching", "fold",
          ("init_linear", "steady_state_iterations", "steady_state_target", "contraction_weight",
           "contraction_iterations") + _SHARED, "init_linear", "cordsnet",
          "cordsnet.training.steady_state:fit_linear_rnn", seeded=True, simulated=True, budget=True),
    Stage("linear_rnn", "s3: linear RNN trained in time", "init_linear", ("linear_rnn",) + _IN_TIME + _SHARED,
          "linear_rnn", "cordsnet", f"{_RUNNERS}:train_linear_rnn", seeded=True, simulated=True, budget=True,
          same_start=True),
    Stage("anneal", "s4: PReLU slope annealed 1 -> 0, spontaneous penalty added", "linear_rnn",
          ("anneal", "anneal_hold") + _PENALTY + _IN_TIME + _SHARED, "anneal", "cordsnet",
          f"{_RUNNERS}:anneal", seeded=True, simulated=True, budget=True, same_start=True),
    Stage("finetune", "s5: ReLU model fine-tuned", "anneal", ("finetune",) + _PENALTY + _IN_TIME + _SHARED,
          "finetune", "cordsnet", f"{_RUNNERS}:finetune", seeded=True, simulated=True, budget=True,
          same_start=True),
    Stage("direct", "control: CordsNet from random initialisation, the method's budget", "finetune",
          ("controls",) + _PENALTY + _IN_TIME + _SHARED, "controls", "cordsnet", f"{_RUNNERS}:train_direct",
          seeded=True, simulated=True, control=True),
    Stage("fcrnn", "control: parameter-matched fully-connected RNN, the same budget and protocol", "finetune",
          ("controls",) + _PENALTY + _IN_TIME + _SHARED, "controls", "fcrnn", f"{_RUNNERS}:train_fcrnn",
          seeded=True, simulated=True, control=True),
    Stage("rcnn", "temporal analyses: s5 with alpha = 1, the discrete-time recurrent CNN (Fig 3B-D)", "anneal",
          ("finetune",) + _PENALTY + _IN_TIME + _SHARED, "finetune", "cordsnet", f"{_RUNNERS}:train_rcnn",
          table1=False, simulated=True),
    Stage("early_readout", "temporal analyses: s5 read out early after onset (Fig 4B)", "anneal",
          ("finetune", "early_readout_steps") + _PENALTY + _IN_TIME + _SHARED, "finetune", "cordsnet",
          f"{_RUNNERS}:train_early_readout", table1=False, simulated=True),
)}
"""Every stage, in the order they run."""

ALL_STAGES = tuple(STAGE_TABLE)
STAGES = tuple(n for n, s in STAGE_TABLE.items() if s.table1)
"""Table 1's stages."""
ANALYSIS_STAGES = tuple(n for n, s in STAGE_TABLE.items() if not s.table1)
"""Trained for the temporal analyses, from the annealed model with the fine-tuning stage's settings and budget."""
PREVIOUS = {n: s.previous for n, s in STAGE_TABLE.items() if s.previous is not None}
BUDGET_STAGES = tuple(n for n, s in STAGE_TABLE.items() if s.budget)
CONTROLS = tuple(n for n, s in STAGE_TABLE.items() if s.control)
SEEDED_STAGES = tuple(n for n, s in STAGE_TABLE.items() if s.seeded)
"""Stages trained again for every seed of ``run.seeds``: Table 1's whole chain, CNN to controls (docs/training.md).
The temporal analyses' models (rcnn, early_readout) are the main seed's."""
SIMULATED = tuple(n for n, s in STAGE_TABLE.items() if s.simulated)
STAGE_TRAINING_KEYS = {n: s.training_keys for n, s in STAGE_TABLE.items()}


def stage(name: str) -> Stage:
    """The record of stage ``name``, or an error listing the stages."""
    if name not in STAGE_TABLE:
        raise ValueError(f"unknown stage '{name}'; stages are {ALL_STAGES}")
    return STAGE_TABLE[name]


def stage_sections(name: str) -> tuple[str, ...]:
    """The configuration sections stage ``name`` reads."""
    return STAGE_SECTIONS + (("simulation",) if stage(name).simulated else ())


def extra_seeds(cfg: dict) -> list[int]:
    """The seeds of ``run.seeds`` other than the main one, in order."""
    return [s for s in cfg["run"].get("seeds", [cfg["run"]["seed"]]) if s != cfg["run"]["seed"]]


def seeded_rows(cfg: dict) -> list[tuple[str, int]]:
    """(dataset, depth) of the rows trained for every seed (``run.seed_depths``, null: every depth)."""
    chosen = cfg["run"].get("seed_depths")
    depths = [n for n in cfg["model"]["depths"] if chosen is None or n in chosen]
    return [(d, n) for d in cfg["data"]["datasets"] for n in depths
            if (d, n) not in imported_rows(cfg)] if extra_seeds(cfg) else []


def row_seeds(cfg: dict, dataset: str, depth: int) -> list[int | None]:
    """The seeds a row's seeded stages were trained for, as ``Layout.stage_dir`` takes them: None (the main seed)
    first, then the extra seeds when the row is seeded."""
    if (dataset, int(depth)) in imported_rows(cfg):
        return [None]
    return [None] + (extra_seeds(cfg) if (dataset, int(depth)) in seeded_rows(cfg) else [])


def imported_rows(cfg: dict) -> dict[tuple[str, int], str]:
    """(dataset, depth) -> the release file of each model taken from the authors' release (``model.imported``): its
    fine-tuned model is imported, nothing of its chain is trained here."""
    return {(m["dataset"], int(m["depth"])): m["path"] for m in cfg["model"].get("imported", [])}


def trained_stages(cfg: dict, dataset: str, depth: int, stages=STAGES) -> tuple[str, ...]:
    """The stages of ``stages`` a row has: all of them, or only the fine-tuned model of an imported row."""
    return ("finetune",) if (dataset, int(depth)) in imported_rows(cfg) else tuple(stages)


def require_seeded(stage: str) -> None:
    """Refuse another seed's copy of a stage that is trained once (the temporal analyses' models)."""
    if not STAGE_TABLE[stage].seeded:
        raise ValueError(f"stage '{stage}' is trained once, for the main seed; the stages trained per seed of "
                         f"run.seeds are {SEEDED_STAGES}")


def stage_seed_dir(stage: str, seed: int | None) -> int | None:
    """The seed folder a stage of seed ``seed``'s chain lives in: its own for the seeded stages, the main run's for
    the others."""
    return seed if STAGE_TABLE[stage].seeded else None


def solution_row(cfg: dict) -> tuple[str, int]:
    """The dataset and depth of Fig 4B-C (``temporal.solution_dataset``, by default the first dataset, and
    ``temporal.solution_depth``, by default R4 when it is trained, else the deepest): the one row that trains the
    early-readout model."""
    t, depths = cfg["temporal"], cfg["model"]["depths"]
    depth = t["solution_depth"] or (4 if 4 in depths else max(depths))
    return t["solution_dataset"] or cfg["data"]["datasets"][0], depth


def early_readout_steps(cfg: dict) -> int:
    """``training.early_readout_steps``, by default 40% of the stimulus window (at least the readout window)."""
    sim, value = cfg["simulation"], cfg["training"]["early_readout_steps"]
    return value if value is not None else max(sim["readout_steps"], round(0.4 * sim["stimulus_steps"]))


def analysis_models(cfg: dict) -> list[tuple[str, int, str]]:
    """(dataset, depth, stage) of every model the temporal analyses need beyond Table 1's: the RCNN of every row,
    the early-readout model of the solution row."""
    rows = [(d, n, "rcnn") for d in cfg["data"]["datasets"] for n in cfg["model"]["depths"]]
    return rows + [(*solution_row(cfg), "early_readout")]


def stage_config(cfg: dict, stage: str, seed: int | None = None) -> dict:
    """The part of a configuration that ``stage`` reads: what its rule passes, and what its provenance records.

    So that changing, say, ``training.finetune.lr`` re-runs the fine-tuning stage and what reads its outputs (the
    controls, whose budget it sets), and not the CNNs; adding a dataset or a depth re-runs nothing that exists.
    """
    out = {"run": {k: cfg["run"][k] for k in ("name", "seed", "device", "scale")},  # not threads: same numbers
           "paths": cfg["paths"],
           # the prepared data is an input; the validation split is chosen when the stage loads it
           "data": {k: cfg["data"][k] for k in ("image_size", "augmentation", "validation")},
           # the depth is the job's own; imported models are not trained (the import rule reads them)
           "model": {k: v for k, v in cfg["model"].items() if k not in ("depths", "imported")},
           "training": {k: cfg["training"][k] for k in STAGE_TRAINING_KEYS[stage]}}
    if STAGE_TABLE[stage].simulated:
        out["simulation"] = cfg["simulation"]
    if seed is not None:  # another seed's copy of a seeded stage (``run.seeds``)
        require_seeded(stage)
        out["run"]["seed"] = int(seed)
    return out
