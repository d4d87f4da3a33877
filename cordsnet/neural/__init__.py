"""Neural prediction (Fig 6): recordings in the Brain-Score assembly format and their reliability.

:mod:`cordsnet.neural.assembly` reads a time-binned NeuroidAssembly (netCDF, dims presentation x neuroid x time_bin)
with xarray, checks its format, averages repetitions, splits it by region and measures each site's split-half
reliability (the ceiling of any model's prediction). :mod:`cordsnet.neural.mapping` maps model features to the sites
with cross-validated ridge regression and scores the held-out predictions, ceiled by that reliability.

The rest of Fig 6 (the synthetic surrogate for offline runs, model activity in time bins, the time-invariant
baseline and its test, the rules and the notebook) is open work: issue "Neural prediction over time".
"""
