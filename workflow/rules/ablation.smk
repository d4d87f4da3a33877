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
        mem_mb=lambda w: 4000 if CFG["run"]["scale"] != "paper" else 32000,
        runtime=lambda w: 60 if CFG["run"]["scale"] != "paper" else 2880,
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
        runtime=lambda w: 30 if CFG["run"]["scale"] != "paper" else 600,
    shell:
        "{CLI} ablation-table --config-json {params.cfg:q} --threads {threads} --out {output[0]:q} "
        "--table {params.table:q} > {log:q} 2>&1"


rule ablation_figures:
    input:
        notebook=f"{workflow.basedir}/notebooks/ablation.ipynb",
        results=ABLATION_RESULTS,
        tables=ABLATION_TABLES,
    output:
        notebook=str(L.notebook("ablation")),
        png=[report(str(L.figure(name, "png")), caption=f"../report/{name}.rst", category="Ablation (Table S5)")
             for name in CONCERNS["ablation"].figures],
        pdf=[str(L.figure(name, "pdf")) for name in CONCERNS["ablation"].figures],
    params:
        values=lambda w: json.dumps({"results": RESULTS}),
    log:
        f"{LOGS}/figures/ablation.log",
    benchmark:
        f"{BENCH}/figures/ablation.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        NOTEBOOK_SHELL
