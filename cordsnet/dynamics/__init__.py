"""Dynamical-systems toolkit for convolutional recurrent operators (Fig 1B, Fig 4, Fig S1).

- :mod:`~cordsnet.dynamics.operators`: matrix-free recurrent convolutions and Jacobians (torch and scipy).
- :mod:`~cordsnet.dynamics.eigen`: the paper's Arnoldi iteration, ARPACK, power iteration.
- :mod:`~cordsnet.dynamics.spectra`: exact FFT singular values / eigenvalues, scaling to a spectral radius.
- :mod:`~cordsnet.dynamics.regimes`: stable, oscillatory and chaotic regimes with measured diagnostics.
- :mod:`~cordsnet.dynamics.trajectories`: a trained network held on its stimulus (steady-state vs transient),
  PCA projections of activity over time.
- :mod:`~cordsnet.dynamics.analysis`: the concern's driver and commands (Fig 4A, Fig S1A, Fig 1B / S1B).
"""

from cordsnet.dynamics.eigen import arnoldi, arpack_eigs, power_iteration
from cordsnet.dynamics.operators import (
    ConvOperator,
    EulerStepOperator,
    JacobianOperator,
    StepJacobianOperator,
    area_jacobian,
    as_linear_operator,
    dense_matrix,
)
from cordsnet.dynamics.spectra import circular_singular_values, scale_to_radius, singular_values_vs_kernel
from cordsnet.dynamics.trajectories import project_trajectories, simulate_trajectories

__all__ = [
    "ConvOperator",
    "EulerStepOperator",
    "JacobianOperator",
    "StepJacobianOperator",
    "area_jacobian",
    "arnoldi",
    "arpack_eigs",
    "as_linear_operator",
    "circular_singular_values",
    "dense_matrix",
    "power_iteration",
    "project_trajectories",
    "scale_to_radius",
    "simulate_trajectories",
    "singular_values_vs_kernel",
]
