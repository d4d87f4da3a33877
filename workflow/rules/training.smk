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


# A model of model.imported comes from the authors' release (cordsnet import-authors), never from training: this rule
# writes its fine-tuned stage and wins over train_stage for those paths (docs/authors-checkpoint.md).
IMPORTED = {f"{d}/R{n}": path for (d, n), path in imported_rows(CFG).items()}


rule import_authors:
    input:
        release=lambda w: IMPORTED[w.imported_row],
    output:
        checkpoint=f"{RESULTS}/models/{{imported_row}}/finetune/checkpoint.pt",
        metrics=f"{RESULTS}/models/{{imported_row}}/finetune/metrics.json",
    wildcard_constraints:
        imported_row="|".join(re.escape(r) for r in IMPORTED) or "(?!)",
    params:
        cfg=json.dumps(config_slice(CFG, "run", "paths", "model"), sort_keys=True),
        dataset=lambda w: w.imported_row.split("/")[0],
        depth=lambda w: w.imported_row.split("/R")[1],
    log:
        f"{LOGS}/import_authors/{{imported_row}}.log",
    benchmark:
        f"{BENCH}/import_authors/{{imported_row}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    shell:
        "{CLI} import-authors {input.release:q} --dataset {params.dataset} --depth {params.depth} "
        "--config-json {params.cfg:q} > {log:q} 2>&1"


ruleorder: import_authors > train_stage


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