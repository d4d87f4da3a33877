# The loss-ramp / spontaneous-penalty ablation (Table S5; claim C11): the annealing stage re-run from the main seed's
# linear RNN with one setting changed, for each setting of the two sweeps and each of ablation.seeds; every model's
# solutions labelled (steady-state vs transient, mono-stable vs other) and counted per setting.
# Library: cordsnet/ablation (settings, classifiers), cordsnet/ablation/analysis.py. Notebook: notebooks/ablation.ipynb.
# Config: the `ablation` section (and the annealing stage's `training` and `simulation` settings it starts from).
from cordsnet.ablation.settings import ablation_row, run_config, settings as ablation_settings

ABLATION = CFG["ablation"]
ABLATION_ROW = ablation_row(CFG)
ABLATION_SETTINGS = [s.name for s in ablation_settings(CFG)]
ABLATION_MODELS = [str(L.ablation_dir(s, k) / name) for s in ABLATION_SETTINGS for k in ABLATION["seeds"]
                   for name in ("checkpoint.pt", "metrics.json")]
ABLATION_RESULTS = [str(L.analysis("ablation", "solutions", ext)) for ext in ("json", "npz")]
ABLATION_TABLES = [str(L.table("ablation", ext)) for ext in ("csv", "md", "provenance.json")]


rule ablation:  # results and tables only: `snakemake figures` draws them
    input:
        ABLATION_RESULTS,
        ABLATION_TABLES,


rule ablation_train:
    input:
        data=prepared(ABLATION_ROW[0]),
        previous=str(L.checkpoint(*ABLATION_ROW, "linear_rnn")),
    output:
        checkpoint=str(L.ablation_dir("{setting}", "{seed}") / "checkpoint.pt"),
        metrics=str(L.ablation_dir("{setting}", "{seed}") / "metrics.json"),
    wildcard_constraints:
        setting="|".join(re.escape(s) for s in ABLATION_SETTINGS),
        seed=r"\d+",
    params:
        # exactly what this run reads: the annealing stage's slice with its setting and seed (a change of another
        # setting, or of a criterion, re-runs nothing here)
        cfg=lambda w: json.dumps(run_config(CFG, w.setting, int(w.seed)), sort_keys=True),
    log:
        f"{LOGS}/ablation/{{setting}}_seed{{seed}}.log",
    benchmark:
        f"{BENCH}/ablation/{{setting}}_seed{{seed}}.tsv"
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "{CLI} ablation-train --config-json {params.cfg:q} --threads {threads} --setting {wildcards.setting:q} "
        "--dataset {ABLATION_ROW[0]:q} --depth {ABLATION_ROW[1]} > {log:q} 2>&1"


rule ablation_table:
    input:
        ABLATION_MODELS,
    output:
        ABLATION_RESULTS,
        ABLATION_TABLES,
    params:
        cfg=cfg_json("ablation"),
        table=str(L.table("ablation")),
    log:
        f"{LOGS}/ablation/table.log",
    benchmark:
        f"{BENCH}/ablation/table.tsv"
    threads: THREADS
    resources:
        mem_mb=3000,
        runtime=30,
    shell:
        "{CLI} ablation-table --config-json {params.cfg:q} --threads {threads} --out {output[0]:q} "
        "--table {params.table:q} > {log:q} 2>&1"


# Its figures: notebooks/ablation.ipynb on these files, with these parameters beyond `results` (the rule
# `ablation_figures` is generated in figures.smk, one per concern with a notebook).
FIGURES["ablation"] = dict(
    category="Ablation (Table S5)",
    inputs={
        "results": ABLATION_RESULTS,
        "tables": ABLATION_TABLES,
    },
    values={},
)