# CordsNet reproduction workflow.  `snakemake --cores all` reproduces every figure and table of the
# configuration in config/config.yaml (the default, reduced scale); `--configfile config/paper.yaml` runs the
# paper's scale, `--configfile config/smoke.yaml` the tiny CI scale.  One rule file per concern in workflow/rules
# (the concerns are listed in cordsnet/concerns.py; docs/adding-an-analysis.md shows how to add one).
from snakemake.utils import min_version, validate

min_version("8.0")


# The default configuration applies only when no --configfile is given: a --configfile is a complete configuration
# in its own right (merging it over the default would leak default values into keys it leaves to the schema).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"



validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/compute.smk"
include: "workflow/rules/dynamics.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        rules.data.input,
        rules.compute.input,
        rules.dynamics.input,
        rules.table1.output.csv,
        rules.figures.input,
