# The replication scorecard (claims C1-C11 of REFERENCE.md section 4): a verdict per claim, from the result files the
# other concerns write (never a model). Library: cordsnet/claims. Notebook: notebooks/claims.ipynb.
# Config: the `claims` section (thresholds), run.seeds (stated).
CLAIMS_TABLES = [str(L.table("claims", ext)) for ext in ("csv", "md", "json", "metrics.json", "provenance.json")]


def claims_inputs(w):
    """Every result file a claim reads (cordsnet.claims.analysis): Table 1, the noise and sequence reports of every
    row, the dynamics, cognitive, multi-area, neural-prediction and ablation outputs."""
    rows = [(d, n) for d in CFG["data"]["datasets"] for n in CFG["model"]["depths"]]
    return ([str(L.table("table1"))]
            + [str(L.analysis("temporal", f"{kind}_{d}_R{n}")) for kind in ("noise", "sequences") for d, n in rows]
            + [str(L.analysis("dynamics", name)) for name in ("eigs", "regimes")]
            + [str(L.analysis("cognitive", "comparison")), str(L.table("multiarea")),
               str(L.analysis("neural", "prediction")), str(L.analysis("ablation", "solutions"))])


rule claims:
    input:
        CLAIMS_TABLES,


rule claims_table:
    input:
        claims_inputs,
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