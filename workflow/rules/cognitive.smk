# Dynamical expressivity on cognitive tasks (Fig 1C, Fig 1D / S3, Tables S1 and S2; claim C8): networks of four
# kinds (fully connected, CordsNet, low-rank, sparse) trained on five tasks of the Yang et al. (2019) suite, compared
# by the Procrustes distance of their trajectories; CordsNet networks on three MemoryPro variants and their attractors.
# Library: cordsnet/tasks (trials), cordsnet/cognitive (networks, training, comparison, attractors),
# cordsnet/cognitive/analysis.py (reports and commands). Notebook: notebooks/cognitive.ipynb.
# Config: the `cognitive` section.

COGNITIVE_NETWORKS = [f"N{n}" for n in CFG["cognitive"]["sizes"]] + ["attractors"]
COGNITIVE_RESULTS = [str(L.analysis("cognitive", name, ext)) for name in ("comparison", "attractors")
                     for ext in ("json", "npz")]
COGNITIVE_TABLES = [str(L.table(name, ext)) for name in ("table_s1", "table_s2", "cognitive_performance",
                                                          "attractors") for ext in ("csv", "md", "provenance.json")]


def cognitive_model(name, file="checkpoint.pt"):
    return str(L.task_networks(name) / file)


rule cognitive:  # results and tables only: `snakemake figures` draws them
    input:
        COGNITIVE_RESULTS,
        COGNITIVE_TABLES,


rule cognitive_train:
    output:
        checkpoint=cognitive_model("{networks}"),
        metrics=cognitive_model("{networks}", "metrics.json"),
    wildcard_constraints:
        networks="|".join(COGNITIVE_NETWORKS),
    params:
        cfg=cfg_json("cognitive"),
        which=lambda w: "--attractors" if w.networks == "attractors" else f"--size {w.networks[1:]}",
    log:
        f"{LOGS}/cognitive/train_{{networks}}.log",
    benchmark:
        f"{BENCH}/cognitive/train_{{networks}}.tsv"
    threads: THREADS
    resources:
        mem_mb=3000,
        runtime=30,
        gpu=lambda w: min(1, gpus("cognitive")),  # one GPU where the run has them (run.device)
    shell:
        "{CLI} cognitive-train --config-json {params.cfg:q} --threads {threads} {params.which} > {log:q} 2>&1"


rule cognitive_compare:
    input:
        [cognitive_model(f"N{n}", f) for n in CFG["cognitive"]["sizes"] for f in ("checkpoint.pt", "metrics.json")],
    output:
        json=str(L.analysis("cognitive", "comparison")),
        npz=str(L.analysis("cognitive", "comparison", "npz")),
        tables=[t for t in COGNITIVE_TABLES if "attractors" not in t],
    params:
        cfg=cfg_json("cognitive"),
        tables=str(L.results / "tables"),
    log:
        f"{LOGS}/cognitive/compare.log",
    benchmark:
        f"{BENCH}/cognitive/compare.tsv"
    threads: THREADS
    resources:
        mem_mb=3000,
        runtime=20,
    shell:
        "{CLI} cognitive-compare --config-json {params.cfg:q} --threads {threads} --out {output.json:q} "
        "--tables {params.tables:q} > {log:q} 2>&1"


rule cognitive_attractors:
    input:
        [cognitive_model("attractors", f) for f in ("checkpoint.pt", "metrics.json")],
    output:
        json=str(L.analysis("cognitive", "attractors")),
        npz=str(L.analysis("cognitive", "attractors", "npz")),
        table=[t for t in COGNITIVE_TABLES if "attractors" in t],
    params:
        cfg=cfg_json("cognitive"),
        table=str(L.table("attractors")),
    log:
        f"{LOGS}/cognitive/attractors.log",
    benchmark:
        f"{BENCH}/cognitive/attractors.tsv"
    threads: THREADS
    resources:
        mem_mb=2000,
        runtime=20,
    shell:
        "{CLI} cognitive-attractors --config-json {params.cfg:q} --threads {threads} --out {output.json:q} "
        "--table {params.table:q} > {log:q} 2>&1"


# Its figures: notebooks/cognitive.ipynb on these files, with these parameters beyond `results` (the rule
# `cognitive_figures` is generated in figures.smk, one per concern with a notebook).
FIGURES["cognitive"] = dict(
    category="Cognitive tasks",
    inputs={
        "results": COGNITIVE_RESULTS,
        "tables": COGNITIVE_TABLES,
        "metrics": [cognitive_model(f"N{n}", "metrics.json") for n in CFG["cognitive"]["sizes"]],  # learning curves
    },
    values={"sizes": CFG["cognitive"]["sizes"]},
)