"""Simulation of CordsNet in time: the fast engine and the plain reference it is checked against."""

from cordsnet.engine.reference import reference_simulate, reference_step
from cordsnet.engine.simulate import SimulationResult, Stepper, simulate, spontaneous_state

__all__ = ["SimulationResult", "Stepper", "reference_simulate", "reference_step", "simulate", "spontaneous_state"]
