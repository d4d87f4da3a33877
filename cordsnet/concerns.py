"""The paper's concerns as the workflow sees them: one entry per rule file, DVC stage, notebook and schema section.

Snakemake (``workflow/rules/common.smk``) takes each rule's configuration slice from here, the figures rule takes
each concern's notebook and figures from here, and the tests check that ``dvc.yaml`` declares the same parameters
and code for every concern and that each concern has its rule file, notebook and schema section: adding an
analysis means adding one entry here and the files it names (docs/adding-an-analysis.md). Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concern:
    name: str
    """rule file ``workflow/rules/<name>.smk``, Snakemake target ``<name>``, DVC stage ``<name>@<scale>``"""
    paper: str
    """the figures and tables of the paper it reproduces"""
    sections: tuple[str, ...]
    """configuration sections its rules pass to the library (the rules' ``params``: a change re-runs them)"""
    params: tuple[str, ...]
    """configuration keys whose change must re-run it under DVC (``dvc.yaml`` ``params``; where and how it runs,
    ``paths`` and ``run.threads``, are not among them)"""
    code: tuple[str, ...]
    """library paths its jobs run (``dvc.yaml`` ``deps``)"""
    notebook: str | None = None
    """``notebooks/<notebook>.ipynb``, executed by papermill into ``<results>/notebooks/``"""
    figures: tuple[str, ...] = ()
    """``<results>/figures/<name>.{png,pdf}`` written by the notebook, each with a caption in workflow/report/"""
    modules: tuple[str, ...] = ()
    """the modules that register its CLI commands (:func:`cordsnet.commands.command`); the CLI imports them"""
    checks: str | None = None
    """the torch-free module whose ``check(cfg, given)`` holds its cross-key configuration checks
    (:func:`cordsnet.config.check_consistency` runs it)"""


STAGE_SECTIONS = ("run", "paths", "data", "model", "training")
"""The configuration sections every training stage reads (``training.graph.stage_config`` passes them; a simulated
stage also reads ``simulation``)."""


CONCERNS: dict[str, Concern] = {
    c.name: c
    for c in (
        Concern("data", "data of Table 1", ("run", "paths", "data"), ("data",), ("cordsnet/data",),
                modules=("cordsnet.data.prepare",)),
        Concern("compute", "Fig 2 (parameters and MACs per step)", ("run", "compute"), ("compute",),
                ("cordsnet/compute", "cordsnet/models", "cordsnet/engine"),
                notebook="compute", figures=("compute",), modules=("cordsnet.compute.analysis",)),
        Concern("training", "Fig 2 (method), Table 1, S4; the temporal analyses' models",
                ("run", "paths", "data", "model", "simulation", "training"),
                ("run.seed", "run.seeds", "run.seed_depths", "data", "model", "simulation", "training",
                 "temporal.solution_dataset",
                 "temporal.solution_depth"),
                ("cordsnet/training", "cordsnet/training/table1.py", "cordsnet/models", "cordsnet/engine",
                 "cordsnet/data"),
                notebook="training",
                figures=("table1_accuracy", "stage_validation", "accuracy_over_time", "training_curves"),
                modules=("cordsnet.training.runners", "cordsnet.training.table1"), checks="cordsnet.training.settings"),
        Concern("dynamics", "Fig 1B, Fig 4A, Fig S1", ("run", "dynamics"), ("run.seed", "dynamics"),
                ("cordsnet/dynamics", "cordsnet/dynamics/analysis.py", "cordsnet/models"),
                notebook="dynamics", figures=("eigenvalues", "singular_values", "regimes"),
                modules=("cordsnet.dynamics.analysis",)),
        Concern("temporal", "Fig 3A-D, Fig 4B-C (claims C4, C5)",
                ("run", "paths", "data", "model", "simulation", "training", "temporal"),
                ("run.seed", "data", "model", "simulation", "training", "temporal"),
                ("cordsnet/temporal/noise.py", "cordsnet/temporal/analysis.py", "cordsnet/temporal/tables.py",
                 "cordsnet/engine", "cordsnet/models", "cordsnet/dynamics", "cordsnet/training"),
                notebook="temporal",
                figures=("feature_map", "sequences", "noise_activation_error", "noise_accuracy", "solutions",
                         "autonomous"),
                modules=("cordsnet.temporal.noise", "cordsnet.temporal.analysis", "cordsnet.temporal.tables"),
                checks="cordsnet.temporal.settings"),
        Concern("cognitive", "Fig 1C, Fig 1D / S3, Tables S1-S2 (claim C8)", ("run", "paths", "cognitive"),
                ("run.seed", "cognitive"),
                ("cordsnet/tasks", "cordsnet/cognitive", "cordsnet/cognitive/analysis.py"),
                notebook="cognitive", figures=("task_performance", "procrustes", "attractors"),
                modules=("cordsnet.cognitive.analysis",), checks="cordsnet.cognitive.settings"),
        Concern("multiarea", "Fig 5 (claim C9)", ("run", "paths", "data", "model", "simulation", "multiarea"),
                ("run.seed", "data", "model", "simulation", "multiarea"),
                ("cordsnet/multiarea", "cordsnet/multiarea/analysis.py", "cordsnet/cognitive", "cordsnet/engine",
                 "cordsnet/models"),
                notebook="multiarea", figures=("multiarea_tasks", "multiarea_performance"),
                modules=("cordsnet.multiarea.analysis",), checks="cordsnet.multiarea.settings"),
        Concern("neural", "Fig 6 (claim C10)", ("run", "paths", "data", "model", "simulation", "neural"),
                ("run.seed", "data", "model", "simulation", "neural"),
                ("cordsnet/neural", "cordsnet/neural/analysis.py", "cordsnet/engine", "cordsnet/models"),
                notebook="neural", figures=("neural_time_courses", "neural_predictivity", "neural_comparison"),
                modules=("cordsnet.neural.analysis",), checks="cordsnet.neural.settings"),
        Concern("ablation", "Table S5 (claim C11)",
                ("run", "paths", "data", "model", "simulation", "training", "ablation"),
                ("run.seed", "data", "model", "simulation", "training", "ablation"),
                ("cordsnet/ablation", "cordsnet/ablation/analysis.py", "cordsnet/training", "cordsnet/engine",
                 "cordsnet/models"),
                notebook="ablation", figures=("ablation_solutions",), modules=("cordsnet.ablation.analysis",),
                checks="cordsnet.ablation.settings"),
        Concern("claims", "the replication scorecard, claims C1-C11", ("run", "paths", "data", "model", "claims"),
                ("run.seed", "run.seeds", "data.datasets", "model.depths", "claims"),
                ("cordsnet/claims",),
                notebook="claims", figures=("claims_scorecard",), modules=("cordsnet.claims.analysis",)),
    )
}

RUN_COMMANDS = ("cordsnet.workflow_summary",)
"""modules registering commands about the run itself, of no concern (``workflow-summary``)"""


def command_modules() -> list[str]:
    """Every module that registers a CLI command: each concern's, then the run's."""
    return [m for c in CONCERNS.values() for m in c.modules] + list(RUN_COMMANDS)
