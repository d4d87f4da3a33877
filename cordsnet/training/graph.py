"""The stage graph of the staged training (no torch import, so the Snakefile can read it in milliseconds).

    cnn -> fold -> init_linear -> linear_rnn -> anneal -> finetune -> {direct, fcrnn}
                                                         anneal -> {rcnn, early_readout}

Every seed of ``run.seeds`` beyond the main one trains linear_rnn -> anneal -> finetune -> {direct, fcrnn} again
from the main seed's init_linear (``SEEDED_STAGES``), in its own folder (``Layout.stage_dir(..., seed)``).

The last two are not Table 1's: they are the trained models of the temporal analyses (Fig 3B-D, Fig 4B), each the
fine-tuning stage with one thing changed, so that a difference between them and the fine-tuned CordsNet is that
thing alone.
"""

from __future__ import annotations

STAGES = ("cnn", "fold", "init_linear", "linear_rnn", "anneal", "finetune", "direct", "fcrnn")
PREVIOUS = {"fold": "cnn", "init_linear": "fold", "linear_rnn": "init_linear", "anneal": "linear_rnn",
            "finetune": "anneal", "direct": "finetune", "fcrnn": "finetune", "rcnn": "anneal",
            "early_readout": "anneal"}
"""Which stage's outputs a stage reads (the controls read the finetune metrics only for its budget)."""
ANALYSIS_STAGES = ("rcnn", "early_readout")
"""Trained for the temporal analyses, from the annealed model with the fine-tuning stage's settings and budget:
``rcnn`` the discrete-time recurrent CNN (alpha = 1, Fig 3B-D), ``early_readout`` CordsNet read out early after
onset (``training.early_readout_steps``, Fig 4B)."""
ALL_STAGES = STAGES + ANALYSIS_STAGES
BUDGET_STAGES = ("init_linear", "linear_rnn", "anneal", "finetune")
"""The stages whose simulated image-steps make up the controls' training budget."""
CONTROLS = ("direct", "fcrnn")
"""The controls of Table 1: trained from random initialisation with the method's budget (``training.controls``)."""


SEEDED_STAGES = ("linear_rnn", "anneal", "finetune", "direct", "fcrnn")
"""Stages trained again for every seed of ``run.seeds`` (Table 1's spread): everything trained in time, and the
controls. The CNN, its folding and the steady-state fit are the main seed's, shared: the spread is that of the
recurrent training and of the controls, not of the CNN (docs/training.md)."""


def extra_seeds(cfg: dict) -> list[int]:
    """The seeds of ``run.seeds`` other than the main one, in order."""
    return [s for s in cfg["run"].get("seeds", [cfg["run"]["seed"]]) if s != cfg["run"]["seed"]]


def seeded_rows(cfg: dict) -> list[tuple[str, int]]:
    """(dataset, depth) of the rows trained for every seed (``run.seed_depths``, null: every depth)."""
    chosen = cfg["run"].get("seed_depths")
    depths = [n for n in cfg["model"]["depths"] if chosen is None or n in chosen]
    return [(d, n) for d in cfg["data"]["datasets"] for n in depths] if extra_seeds(cfg) else []


def row_seeds(cfg: dict, dataset: str, depth: int) -> list[int | None]:
    """The seeds a row's seeded stages were trained for, as ``Layout.stage_dir`` takes them: None (the main seed)
    first, then the extra seeds when the row is seeded."""
    return [None] + (extra_seeds(cfg) if (dataset, int(depth)) in seeded_rows(cfg) else [])


def require_seeded(stage: str) -> None:
    """Refuse another seed's copy of a stage that is trained once (the CNN, its folding, the steady-state fit)."""
    if stage not in SEEDED_STAGES:
        raise ValueError(f"stage '{stage}' is trained once, for the main seed; the stages trained per seed of "
                         f"run.seeds are {SEEDED_STAGES}")


def stage_seed_dir(stage: str, seed: int | None) -> int | None:
    """The seed folder a stage of seed ``seed``'s chain lives in: its own for the seeded stages, the main run's for
    the shared ones (the CNN, the folding, the steady-state fit)."""
    return seed if stage in SEEDED_STAGES else None


_SHARED = ("checkpoint_every", "eval_batch_size", "validation_evaluations")
_IN_TIME = ("loss_ramp", "warmup_gradient", "eval_max_images")
_PENALTY = ("spontaneous_weight", "penalty_reduce")
STAGE_TRAINING_KEYS: dict[str, tuple[str, ...]] = {
    "cnn": ("cnn", "lr_rounds") + _SHARED,
    "fold": _SHARED,
    "init_linear": ("init_linear", "steady_state_iterations", "steady_state_target", "contraction_weight",
                    "contraction_iterations", "eval_max_images") + _SHARED,
    "linear_rnn": ("linear_rnn",) + _IN_TIME + _SHARED,
    "anneal": ("anneal", "anneal_hold") + _PENALTY + _IN_TIME + _SHARED,
    "finetune": ("finetune",) + _PENALTY + _IN_TIME + _SHARED,
    "direct": ("controls",) + _PENALTY + _IN_TIME + _SHARED,
    "fcrnn": ("controls",) + _PENALTY + _IN_TIME + _SHARED,
    "rcnn": ("finetune",) + _PENALTY + _IN_TIME + _SHARED,
    "early_readout": ("finetune", "early_readout_steps") + _PENALTY + _IN_TIME + _SHARED,
}
"""The keys of the ``training`` section each stage reads: a change of any other key does not re-run it."""
SIMULATED = ("init_linear", "linear_rnn", "anneal", "finetune", "direct", "fcrnn") + ANALYSIS_STAGES
"""Stages that simulate in time (and read the ``simulation`` section); the CNN and the folding do not."""


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
           "model": {k: v for k, v in cfg["model"].items() if k != "depths"},  # the depth is the job's own
           "training": {k: cfg["training"][k] for k in STAGE_TRAINING_KEYS[stage]}}
    if stage in SIMULATED:
        out["simulation"] = cfg["simulation"]
    if seed is not None:  # another seed's copy of a seeded stage (``run.seeds``)
        require_seeded(stage)
        out["run"]["seed"] = int(seed)
    return out
