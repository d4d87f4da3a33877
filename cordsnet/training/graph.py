"""The stage graph of the staged training (no torch import, so the Snakefile can read it in milliseconds).

    cnn -> fold -> init_linear -> linear_rnn -> anneal -> finetune -> {direct, fcrnn}
"""

from __future__ import annotations

STAGES = ("cnn", "fold", "init_linear", "linear_rnn", "anneal", "finetune", "direct", "fcrnn")
PREVIOUS = {"fold": "cnn", "init_linear": "fold", "linear_rnn": "init_linear", "anneal": "linear_rnn",
            "finetune": "anneal", "direct": "finetune", "fcrnn": "finetune"}
"""Which stage's outputs a stage reads (the controls read the finetune metrics only for its budget)."""
BUDGET_STAGES = ("init_linear", "linear_rnn", "anneal", "finetune")
"""The stages whose simulated image-steps make up the controls' training budget."""
CONTROLS = ("direct", "fcrnn")
"""The controls of Table 1: trained from random initialisation with the method's budget (``training.controls``)."""


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
}
"""The keys of the ``training`` section each stage reads: a change of any other key does not re-run it."""
SIMULATED = ("init_linear", "linear_rnn", "anneal", "finetune", "direct", "fcrnn")
"""Stages that simulate in time (and read the ``simulation`` section); the CNN and the folding do not."""


def stage_config(cfg: dict, stage: str) -> dict:
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
    return out
