# Staged training (REFERENCE.md section 2) for every dataset x depth of the configuration, the two controls, and
# Table 1. Each stage reads its predecessor's checkpoint; an interrupted stage resumes from its train_state.pt
# (not a declared output, so Snakemake keeps it when a job fails).
# Library: cordsnet/training (stages), cordsnet/training/table1.py. Notebook: notebooks/training.ipynb.
# Config: the `data`, `model`, `simulation` and `training` sections.


rule training:  # Table 1's models and the temporal analyses' (every model lives in one tree, one DVC output)
    input:
        all_metrics(),
        analysis_metrics(),


rule train_stage:
    input:
        unpack(stage_inputs),
    output:
        checkpoint=stage_path("{dataset}", "{depth}", "{stage}", "checkpoint.pt"),
        metrics=stage_path("{dataset}", "{depth}", "{stage}", "metrics.json"),
        predictions=stage_path("{dataset}", "{depth}", "{stage}", "predictions.npy"),
    wildcard_constraints:
        stage="|".join(ALL_STAGES),
    params:
        cfg=stage_cfg_json,
        module=train_module,
    log:
        f"{LOGS}/train/{{dataset}}_R{{depth}}_{{stage}}.log",
    benchmark:
        f"{BENCH}/train/{{dataset}}_R{{depth}}_{{stage}}.tsv"
    threads: THREADS
    # deeper models first: their chains are the longest, so starting them first shortens the whole run
    priority: lambda w: int(w.depth)
    resources:
        mem_mb=lambda w: 8000 if int(w.depth) >= 6 else 4000,
        runtime=60,
        gpu=lambda w: gpus(w.stage),
    shell:
        "{sys.executable} -m {params.module} --config-json {params.cfg:q} --threads {threads} "
        "--stage {wildcards.stage:q} --dataset {wildcards.dataset:q} --depth {wildcards.depth} > {log:q} 2>&1"


rule train_stage_seed:  # another seed's copy of a seeded stage (run.seeds): Table 1's spread
    input:
        unpack(stage_inputs),
    output:
        checkpoint=stage_path("{dataset}", "{depth}", "{stage}", "checkpoint.pt", "{seed}"),
        metrics=stage_path("{dataset}", "{depth}", "{stage}", "metrics.json", "{seed}"),
        predictions=stage_path("{dataset}", "{depth}", "{stage}", "predictions.npy", "{seed}"),
    wildcard_constraints:
        stage="|".join(SEEDED_STAGES),
        seed=r"\d+",
    params:
        cfg=stage_cfg_json,
        module=train_module,
    log:
        f"{LOGS}/train/{{dataset}}_R{{depth}}_seed{{seed}}_{{stage}}.log",
    benchmark:
        f"{BENCH}/train/{{dataset}}_R{{depth}}_seed{{seed}}_{{stage}}.tsv"
    threads: THREADS
    priority: lambda w: int(w.depth)
    resources:
        mem_mb=lambda w: 8000 if int(w.depth) >= 6 else 4000,
        runtime=60,
        gpu=lambda w: gpus(w.stage),
    shell:
        "{sys.executable} -m {params.module} --config-json {params.cfg:q} --threads {threads} "
        "--stage {wildcards.stage:q} --dataset {wildcards.dataset:q} --depth {wildcards.depth} "
        "--seed {wildcards.seed} > {log:q} 2>&1"


rule table1:
    input:
        all_metrics(),
    output:
        csv=str(L.table("table1")),
        md=str(L.table("table1", "md")),
        prov=str(L.table("table1", "provenance.json")),
        metrics=str(L.table("table1", "metrics.json")),
        data=str(L.table("table1", "json")),
        stages=str(L.table("stages")),
        stages_md=str(L.table("stages", "md")),
        stages_prov=str(L.table("stages", "provenance.json")),
    params:
        cfg=cfg_json("training", seeds=True),
    log:
        f"{LOGS}/table1.log",
    benchmark:
        f"{BENCH}/table1.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "{CLI} table1 --config-json {params.cfg:q} --out {output.csv:q} --stages-out {output.stages:q} > {log:q} 2>&1"


# Its figures: notebooks/training.ipynb on these files, with these parameters beyond `results` (the rule
# `training_figures` is generated in figures.smk, one per concern with a notebook).
FIGURES["training"] = dict(
    category="Training",
    inputs={
        "table": str(L.table("table1")),
        "prov": str(L.table("table1", "provenance.json")),
        "metrics": all_metrics(),
    },
    values={"datasets": CFG["data"]["datasets"], "depths": CFG["model"]["depths"],
            "readout_steps": CFG["simulation"]["readout_steps"]},
)