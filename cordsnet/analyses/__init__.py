"""One home for the paper's analyses: each module turns trained models or settings into result files.

Every module has the same shape (docs/adding-an-analysis.md):

- a function that computes a result object (:class:`~cordsnet.analyses.results.Report` or
  :class:`~cordsnet.analyses.results.Table`) from the configuration and the files it reads;
- the result's ``write`` puts it where :class:`~cordsnet.layout.Layout` says, with a provenance record;
- a CLI command registered with :func:`cordsnet.commands.command`, which the concern's rule file runs.

Modules: :mod:`~cordsnet.analyses.compute` (Fig 2 compute), :mod:`~cordsnet.analyses.table1` (Table 1),
:mod:`~cordsnet.analyses.dynamics` (Fig 1B, Fig 4A, Fig S1A), :mod:`~cordsnet.analyses.noise`,
:mod:`~cordsnet.analyses.temporal` and :mod:`~cordsnet.analyses.temporal_tables` (Fig 3, Fig 4B-C),
:mod:`~cordsnet.analyses.cognitive` (Fig 1C, Fig 1D / S3, Tables S1-S2). Importing this package imports none
of them (and no torch); :func:`modules` finds them for the CLI, which imports them to register their commands: a new
module needs no list to join.
"""

import pkgutil

NOT_ANALYSES = {"results"}
"""modules of this package that hold shared machinery, not an analysis"""


def modules() -> list[str]:
    """The names of the analysis modules of this package (every module but :data:`NOT_ANALYSES`)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in NOT_ANALYSES)
