# Compute accounting (Fig 2, right): parameters and MACs per time step against common CNNs, at paper scale.
# Library: cordsnet/compute. Notebook: notebooks/compute.ipynb. Config: the `compute` section.


rule compute:  # results only: `snakemake figures` draws them (DVC's figures stage owns <results>/figures)
    input:
        str(L.table("compute")),


rule compute_table:
    output:
        csv=str(L.table("compute")),
        md=str(L.table("compute", "md")),
        prov=str(L.table("compute", "provenance.json")),
    params:
        cfg=cfg_json("compute"),
    log:
        f"{LOGS}/compute_table.log",
    benchmark:
        f"{BENCH}/compute_table.tsv"
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=10,
    shell:
        "{CLI} compute-table --config-json {params.cfg:q} --threads {threads} --out {output.csv:q} > {log:q} 2>&1"


# Its figures: notebooks/compute.ipynb on these files, with these parameters beyond `results` (the rule
# `compute_figures` is generated in figures.smk, one per concern with a notebook).
FIGURES["compute"] = dict(
    category="Compute",
    inputs={
        "table": str(L.table("compute")),
        "prov": str(L.table("compute", "provenance.json")),
    },
    values={},
)