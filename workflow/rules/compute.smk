# Compute accounting (Fig 2, right): parameters and MACs per time step against common CNNs, at paper scale.


rule compute:
    input:
        f"{RESULTS}/tables/compute.csv",


rule compute_table:
    output:
        csv=f"{RESULTS}/tables/compute.csv",
        md=f"{RESULTS}/tables/compute.md",
        prov=f"{RESULTS}/tables/compute.provenance.json",
    params:
        cfg=cfg_json("run"),
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
