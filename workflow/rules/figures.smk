# Figures: every concern's notebook (papermill, in the concern's own rule file) and its figures, listed by
# cordsnet.concerns; `snakemake figures` builds them all.


rule figures:
    input:
        [figure_files(name) for name, concern in CONCERNS.items() if concern.notebook],
