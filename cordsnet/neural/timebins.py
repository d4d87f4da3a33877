"""Model time on the recordings' clock: simulation steps to ms, and activity averaged in the recordings' time bins.

The model's Euler step is ``dt = alpha x tau`` ms (the paper: tau = 10 ms, so alpha 0.2 gives 2 ms steps). Step 0 of
the simulated stimulus period is image onset, 0 ms on the recordings' clock; ``latency`` ms shifts the model later
(a recorded response starts after the retina-to-cortex delay the model does not have). A bin ``[start, end)`` of the
recordings averages the model steps whose time falls in it; a bin the simulation does not reach is an error, not a
silent extrapolation. Activity may start with ``pre_steps`` steps before onset (the spontaneous state), so that
bins before the response's latency see what the network does before the image.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class BinError(ValueError):
    """Bins the simulated time does not cover; the message says how long to simulate."""


def step_times(steps: int, dt: float, latency: float = 0.0, pre_steps: int = 0) -> np.ndarray:
    """Time in ms (recordings' clock) of each simulated step: the state after stimulus step k is at (k + 1) dt;
    the ``pre_steps`` steps before onset come before it, at (k + 1 - pre_steps) dt."""
    return latency + dt * (np.arange(steps) + 1 - pre_steps)


def bin_average(activity: np.ndarray, dt: float, bin_start: np.ndarray, bin_end: np.ndarray,
                latency: float = 0.0, pre_steps: int = 0) -> np.ndarray:
    """``activity`` (steps, ...) averaged in each bin: (bins, ...). BinError when a bin ends after the last simulated
    step, or holds no step at all (a bin before the model's first step)."""
    times = step_times(activity.shape[0], dt, latency, pre_steps)
    out = []
    for start, end in zip(bin_start, bin_end, strict=True):
        if end > times[-1] + 1e-9:
            needed = int(np.ceil((end - latency) / dt))  # stimulus steps: the pre-onset ones do not count
            raise BinError(f"the bin [{start:g}, {end:g}) ms ends after the last simulated step ({times[-1]:g} ms at "
                           f"dt = {dt:g} ms, latency {latency:g} ms): simulate at least {needed} stimulus steps")
        inside = (times >= start) & (times < end)
        if not inside.any():
            raise BinError(f"no simulated step falls in the bin [{start:g}, {end:g}) ms (steps every {dt:g} ms from "
                           f"{times[0]:g} ms): drop bins before the model's first step, lower the latency or add "
                           "pre-onset steps")
        out.append(activity[inside].mean(0))
    return np.stack(out)


def protocol(window: tuple[float, float], latencies: list[float], dt: float, presentation_ms: float,
             first_bin: float) -> tuple[int, int, int]:
    """(pre-onset steps, image-on steps, blank steps) that cover every bin of ``window`` at every latency."""
    steps = math.ceil((window[1] - min(latencies)) / dt) + 1
    pre = max(0, math.ceil((max(latencies) - first_bin) / dt)) + 1
    on = min(steps, max(1, round(presentation_ms / dt)))
    return pre, on, steps - on


def surrogate_bins(n: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The surrogate's bins: ``surrogate.bin_ms`` wide, tiling ``window_ms``."""
    lo, hi = n["window_ms"]
    width = n["surrogate"]["bin_ms"]
    start = np.arange(lo, hi - width + 1e-9, width)
    return start, start + width
