"""The paper's concerns as the workflow sees them: one record per rule file, DVC stage, notebook and schema section.

Each :class:`Concern` says once what its jobs read and write. From it:

- Snakemake (``workflow/rules/common.smk``) takes each rule's configuration slice (``sections``) and the figures
  rule each concern's notebook and figures;
- the CLI imports the modules that register its commands (``modules``), and a command reads its concern's
  ``sections``, refused before any work when a slice lacks one;
- the configuration checker runs its cross-key checks (``checks``);
- ``dvc.yaml`` is generated (:mod:`cordsnet.dvcfile`): ``params``, ``code`` (+ :data:`FOUNDATION`) and ``reads`` as
  deps, ``outs`` and ``metrics`` as outputs. Tests check that ``code`` covers the import closure of ``modules`` and
  that the committed ``dvc.yaml`` is what the generator writes.

Adding an analysis means adding one record here and the files it names (docs/adding-an-analysis.md). Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass


def tables(*names: str) -> tuple[str, ...]:
    """The three files of each table (``tables/<name>.{csv,md,provenance.json}``), results-relative."""
    return tuple(f"tables/{n}.{ext}" for n in names for ext in ("csv", "md", "provenance.json"))


@dataclass(frozen=True)
class Concern:
    name: str
    """rule file ``workflow/rules/<name>.smk``, Snakemake target ``<name>``, DVC stage ``<name>@<scale>``"""
    paper: str
    """the figures and tables of the paper it reproduces"""
    sections: tuple[str, ...]
    """configuration sections its rules pass to the library (the rules' ``params``: a change re-runs them) and its
    commands require"""
    params: tuple[str, ...]
    """configuration keys whose change must re-run it under DVC (``dvc.yaml`` ``params``; where and how it runs,
    ``paths`` and ``run.threads``, are not among them)"""
    code: tuple[str, ...]
    """library paths its jobs run beyond :data:`FOUNDATION` (``dvc.yaml`` ``deps``): the import closure of its
    modules, checked by a test"""
    outs: tuple[str, ...] = ()
    """what its jobs write, relative to ``paths.results`` (``data:`` prefix: relative to ``paths.data``)"""
    reads: tuple[str, ...] = ()
    """other concerns' outputs it reads (same convention as ``outs``)"""
    metrics: tuple[str, ...] = ()
    """its DVC metrics files (results-relative), for ``dvc metrics show``"""
    targets: tuple[str, ...] = ()
    """the Snakemake targets its DVC stage builds (default: its own name)"""
    notebook: str | None = None
    """``notebooks/<notebook>.ipynb``, executed by papermill into ``<results>/notebooks/``"""
    figures: tuple[str, ...] = ()
    """``<results>/figures/<name>.{png,pdf}`` written by the notebook, each with a caption in workflow/report/"""
    modules: tuple[str, ...] = ()
    """the modules that register its CLI commands (:func:`cordsnet.commands.command`); the CLI imports them"""
    checks: str | None = None
    """the torch-free module whose ``check(cfg, given)`` holds its cross-key configuration checks
    (:func:`cordsnet.config.check_consistency` runs it)"""

    @property
    def snakemake_targets(self) -> tuple[str, ...]:
        return self.targets or (self.name,)


FOUNDATION = ("cordsnet/__init__.py", "cordsnet/commands.py", "cordsnet/concerns.py", "cordsnet/config.py",
              "cordsnet/schemas", "cordsnet/io.py", "cordsnet/layout.py", "cordsnet/provenance.py",
              "cordsnet/results.py", "cordsnet/tables.py", "cordsnet/device.py", "cordsnet/claims/__init__.py",
              "cordsnet/claims/verdicts.py")
"""The library's foundation, which every job runs: a DVC dependency of every stage."""

STAGE_SECTIONS = ("run", "paths", "data", "model", "training")
"""The configuration sections every training stage reads (``training.graph.stage_config`` passes them; a simulated
stage also reads ``simulation``)."""

_TRAINED = ("cordsnet/trained.py", "cordsnet/training", "cordsnet/models", "cordsnet/engine", "cordsnet/data")
"""what an analysis of trained models runs to load them"""

CONCERNS: dict[str, Concern] = {
    c.name: c
    for c in (
        Concern("data", "data of Table 1", ("run", "paths", "data"), ("data",), ("cordsnet/data",),
                outs=("data:prepared",), modules=("cordsnet.data.prepare",)),
        Concern("compute", "Fig 2 (parameters and MACs per step)", ("run", "compute"), ("compute",),
                ("cordsnet/compute", "cordsnet/models", "cordsnet/engine", "cordsnet/data"),
                outs=tables("compute"), notebook="compute", figures=("compute",),
                modules=("cordsnet.compute.analysis",)),
        Concern("training", "Fig 2 (method), Table 1, S4; the temporal analyses' models",
                ("run", "paths", "data", "model", "simulation", "training"),
                ("run.seed", "run.seeds", "run.seed_depths", "data", "model", "simulation", "training",
                 "temporal.solution_dataset", "temporal.solution_depth"),
                ("cordsnet/training", "cordsnet/models", "cordsnet/engine", "cordsnet/data"),
                outs=("models", "tables/table1.json") + tables("table1", "stages"), reads=("data:prepared",),
                metrics=("tables/table1.metrics.json",), targets=("training", "table1"), notebook="training",
                figures=("table1_accuracy", "stage_validation", "accuracy_over_time", "training_curves"),
                modules=("cordsnet.training.runners", "cordsnet.training.table1"),
                checks="cordsnet.training.settings"),
        Concern("dynamics", "Fig 1B, Fig 4A, Fig S1", ("run", "dynamics"), ("run.seed", "dynamics"),
                ("cordsnet/dynamics", "cordsnet/models", "cordsnet/engine", "cordsnet/data"),
                outs=("dynamics",), notebook="dynamics", figures=("eigenvalues", "singular_values", "regimes"),
                modules=("cordsnet.dynamics.analysis",)),
        Concern("temporal", "Fig 3A-D, Fig 4B-C (claims C4, C5)",
                ("run", "paths", "data", "model", "simulation", "training", "temporal"),
                ("run.seed", "data", "model", "simulation", "training", "temporal"),
                ("cordsnet/temporal", "cordsnet/dynamics") + _TRAINED,
                outs=("temporal",) + tables("noise_robustness", "noise_accuracy", "sequences", "solutions"),
                reads=("models",), notebook="temporal",
                figures=("feature_map", "sequences", "noise_activation_error", "noise_accuracy", "solutions",
                         "autonomous"),
                modules=("cordsnet.temporal.noise", "cordsnet.temporal.analysis", "cordsnet.temporal.tables"),
                checks="cordsnet.temporal.settings"),
        Concern("cognitive", "Fig 1C, Fig 1D / S3, Tables S1-S2 (claim C8)", ("run", "paths", "cognitive"),
                ("run.seed", "cognitive"), ("cordsnet/tasks", "cordsnet/cognitive"),
                outs=("cognitive",) + tables("table_s1", "table_s2", "cognitive_performance", "attractors"),
                notebook="cognitive", figures=("task_performance", "procrustes", "attractors"),
                modules=("cordsnet.cognitive.analysis",), checks="cordsnet.cognitive.settings"),
        Concern("multiarea", "Fig 5 (claim C9)", ("run", "paths", "data", "model", "simulation", "multiarea"),
                ("run.seed", "data", "model", "simulation", "multiarea"),
                ("cordsnet/multiarea", "cordsnet/cognitive", "cordsnet/tasks") + _TRAINED,
                outs=("multiarea",) + tables("multiarea", "multiarea_decoding"), reads=("models",),
                notebook="multiarea", figures=("multiarea_tasks", "multiarea_performance", "multiarea_decoding"),
                modules=("cordsnet.multiarea.analysis",),
                checks="cordsnet.multiarea.settings"),
        Concern("neural", "Fig 6 (claim C10)", ("run", "paths", "data", "model", "simulation", "neural"),
                ("run.seed", "data", "model", "simulation", "neural"), ("cordsnet/neural",) + _TRAINED,
                outs=("neural",) + tables("neural_prediction"), reads=("models",), notebook="neural",
                figures=("neural_time_courses", "neural_predictivity", "neural_comparison"),
                modules=("cordsnet.neural.analysis",), checks="cordsnet.neural.settings"),
        Concern("ablation", "Table S5 (claim C11)",
                ("run", "paths", "data", "model", "simulation", "training", "ablation"),
                ("run.seed", "data", "model", "simulation", "training", "ablation"),
                ("cordsnet/ablation", "cordsnet/dynamics") + _TRAINED,
                outs=("ablation",) + tables("ablation"), reads=("models",), notebook="ablation",
                figures=("ablation_solutions",), modules=("cordsnet.ablation.analysis",),
                checks="cordsnet.ablation.settings"),
        Concern("claims", "the replication scorecard, claims C1-C11",
                ("run", "paths", "data", "model", "multiarea", "claims"),
                ("run.seed", "run.seeds", "data.datasets", "model.depths", "claims"),
                ("cordsnet/claims", "cordsnet/training/__init__.py", "cordsnet/training/graph.py",
                 "cordsnet/training/table1.py"),
                outs=tables("claims") + ("tables/claims.json",),
                reads=("tables/table1.json", "models", "temporal", "dynamics", "cognitive", "multiarea", "neural",
                       "ablation"),
                metrics=("tables/claims.metrics.json",), notebook="claims",
                figures=("claims_forest", "claims_scorecard"),
                modules=("cordsnet.claims.analysis", "cordsnet.claims.power")),
    )
}

RUN_COMMANDS = ("cordsnet.workflow_summary", "cordsnet.authors", "cordsnet.classify")
"""modules registering commands of no concern: the run's summary (``workflow-summary``), the authors' released model
(``import-authors``, ``classify``)"""


def command_modules() -> list[str]:
    """Every module that registers a CLI command: each concern's, then the run's."""
    return [m for c in CONCERNS.values() for m in c.modules] + list(RUN_COMMANDS)
