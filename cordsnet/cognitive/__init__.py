"""The cognitive-task networks (Fig 1C, Fig 1D / S3, Tables S1-S2; claim C8): CordsNet-style, fully-connected,
low-rank and sparse RNNs of matched size on the task suite of :mod:`cordsnet.tasks`.

- :mod:`cordsnet.cognitive.matching` matches the four kinds' parameter counts (torch-free);
- :mod:`cordsnet.cognitive.networks` builds them and steps them in time (their ``Integration``: alpha, nonlinearity,
  noise), all networks of one size in one batched computation;
- :mod:`cordsnet.cognitive.fit` is their training loop, :mod:`cordsnet.cognitive.runs` the configuration's networks
  built, trained per size (resumable) and loaded;
- :mod:`cordsnet.cognitive.compare` (Procrustes distances) and :mod:`cordsnet.cognitive.attractors` (fixed points);
- :mod:`cordsnet.cognitive.settings` holds the section's cross-key checks;
- :mod:`cordsnet.cognitive.analysis` is the driver and its commands (docs/cognitive.md).
"""
