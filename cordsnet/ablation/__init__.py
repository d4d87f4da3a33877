"""Table S5 (claim C11): which solutions the loss ramp and the spontaneous penalty produce.

:mod:`~cordsnet.ablation.settings` lists the sweep (the loss ramp's range at the recipe's penalty, the penalty's
coefficient at the recipe's ramp) and the exact stage configuration of every run (the annealing stage from the main
run's linear RNN, one setting changed); :mod:`~cordsnet.ablation.classify` labels a trained model's solution from
its simulated trajectories with the thresholds of the ``ablation`` config section: steady-state vs transient, and
mono-stable vs multi-stable vs oscillatory. Torch-free except :func:`~cordsnet.ablation.classify.probe_model`.
"""
