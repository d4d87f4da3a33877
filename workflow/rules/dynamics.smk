# Dynamical-systems toolkit (Fig 1B, Fig 4A, Fig S1): eigenvalues of the recurrent convolutions at paper scale by
# Arnoldi and ARPACK, singular values vs kernel size, and the three dynamical regimes.


rule dynamics:
    input:
        f"{RESULTS}/dynamics/eigs.json",
        f"{RESULTS}/dynamics/singular_values.json",
        f"{RESULTS}/dynamics/regimes.json",


rule dynamics_eigs:
    output:
        json=f"{RESULTS}/dynamics/eigs.json",
        npz=f"{RESULTS}/dynamics/eigs.npz",
    params:
        cfg=cfg_json("run", "dynamics"),
    log:
        f"{LOGS}/dynamics/eigs.log",
    benchmark:
        f"{BENCH}/dynamics/eigs.tsv"
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "{CLI} dynamics-eigs --config-json {params.cfg:q} --threads {threads} "
        "--out {output.json:q} > {log:q} 2>&1"


rule dynamics_singular_values:
    output:
        json=f"{RESULTS}/dynamics/singular_values.json",
        npz=f"{RESULTS}/dynamics/singular_values.npz",
    params:
        cfg=cfg_json("run", "dynamics"),
    log:
        f"{LOGS}/dynamics/singular_values.log",
    benchmark:
        f"{BENCH}/dynamics/singular_values.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "{CLI} dynamics-singular-values --config-json {params.cfg:q} --threads {threads} --out {output.json:q} "
        "> {log:q} 2>&1"


rule dynamics_regimes:
    output:
        json=f"{RESULTS}/dynamics/regimes.json",
        npz=f"{RESULTS}/dynamics/regimes.npz",
    params:
        cfg=cfg_json("run", "dynamics"),
    log:
        f"{LOGS}/dynamics/regimes.log",
    benchmark:
        f"{BENCH}/dynamics/regimes.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    shell:
        "{CLI} dynamics-regimes --config-json {params.cfg:q} --threads {threads} --out {output.json:q} > {log:q} 2>&1"
