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


rule compute_figures:
    input:
        notebook=f"{workflow.basedir}/notebooks/compute.ipynb",
        table=str(L.table("compute")),
        prov=str(L.table("compute", "provenance.json")),
    output:
        notebook=str(L.notebook("compute")),
        png=[report(str(L.figure(name, "png")), caption=f"../report/{name}.rst", category="Compute")
             for name in CONCERNS["compute"].figures],
        pdf=[str(L.figure(name, "pdf")) for name in CONCERNS["compute"].figures],
    params:
        values=lambda w: json.dumps({"results": RESULTS}),
    log:
        f"{LOGS}/figures/compute.log",
    benchmark:
        f"{BENCH}/figures/compute.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        NOTEBOOK_SHELL
