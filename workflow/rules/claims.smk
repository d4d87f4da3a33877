# The replication scorecard (claims C1-C11 of REFERENCE.md section 4): a verdict per claim, from the result files the
# other concerns write (never a model). Library: cordsnet/claims. Notebook: notebooks/claims.ipynb.
# Config: the `claims` section (thresholds), run.seeds (stated). Its inputs are what the library says the claims read
# (cordsnet.claims.analysis.inputs).
from cordsnet.claims.analysis import inputs as claims_inputs
CLAIMS_TABLES = [str(L.table("claims", ext)) for ext in ("csv", "md", "json", "metrics.json", "provenance.json")]


rule claims:
    input:
        CLAIMS_TABLES,


rule claims_table:
    input:
        [str(p) for p in claims_inputs(CFG)],
    output:
        CLAIMS_TABLES,
    params:
        cfg=cfg_json("claims", seeds=True),
    log:
        f"{LOGS}/claims.log",
    benchmark:
        f"{BENCH}/claims.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "{CLI} claims --config-json {params.cfg:q} --out {output[0]:q} > {log:q} 2>&1"


# Its figures: notebooks/claims.ipynb on these files, with these parameters beyond `results` (the rule
# `claims_figures` is generated in figures.smk, one per concern with a notebook).
FIGURES["claims"] = dict(
    category="0. Claims scorecard",
    inputs={
        "tables": CLAIMS_TABLES,
    },
    values={},
)