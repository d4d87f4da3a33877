"""Temporal dynamics and noise robustness on the trained models (Fig 3A-D, Fig 4B-C; claims C4, C5).

- :mod:`cordsnet.temporal.noise`: accuracy and activation error under pixel noise (Fig 3C-D, C4);
- :mod:`cordsnet.temporal.analysis`: stimulus sequences (Fig 3B, C5), one channel over time (Fig 3A), steady-state vs
  transient solutions and their trajectories (Fig 4B-C);
- :mod:`cordsnet.temporal.tables`: their tables, from the result files alone (no torch);
- :mod:`cordsnet.temporal.settings`: the section's cross-key checks (torch-free).
"""
