# CordsNet as the visual front end of a multi-area RNN (Fig 5; claim C9): numerosity, category, oculomotor delayed
# response and random-dot motion rendered as images, the frozen trained CordsNet run through every trial's frames, a
# downstream RNN of areas trained per task on its activity.
# Library: cordsnet/multiarea (stimuli, tasks, front end, network, targets), cordsnet/multiarea/analysis.py.
# Notebook: notebooks/multiarea.ipynb. Config: the `multiarea` section.
from cordsnet.multiarea.settings import frontend_row

MULTIAREA = CFG["multiarea"]
FRONTEND = frontend_row(CFG)
MULTIAREA_RESULTS = [str(L.analysis("multiarea", task, ext)) for task in MULTIAREA["tasks"] for ext in ("json", "npz")]
MULTIAREA_TABLES = [str(L.table(name, ext)) for name in ("multiarea", "multiarea_decoding")
                    for ext in ("csv", "md", "provenance.json")]


rule multiarea:  # results and tables only: `snakemake figures` draws them
    input:
        MULTIAREA_RESULTS,
        MULTIAREA_TABLES,


rule multiarea_train:
    input:
        data=prepared(FRONTEND[0]),
        frontend=str(L.checkpoint(*FRONTEND)),
    output:
        json=str(L.analysis("multiarea", "{task}")),
        npz=str(L.analysis("multiarea", "{task}", "npz")),
        checkpoint=str(L.multiarea_networks("{task}") / "checkpoint.pt"),
        metrics=str(L.multiarea_networks("{task}") / "metrics.json"),
    wildcard_constraints:
        task="|".join(MULTIAREA["tasks"]),
    params:
        cfg=cfg_json("multiarea"),
    log:
        f"{LOGS}/multiarea/{{task}}.log",
    benchmark:
        f"{BENCH}/multiarea/{{task}}.tsv"
    threads: THREADS
    resources:
        mem_mb=3000,
        runtime=30,
        gpu=lambda w: min(1, gpus("multiarea")),  # one GPU where the run has them (run.device)
    shell:
        "{CLI} multiarea-train --config-json {params.cfg:q} --threads {threads} --task {wildcards.task:q} "
        "--out {output.json:q} > {log:q} 2>&1"


rule multiarea_table:
    input:
        [f for f in MULTIAREA_RESULTS if f.endswith(".json")],
    output:
        MULTIAREA_TABLES,
    params:
        cfg=cfg_json("multiarea"),
        table=str(L.table("multiarea")),
        decoding=str(L.table("multiarea_decoding")),
    log:
        f"{LOGS}/multiarea/table.log",
    benchmark:
        f"{BENCH}/multiarea/table.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "{CLI} multiarea-table --config-json {params.cfg:q} --table {params.table:q} "
        "--decoding-table {params.decoding:q} > {log:q} 2>&1"


# Its figures: notebooks/multiarea.ipynb on these files, with these parameters beyond `results` (the rule
# `multiarea_figures` is generated in figures.smk, one per concern with a notebook).
FIGURES["multiarea"] = dict(
    category="Multi-area front end",
    inputs={
        "results": MULTIAREA_RESULTS,
        "tables": MULTIAREA_TABLES,
    },
    values={"tasks": MULTIAREA["tasks"]},
)