# Shared helpers: the validated configuration (schema defaults filled in, identical to what the library sees), the
# results layout (cordsnet.layout, the one the library and the notebooks use), the concerns' configuration slices
# (cordsnet.concerns) and the command prefix every rule uses. Config values reach the shell only as quoted JSON
# (`{params.cfg:q}`), and each rule passes only its concern's sections, so Snakemake's params trigger re-runs
# exactly the steps a config change affects.
import json
import re
import sys

from cordsnet.concerns import CONCERNS
from cordsnet.config import config_slice, validate_config
from cordsnet.layout import Layout
from cordsnet.training.graph import (
    ALL_STAGES,
    BUDGET_STAGES,
    CONTROLS,
    PREVIOUS,
    SEEDED_STAGES,
    STAGES,
    analysis_models,
    extra_seeds,
    imported_rows,
    seeded_rows,
    trained_stages,
    solution_row,
    stage_config,
    stage_seed_dir,
)

CFG = validate_config(config)

# The rule files carry the reduced scales' resources; the paper scale's are Snakemake overrides in its workflow
# profile (workflow/profiles/paper). Without them a paper-scale job would ask a cluster for minutes, not days.
if CFG["run"]["scale"] == "paper" and "train_stage" not in (
        getattr(getattr(workflow, "resource_settings", None), "overwrite_resources", None) or {}):
    logger.warning("run.scale is 'paper' but the paper scale's resources are not set: add "
                   "`--workflow-profile workflow/profiles/paper` (docs/workflow.md, 'Resources per scale')")
L = Layout.from_config(CFG)
RESULTS = str(L.results)
LOGS = str(L.logs())
BENCH = str(L.benchmarks())
THREADS = CFG["run"]["threads"]
CLI = f"{sys.executable} -m cordsnet.cli"


def cfg_json(concern, seeds=False):
    """The configuration sections a concern's rules read, as JSON for `--config-json` (`run.seeds` and
    `run.seed_depths` only where `seeds`: Table 1 and the scorecard)."""
    return json.dumps(config_slice(CFG, *CONCERNS[concern].sections, seeds=seeds), sort_keys=True)


def stage_cfg_json(w):
    """What one training stage reads (cordsnet.training.graph.stage_config): its own settings, not its siblings';
    for another seed's copy (wildcard `seed`), that seed in run.seed."""
    return json.dumps(stage_config(CFG, w.stage, getattr(w, "seed", None)), sort_keys=True)


wildcard_constraints:
    dataset="mnist|fmnist|cifar10|cifar100|imagenet",
    tensor_dataset="mnist|fmnist|cifar10|cifar100",
    depth="2|4|6|8",


def prepared(dataset):
    """The manifest that marks a dataset as prepared (rule prepare_*)."""
    return str(L.manifest(dataset))


def stage_path(dataset, depth, stage, name, seed=None):
    return str(L.stage_dir(dataset, depth, stage, seed) / name)


def stage_inputs(w):
    """A stage's data, its predecessor's checkpoint and (controls) the metrics its budget is read from; for another
    seed's copy (wildcard `seed`), the seed's own seeded stages and the main run's shared ones."""
    seed = getattr(w, "seed", None)
    inputs = {"data": prepared(w.dataset)}
    if w.stage in PREVIOUS:
        prev = PREVIOUS[w.stage]
        inputs["previous"] = stage_path(w.dataset, w.depth, prev, "checkpoint.pt", stage_seed_dir(prev, seed))
    if w.stage in CONTROLS:
        inputs["budget"] = [stage_path(w.dataset, w.depth, s, "metrics.json", stage_seed_dir(s, seed))
                            for s in BUDGET_STAGES]
    return inputs


def all_metrics(stages=STAGES):
    """The metrics of every Table 1 stage of every row (an imported row: its fine-tuned model only), and of the seeded
    stages of every extra seed (run.seeds)."""
    main = [str(L.metrics(d, n, s)) for d in CFG["data"]["datasets"] for n in CFG["model"]["depths"]
            for s in trained_stages(CFG, d, n, stages)]
    return main + [str(L.metrics(d, n, s, k)) for d, n in seeded_rows(CFG) for k in extra_seeds(CFG)
                   for s in stages if s in SEEDED_STAGES]


def analysis_metrics():
    """The metrics of the models trained for the temporal analyses (the RCNNs, the early-readout model)."""
    return [str(L.metrics(d, n, s)) for d, n, s in analysis_models(CFG)]


def figure_files(concern):
    """The PNG and PDF of every figure a concern's notebook draws."""
    return [str(L.figure(name, ext)) for name in CONCERNS[concern].figures for ext in ("png", "pdf")]


FIGURES = {}
"""concern -> its figures rule's `category` (in the HTML report), `inputs` (the files its notebook reads) and `values`
(its notebook parameters beyond `results`): set in each concern's rule file, turned into rules in figures.smk"""

NOTEBOOK_SHELL = ("{sys.executable} -m papermill {input.notebook:q} {output.notebook:q} -k python3 --cwd . "
                  "-y {params.values:q} > {log:q} 2>&1")
"""papermill on a concern's notebook; `params.values` carries its parameters (never a path to an interpreter)"""


def gpus(stage):
    """GPUs a training job asks the scheduler for (0 on the CPU; folding always runs on the CPU)."""
    return 0 if CFG["run"]["device"] == "cpu" or stage == "fold" else CFG["run"]["gpus"]


def train_module(w):
    """`python -m` target of a training job: the CLI in one process, or torchrun with one process per GPU (data
    parallel through torch.distributed). No interpreter path here, so moving the environment re-runs nothing."""
    n = gpus(w.stage)
    if n > 1:
        return f"torch.distributed.run --standalone --nproc-per-node {n} -m cordsnet.cli train --distributed"
    return "cordsnet.cli train"
