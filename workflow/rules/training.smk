# Staged training (REFERENCE.md section 2) for every dataset x depth of the configuration, the two controls, and
# Table 1. Each stage reads its predecessor's checkpoint; an interrupted stage resumes from its train_state.pt
# (not a declared output, so Snakemake keeps it when a job fails).

rule training:
    input:
        all_metrics(),


rule train_stage:
    input:
        unpack(stage_inputs),
    output:
        checkpoint=stage_path("{dataset}", "{depth}", "{stage}", "checkpoint.pt"),
        metrics=stage_path("{dataset}", "{depth}", "{stage}", "metrics.json"),
    wildcard_constraints:
        stage="|".join(STAGES),
    params:
        cfg=cfg_json("run", "paths", "data", "model", "simulation", "training"),
        module=train_module,
    log:
        f"{LOGS}/train/{{dataset}}_R{{depth}}_{{stage}}.log",
    benchmark:
        f"{BENCH}/train/{{dataset}}_R{{depth}}_{{stage}}.tsv"
    threads: THREADS
    resources:
        mem_mb=lambda w: 8000 if int(w.depth) >= 6 else 4000,
        runtime=lambda w: 60 if CFG["run"].get("scale") != "paper" else 2880,
        gpu=lambda w: gpus(w.stage),
    shell:
        "{sys.executable} -m {params.module} --config-json {params.cfg:q} --threads {threads} "
        "--stage {wildcards.stage:q} --dataset {wildcards.dataset:q} --depth {wildcards.depth} > {log:q} 2>&1"


rule table1:
    input:
        all_metrics(["cnn", "anneal", "finetune", "direct", "fcrnn"]),
    output:
        csv=f"{RESULTS}/tables/table1.csv",
        md=f"{RESULTS}/tables/table1.md",
        prov=f"{RESULTS}/tables/table1.provenance.json",
        metrics=f"{RESULTS}/tables/table1.metrics.json",
    params:
        cfg=cfg_json("run", "paths", "data", "model", "simulation", "training"),
    log:
        f"{LOGS}/table1.log",
    benchmark:
        f"{BENCH}/table1.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "{CLI} table1 --config-json {params.cfg:q} --out {output.csv:q} > {log:q} 2>&1"
