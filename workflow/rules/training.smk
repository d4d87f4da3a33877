# Staged training (REFERENCE.md section 2) for every dataset x depth of the configuration, the two controls, and
# Table 1. Each stage reads its predecessor's checkpoint; an interrupted stage resumes from its train_state.pt
# (not a declared output, so Snakemake keeps it when a job fails).

from cordsnet.training.stages import BUDGET_STAGES, PREVIOUS, STAGES


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
    log:
        f"{LOGS}/train/{{dataset}}_R{{depth}}_{{stage}}.log",
    benchmark:
        f"{BENCH}/train/{{dataset}}_R{{depth}}_{{stage}}.tsv"
    threads: THREADS
    resources:
        mem_mb=lambda w: 8000 if int(w.depth) >= 6 else 4000,
        runtime=lambda w: 60 if CFG["run"].get("scale") != "paper" else 2880,
        gpus=lambda w: 1 if CFG["run"].get("device") != "cpu" and w.stage not in ("fold",) else 0,
    shell:
        "{CLI} train --config-json {params.cfg:q} --threads {threads} --stage {wildcards.stage:q} "
        "--dataset {wildcards.dataset:q} --depth {wildcards.depth} > {log:q} 2>&1"


rule table1:
    input:
        all_metrics(["cnn", "anneal", "finetune", "direct", "fcrnn"]),
    output:
        csv=f"{RESULTS}/tables/table1.csv",
        md=f"{RESULTS}/tables/table1.md",
        prov=f"{RESULTS}/tables/table1.provenance.json",
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
