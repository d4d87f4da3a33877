# Shared helpers: the validated configuration (schema defaults filled in, identical to what the library sees),
# paths, and the command prefix every rule uses.  Config values reach the shell only as quoted JSON
# (`{params.cfg:q}`), and each rule passes only the sections it depends on, so Snakemake's params trigger
# re-runs exactly the steps a config change affects.
import json
import sys

from cordsnet.config import config_slice, validate_config

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
