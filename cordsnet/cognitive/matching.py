"""Matching the recurrent parameter counts of the four network kinds (Table S1). Torch-free: the configuration
check uses it when Snakemake plans.

CordsNet's count is fixed by its kernel: an area of s channels on an s x s map (N = s^3) with a k x k kernel has
C^2 k^2 = s^2 k^2 recurrent weights. The low-rank network's rank and the sparse network's number of entries are
chosen to match it (the fully-connected network keeps its N^2: it is the reference the others are compared with).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

KINDS = ("fc", "cordsnet", "lowrank", "sparse")


class MatchingError(ValueError):
    """A size, kernel, rank or density that cannot be; ``key`` names the setting (``sizes``, ``kernel_size`` ...)."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def cube_side(n: int) -> int:
    """The side s of N = s^3 (a CordsNet area of s channels on an s x s map); ValueError when N is not a cube."""
    s = round(n ** (1 / 3))
    if s**3 != n:
        below = max(k for k in range(1, s + 2) if k**3 < n)
        raise MatchingError("sizes", f"{n} units is not a cube (s^3): a CordsNet area needs C x H x W = s x s x s; "
                             f"the nearest are {below**3} and {(below + 1) ** 3}")
    return s


@dataclass(frozen=True)
class Matching:
    """Recurrent settings of the four kinds at one size, matched to CordsNet's parameter count (Table S1)."""

    units: int
    side: int
    kernel: int
    rank: int
    nnz: int

    @property
    def density(self) -> float:
        return self.nnz / self.units**2

    def parameters(self, kind: str) -> int:
        """Recurrent parameters of one network of ``kind`` (weights; the bias is counted apart, N for every kind)."""
        return {"fc": self.units**2, "cordsnet": self.side**2 * self.kernel**2, "lowrank": 2 * self.units * self.rank,
                "sparse": self.nnz}[kind]


def match_parameters(units: int, kernel: int, rank: int | None = None, density: float | None = None) -> Matching:
    """Rank and sparse entries that match CordsNet's ``C^2 k^2`` recurrent parameters as closely as integers allow
    (a tie in rank takes the larger), unless given. MatchingError, naming the setting, when one is impossible for N."""
    side = cube_side(units)
    if kernel < 1 or kernel % 2 == 0 or kernel > 2 * side - 1:
        raise MatchingError("kernel_size", f"kernel {kernel} for {units} units ({side}x{side} map): use an odd size "
                            f"from 1 to {2 * side - 1} (larger kernels reach past the map under zero padding)")
    target = side**2 * kernel**2
    if rank is None:
        rank = max(1, math.floor(target / (2 * units) + 0.5))
    if not 1 <= rank <= units:
        raise MatchingError("rank", f"rank {rank} is impossible for {units} units: use 1 to {units}")
    nnz = target if density is None else round(density * units**2)
    if not 1 <= nnz <= units**2:
        raise MatchingError("density", f"density {density} is impossible for {units} units: it must leave between 1 "
                            f"and {units**2} entries, i.e. lie in [{1 / units**2:.2e}, 1]")
    return Matching(units, side, kernel, rank, nnz)


