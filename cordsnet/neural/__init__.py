"""Neural prediction (Fig 6): recordings in the Brain-Score assembly format, model time courses, the mapping.

- :mod:`cordsnet.neural.assembly` reads a time-binned NeuroidAssembly (netCDF, dims presentation x neuroid x
  time_bin) with xarray, checks its format, averages repetitions, splits it by region and measures each site's
  split-half reliability (the ceiling of any model's prediction);
- :mod:`cordsnet.neural.features` records a trained network's areas over time through the engine (and builds the
  time-invariant baseline);
- :mod:`cordsnet.neural.timebins` puts simulation steps on the recordings' clock and averages them in their bins;
- :mod:`cordsnet.neural.mapping` maps features to sites with cross-validated ridge regression, scores the held-out
  predictions ceiled by the reliability, and compares two models with a paired bootstrap over images;
- :mod:`cordsnet.neural.surrogate` writes a labelled synthetic surrogate of the recordings, with known ground truth,
  in the same format, for runs that cannot reach the real ones.

The analysis that chains them over the trained models, its configuration section, rules and notebook are open
work: issue "Neural prediction over time".
"""
