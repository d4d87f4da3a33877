"""Neural prediction (Fig 6): recordings in the Brain-Score assembly format and their reliability.

:mod:`cordsnet.neural.assembly` reads a time-binned NeuroidAssembly (netCDF, dims presentation x neuroid x time_bin)
with xarray, checks its format, averages repetitions, splits it by region and measures each site's split-half
reliability (the ceiling of any model's prediction). :mod:`cordsnet.neural.mapping` maps model features to the sites
with cross-validated ridge regression and scores the held-out predictions, ceiled by that reliability.
:mod:`cordsnet.neural.timebins` puts simulation steps on the recordings' clock and averages them in their bins;
:mod:`cordsnet.neural.surrogate` writes a labelled synthetic surrogate of the recordings, with known ground truth, in
the same format, for runs that cannot reach the real ones.

The rest of Fig 6 (recording the trained models through the engine, the time-invariant baseline and its test, the
rules, the notebook and the configuration section) is open work: issue "Neural prediction over time".
"""
