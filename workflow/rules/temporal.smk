# Temporal dynamics and noise robustness (Fig 3A-D, Fig 4B-C; claims C4, C5) on the trained models: the fine-tuned
# CordsNet, its CNN counterpart and the discrete-time RCNN (stage rcnn) of every dataset and depth; the early-readout
# model (stage early_readout) of the solution row. Those two models are trained by the training rules (their
# stages are in cordsnet/training/graph.py), so that every model lives in one tree.
# Library: cordsnet/temporal/noise.py, temporal.py, temporal_tables.py. Notebook: notebooks/temporal.ipynb.
# Config: the `temporal` section (and training.early_readout_steps).

TEMPORAL_ROWS = [(d, n) for d in CFG["data"]["datasets"] for n in CFG["model"]["depths"]]
TEMPORAL_RESULTS = (
    [str(L.analysis("temporal", f"{kind}_{d}_R{n}", ext)) for kind in ("noise", "sequences")
     for d, n in TEMPORAL_ROWS for ext in ("json", "npz")]
    + [str(L.analysis("temporal", "solutions", ext)) for ext in ("json", "npz")]
)
TEMPORAL_TABLES = [str(L.table(name, ext)) for name in ("noise_robustness", "noise_accuracy", "sequences",
                                                         "solutions") for ext in ("csv", "md", "provenance.json")]
from cordsnet.temporal.settings import MODELS as TEMPORAL_MODELS  # what each analysis reads, said by the library


def temporal_inputs(w):
    return {"data": prepared(w.dataset),
            "models": [str(L.checkpoint(w.dataset, w.depth, s)) for s in TEMPORAL_MODELS[w.kind].values()]}


def solution_inputs(w):
    dataset, depth = solution_row(CFG)
    return {"data": prepared(dataset),
            "models": [str(L.checkpoint(dataset, depth, s)) for s in TEMPORAL_MODELS["solutions"].values()]}


rule temporal:  # results and tables only: `snakemake figures` draws them
    input:
        TEMPORAL_RESULTS,
        TEMPORAL_TABLES,


rule temporal_row:
    input:
        unpack(temporal_inputs),
    output:
        json=str(L.analysis("temporal", "{kind}_{dataset}_R{depth}")),
        npz=str(L.analysis("temporal", "{kind}_{dataset}_R{depth}", "npz")),
    wildcard_constraints:
        kind="noise|sequences",
    params:
        cfg=cfg_json("temporal"),
    log:
        f"{LOGS}/temporal/{{kind}}_{{dataset}}_R{{depth}}.log",
    benchmark:
        f"{BENCH}/temporal/{{kind}}_{{dataset}}_R{{depth}}.tsv"
    threads: THREADS
    resources:
        mem_mb=3000,
        runtime=30,
        gpu=lambda w: min(1, gpus("temporal")),  # one GPU where the run has them: the analyses use one device
    shell:
        "{CLI} temporal-{wildcards.kind} --config-json {params.cfg:q} --threads {threads} "
        "--dataset {wildcards.dataset:q} --depth {wildcards.depth} --out {output.json:q} > {log:q} 2>&1"


rule temporal_solutions:
    input:
        unpack(solution_inputs),
    output:
        json=str(L.analysis("temporal", "solutions")),
        npz=str(L.analysis("temporal", "solutions", "npz")),
    params:
        cfg=cfg_json("temporal"),
    log:
        f"{LOGS}/temporal/solutions.log",
    benchmark:
        f"{BENCH}/temporal/solutions.tsv"
    threads: THREADS
    resources:
        mem_mb=3000,
        runtime=30,
        gpu=lambda w: min(1, gpus("temporal")),  # one GPU where the run has them: the analyses use one device
    shell:
        "{CLI} temporal-solutions --config-json {params.cfg:q} --threads {threads} --out {output.json:q} > {log:q} 2>&1"


rule temporal_tables:
    input:
        [f for f in TEMPORAL_RESULTS if f.endswith(".json")],
    output:
        TEMPORAL_TABLES,
    params:
        cfg=cfg_json("temporal"),
        out_dir=str(L.results / "tables"),
    log:
        f"{LOGS}/temporal/tables.log",
    benchmark:
        f"{BENCH}/temporal/tables.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "{CLI} temporal-tables --config-json {params.cfg:q} --out-dir {params.out_dir:q} > {log:q} 2>&1"


# Its figures: notebooks/temporal.ipynb on these files, with these parameters beyond `results` (the rule
# `temporal_figures` is generated in figures.smk, one per concern with a notebook).
FIGURES["temporal"] = dict(
    category="Temporal",
    inputs={
        "results": TEMPORAL_RESULTS,
        "tables": TEMPORAL_TABLES,
    },
    values={"datasets": CFG["data"]["datasets"], "depths": CFG["model"]["depths"]},
)