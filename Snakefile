# CordsNet reproduction workflow.  `snakemake --cores all` reproduces every figure and table of the
# configuration in config/config.yaml (the default, reduced scale); `--configfile config/paper.yaml` runs the
# paper's scale, `--configfile config/smoke.yaml` the tiny CI scale.  One rule file per concern in workflow/rules,
# included for every concern listed in cordsnet/concerns.py (docs/adding-an-analysis.md shows how to add one).
from snakemake.utils import min_version, validate

min_version("8.0")


# The default configuration applies only when no --configfile is given: a --configfile is a complete configuration
# in its own right (merging it over the default would leak default values into keys it leaves to the schema).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"



validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


# one rule file per concern of cordsnet/concerns.py, each with an aggregate rule of the concern's name
for _concern in CONCERNS:

    include: f"workflow/rules/{_concern}.smk"


include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        [getattr(rules, name).input for name in CONCERNS],
        rules.table1.output.csv,
        rules.figures.input,
