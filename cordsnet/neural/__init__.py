"""Neural prediction (Fig 6): recordings in the Brain-Score assembly format, model time courses, the mapping.

- :mod:`cordsnet.neural.assembly` reads a time-binned NeuroidAssembly (netCDF, dims presentation x neuroid x
  time_bin) with xarray, checks its format, averages repetitions, splits it by region and measures each site's
  split-half reliability (the ceiling of any model's prediction);
- :mod:`cordsnet.neural.stimuli` converts a stimulus set's images to a model's input format (and writes one);
- :mod:`cordsnet.neural.features` records a trained network's areas over time through the engine, before and after
  onset, and builds the time-invariant baselines (CordsNet's steady state, the CNN counterpart's pass);
- :mod:`cordsnet.neural.timebins` puts simulation steps on the recordings' clock and averages them in their bins;
- :mod:`cordsnet.neural.mapping` maps features to sites with cross-validated ridge regression per bin, scores the
  held-out predictions ceiled by the reliability, and compares two models with a paired bootstrap over images;
- :mod:`cordsnet.neural.surrogate` writes a labelled synthetic surrogate of the recordings, with known ground truth,
  in the same format, for runs that cannot reach the real ones;
- :mod:`cordsnet.neural.recordings` writes the surrogate from a trained network, or reads the recordings and restricts
  them to the chosen images and window;
- :mod:`cordsnet.neural.settings` says which models and clock the configuration means (torch-free).

:mod:`cordsnet.neural.analysis` chains them over the trained models (docs/neural.md).
"""
