"""CordsNet: continuous-time convolutional recurrent networks for biological vision.

A reproduction of Soo, Battista, Radmard & Wang, "Recurrent neural network dynamical systems for biological
vision" (NeurIPS 2024). Subpackages follow the paper:

- :mod:`cordsnet.data` -- datasets (offline-first sources, readers, transforms, manifests)
- :mod:`cordsnet.models` -- the CordsNet family, its CNN counterpart and the discrete-time baseline
- :mod:`cordsnet.engine` -- the fast simulation engine and the plain reference it is checked against
- :mod:`cordsnet.training` -- the staged training (s1-s5) and its two controls
- :mod:`cordsnet.dynamics` -- matrix-free operators, Arnoldi / power iteration, dynamical regimes
- :mod:`cordsnet.analyses` -- one module per analysis of the paper (Table 1, compute, dynamics, ...)
- :mod:`cordsnet.layout` -- where every file of a run lives; :mod:`cordsnet.concerns` -- the workflow's concerns
"""

__version__ = "0.1.0"
