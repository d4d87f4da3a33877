# Shared helpers: the validated configuration (schema defaults filled in, identical to what the library sees), the
# results layout (cordsnet.layout, the one the library and the notebooks use), the concerns' configuration slices
# (cordsnet.concerns) and the command prefix every rule uses. Config values reach the shell only as quoted JSON
# (`{params.cfg:q}`), and each rule passes only its concern's sections, so Snakemake's params trigger re-runs
# exactly the steps a config change affects.
import json
import sys

from cordsnet.concerns import CONCERNS
from cordsnet.config import config_slice, validate_config
from cordsnet.layout import Layout
from cordsnet.training.graph import (
    ALL_STAGES,
    BUDGET_STAGES,
    CONTROLS,
    PREVIOUS,
    STAGES,
    analysis_models,
    solution_row,
    stage_config,
)

CFG = validate_config(config)
L = Layout.from_config(CFG)
RESULTS = str(L.results)
LOGS = str(L.logs())
BENCH = str(L.benchmarks())
THREADS = CFG["run"]["threads"]
CLI = f"{sys.executable} -m cordsnet.cli"


def cfg_json(concern):
    """The configuration sections a concern's rules read, as JSON for `--config-json`."""
    return json.dumps(config_slice(CFG, *CONCERNS[concern].sections), sort_keys=True)


def stage_cfg_json(w):
    """What one training stage reads (cordsnet.training.graph.stage_config): its own settings, not its siblings'."""
    return json.dumps(stage_config(CFG, w.stage), sort_keys=True)


wildcard_constraints:
    dataset="mnist|fmnist|cifar10|cifar100|imagenet",
    tensor_dataset="mnist|fmnist|cifar10|cifar100",
    depth="2|4|6|8",


def prepared(dataset):
    """The manifest that marks a dataset as prepared (rule prepare_*)."""
    return str(L.manifest(dataset))


def stage_path(dataset, depth, stage, name):
    return str(L.stage_dir(dataset, depth, stage) / name)


def stage_inputs(w):
    inputs = {"data": prepared(w.dataset)}
    if w.stage in PREVIOUS:
        inputs["previous"] = stage_path(w.dataset, w.depth, PREVIOUS[w.stage], "checkpoint.pt")
    if w.stage in CONTROLS:
        inputs["budget"] = [stage_path(w.dataset, w.depth, s, "metrics.json") for s in BUDGET_STAGES]
    return inputs


def all_metrics(stages=STAGES):
    return [str(L.metrics(d, n, s)) for d in CFG["data"]["datasets"] for n in CFG["model"]["depths"]
            for s in stages]


def analysis_metrics():
    """The metrics of the models trained for the temporal analyses (the RCNNs, the early-readout model)."""
    return [str(L.metrics(d, n, s)) for d, n, s in analysis_models(CFG)]


def figure_files(concern):
    """The PNG and PDF of every figure a concern's notebook draws."""
    return [str(L.figure(name, ext)) for name in CONCERNS[concern].figures for ext in ("png", "pdf")]


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
