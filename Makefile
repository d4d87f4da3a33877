# The two README commands. Both run scripts/setup-env.sh first (idempotent: seconds when nothing changed).
VENV ?= $(HOME)/.cache/cordsnet/venv
export CORDSNET_VENV := $(VENV)
# Torch's OpenMP threads spin while they wait for work. Unbounded spinning collapses when two jobs share the cores;
# passive waiting (OMP_WAIT_POLICY=PASSIVE) avoids that but sleeps and wakes the threads at every small parallel
# region, which made one default-scale training update 2-2.6x slower (benchmarks/training.py). A bounded spin keeps
# nearly all the speed and still yields the cores soon when another job needs them; Snakemake's `threads` already
# keeps heavy jobs from sharing cores (every job's torch threads equal its `threads:`).
export GOMP_SPINCOUNT ?= 10000
CONFIG ?= config/config.yaml
CORES ?= all
PYTEST_ARGS ?=

.PHONY: env reproduce restore test test-fast lint dry-run help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

env:  ## create or update the virtual environment and the offline data sources
	@bash scripts/setup-env.sh

reproduce: env  ## run the whole reproduction at CONFIG (default: the embedded scale); writes <results>/benchmarks/workflow.md
	@start=$$(date +%s); \
	$(VENV)/bin/snakemake --cores $(CORES) --configfile "$(CONFIG)" || exit $$?; \
	$(VENV)/bin/python -m cordsnet.cli workflow-summary --config "$(CONFIG)" --wall-seconds $$(( $$(date +%s) - start ))

restore: env  ## dvc pull the results of the scales dvc.yaml lists (CONFIG's among them), then mark them up to date for Snakemake
	$(VENV)/bin/dvc pull
	$(VENV)/bin/snakemake --touch --cores 1 --configfile "$(CONFIG)"

test: env  ## run the test suite (what CI runs)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

test-fast: env  ## the tests without the end-to-end workflow runs (marker `slow`): a few minutes, for development
	$(VENV)/bin/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: env  ## ruff over the package, tests, benchmarks and workflow helpers
	$(VENV)/bin/ruff check cordsnet tests benchmarks scripts

dry-run: env  ## show what `make reproduce` would run
	$(VENV)/bin/snakemake -n --cores $(CORES) --configfile $(CONFIG)
