"""Compute per time step (Fig 2): parameters and multiply-accumulates of CordsNet against CNNs
(:mod:`cordsnet.compute.analysis`)."""
