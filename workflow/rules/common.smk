# Shared helpers: the validated configuration (schema defaults filled in, identical to what the library sees),
# paths, and the command prefix every rule uses.  Config values reach the shell only as quoted JSON
# (`{params.cfg:q}`), and each rule passes only the sections it depends on, so Snakemake's params trigger
# re-runs exactly the steps a config change affects.
import json
import sys

from cordsnet.config import config_slice, validate_config
from cordsnet.training.graph import BUDGET_STAGES, PREVIOUS, STAGES

CFG = validate_config(config)
DATA = CFG["paths"]["data"]
RESULTS = CFG["paths"]["results"]
LOGS = f"{RESULTS}/logs"
BENCH = f"{RESULTS}/benchmarks"
THREADS = CFG["run"]["threads"]
CLI = f"{sys.executable} -m cordsnet.cli"


def cfg_json(*sections):
    return json.dumps(config_slice(CFG, *sections), sort_keys=True)


wildcard_constraints:
    dataset="mnist|fmnist|cifar10|cifar100|imagenet",
    tensor_dataset="mnist|fmnist|cifar10|cifar100",
    depth="2|4|6|8",


def prepared(dataset):
    """The manifest that marks a dataset as prepared (rule prepare_*)."""
    return f"{DATA}/prepared/{dataset}/manifest.json"


def stage_path(dataset, depth, stage, name):
    return f"{RESULTS}/models/{dataset}/R{depth}/{stage}/{name}"


def stage_inputs(w):
    inputs = {"data": prepared(w.dataset)}
    if w.stage in PREVIOUS:
        inputs["previous"] = stage_path(w.dataset, w.depth, PREVIOUS[w.stage], "checkpoint.pt")
    if w.stage in ("direct", "fcrnn"):
        inputs["budget"] = [stage_path(w.dataset, w.depth, s, "metrics.json") for s in BUDGET_STAGES]
    return inputs


def all_metrics(stages=STAGES):
    return [stage_path(d, n, s, "metrics.json") for d in CFG["data"]["datasets"] for n in CFG["model"]["depths"]
            for s in stages]


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
