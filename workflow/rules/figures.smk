# Figures: one rule per concern with a notebook (cordsnet.concerns), generated here in one loop from what each
# concern's rule file says its notebook reads (`FIGURES`, set there): papermill runs notebooks/<notebook>.ipynb into
# <results>/notebooks/ and it writes the concern's figures, PNG and PDF, each with its caption in workflow/report/.
# `snakemake figures` builds them all.


for _name, _fig in FIGURES.items():
    _concern = CONCERNS[_name]

    rule:
        name:
            f"{_name}_figures"
        input:
            notebook=f"{workflow.basedir}/notebooks/{_concern.notebook}.ipynb",
            **_fig["inputs"],
        output:
            notebook=str(L.notebook(_concern.notebook)),
            png=[report(str(L.figure(n, "png")), caption=f"../report/{n}.rst", category=_fig["category"])
                 for n in _concern.figures],
            pdf=[str(L.figure(n, "pdf")) for n in _concern.figures],
        params:
            values=json.dumps({"results": RESULTS, **_fig["values"]}),
        log:
            f"{LOGS}/figures/{_name}.log",
        benchmark:
            f"{BENCH}/figures/{_name}.tsv"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        shell:
            NOTEBOOK_SHELL


rule figures:
    input:
        [figure_files(name) for name, concern in CONCERNS.items() if concern.notebook],
