# Figures: papermill executes the notebooks (they only load result files and plot) into results/notebooks/.

TRAINING_FIGURES = ["table1_accuracy", "accuracy_over_time", "training_curves", "compute"]
DYNAMICS_FIGURES = ["eigenvalues", "singular_values", "regimes"]


rule figures:
    input:
        [f"{RESULTS}/figures/{name}.{ext}" for name in TRAINING_FIGURES + DYNAMICS_FIGURES for ext in ("png", "pdf")],


rule training_figures:
    input:
        notebook=f"{workflow.basedir}/notebooks/training.ipynb",
        table=f"{RESULTS}/tables/table1.csv",
        compute=f"{RESULTS}/tables/compute.csv",
        metrics=all_metrics(),
    output:
        notebook=f"{RESULTS}/notebooks/training.ipynb",
        png=[report(f"{RESULTS}/figures/{name}.png", caption=f"../report/{name}.rst", category="Training")
             for name in TRAINING_FIGURES],
        pdf=[f"{RESULTS}/figures/{name}.pdf" for name in TRAINING_FIGURES],
    params:
        values=lambda w: json.dumps({"results": RESULTS, "datasets": CFG["data"]["datasets"],
                                     "depths": CFG["model"]["depths"]}),
    log:
        f"{LOGS}/figures/training.log",
    benchmark:
        f"{BENCH}/figures/training.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "{sys.executable} -m papermill {input.notebook:q} {output.notebook:q} -k python3 --cwd . "
        "-y {params.values:q} > {log:q} 2>&1"


rule dynamics_figures:
    input:
        notebook=f"{workflow.basedir}/notebooks/dynamics.ipynb",
        results=[f"{RESULTS}/dynamics/{name}.{ext}" for name in ("eigs", "singular_values", "regimes")
                 for ext in ("json", "npz")],
    output:
        notebook=f"{RESULTS}/notebooks/dynamics.ipynb",
        png=[report(f"{RESULTS}/figures/{name}.png", caption=f"../report/{name}.rst", category="Dynamics")
             for name in DYNAMICS_FIGURES],
        pdf=[f"{RESULTS}/figures/{name}.pdf" for name in DYNAMICS_FIGURES],
    params:
        values=lambda w: json.dumps({"results": RESULTS}),
    log:
        f"{LOGS}/figures/dynamics.log",
    benchmark:
        f"{BENCH}/figures/dynamics.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "{sys.executable} -m papermill {input.notebook:q} {output.notebook:q} -k python3 --cwd . "
        "-y {params.values:q} > {log:q} 2>&1"
