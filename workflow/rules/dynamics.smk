# Dynamical-systems toolkit (Fig 1B, Fig 4A, Fig S1): eigenvalues of the recurrent convolutions at paper scale by
# Arnoldi and ARPACK, singular values vs kernel size, and the three dynamical regimes.
# Library: cordsnet/dynamics/analysis.py (on cordsnet/dynamics). Notebook: notebooks/dynamics.ipynb.
# Config: the `dynamics` section.

DYNAMICS_REPORTS = {"eigs": "dynamics-eigs", "singular_values": "dynamics-singular-values",
                    "regimes": "dynamics-regimes"}
"""output name -> the CLI command that writes it (JSON + npz)"""


rule dynamics:  # results only: `snakemake figures` draws them (DVC's figures stage owns <results>/figures)
    input:
        [str(L.analysis("dynamics", name)) for name in DYNAMICS_REPORTS],


rule dynamics_report:
    output:
        json=str(L.analysis("dynamics", "{report}")),
        npz=str(L.analysis("dynamics", "{report}", "npz")),
    wildcard_constraints:
        report="|".join(DYNAMICS_REPORTS),
    params:
        cfg=cfg_json("dynamics"),
        command=lambda w: DYNAMICS_REPORTS[w.report],
    log:
        f"{LOGS}/dynamics/{{report}}.log",
    benchmark:
        f"{BENCH}/dynamics/{{report}}.tsv"
    threads: lambda w: THREADS if w.report == "eigs" else 1
    resources:
        mem_mb=lambda w: 4000 if w.report == "eigs" else 2000,
        runtime=lambda w: 30 if w.report == "eigs" else 20,
    shell:
        "{CLI} {params.command} --config-json {params.cfg:q} --threads {threads} --out {output.json:q} > {log:q} 2>&1"


# Its figures: notebooks/dynamics.ipynb on these files, with these parameters beyond `results` (the rule
# `dynamics_figures` is generated in figures.smk, one per concern with a notebook).
FIGURES["dynamics"] = dict(
    category="Dynamics",
    inputs={
        "results": [str(L.analysis("dynamics", name, ext)) for name in DYNAMICS_REPORTS for ext in ("json", "npz")],
    },
    values={},
)