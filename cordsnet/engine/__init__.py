"""Simulation of CordsNet in time: the fast engine and the plain reference it is checked against."""

from cordsnet.engine.reference import reference_simulate
from cordsnet.engine.simulate import SimulationResult, simulate, spontaneous_state

__all__ = ["SimulationResult", "reference_simulate", "simulate", "spontaneous_state"]
