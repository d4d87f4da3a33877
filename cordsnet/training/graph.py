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
