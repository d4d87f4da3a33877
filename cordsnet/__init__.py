"""CordsNet: continuous-time convolutional recurrent networks for biological vision.

A reproduction of Soo, Battista, Radmard & Wang, "Recurrent neural network dynamical systems for biological
vision" (NeurIPS 2024). Subpackages follow the paper:

- the foundation: :mod:`cordsnet.config` (one schema-validated parameter source), :mod:`cordsnet.layout` (where
  every file of a run lives), :mod:`cordsnet.concerns` (the paper's concerns: what each job reads and writes),
  :mod:`cordsnet.io`, :mod:`cordsnet.provenance`, :mod:`cordsnet.claims.verdicts`
- :mod:`cordsnet.data` -- datasets (offline-first sources, readers, transforms, manifests)
- :mod:`cordsnet.models` -- the CordsNet family, its CNN counterpart and the discrete-time baseline
- :mod:`cordsnet.engine` -- the fast simulation engine and the plain reference it is checked against
- :mod:`cordsnet.training` -- the staged training (one record per stage), its two controls and Table 1
- :mod:`cordsnet.trained` -- trained models for everyone who uses them (``load_trained``)
- one folder per concern, each with its toolkit and its ``analysis.py``: :mod:`cordsnet.dynamics` (Fig 1B, 4A, S1),
  :mod:`cordsnet.temporal` (Fig 3, 4B-C), :mod:`cordsnet.cognitive` (Fig 1C-D), :mod:`cordsnet.multiarea` (Fig 5),
  :mod:`cordsnet.neural` (Fig 6), :mod:`cordsnet.ablation` (Table S5), :mod:`cordsnet.compute` (Fig 2),
  :mod:`cordsnet.claims` (the scorecard)
- :mod:`cordsnet.cli` -- the commands; :mod:`cordsnet.authors` -- the authors' released checkpoint

Layers import only downward (``.importlinter``, checked by the tests).
"""

__version__ = "0.1.0"
