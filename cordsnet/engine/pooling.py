"""Area activity as features: rectified and average-pooled on a small grid, on the host.

The one pooling every analysis of trained areas over time reads (the neural prediction of Fig 6 and the multi-area
front end of Fig 5), so that both see the same features of the same states.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def pooled(states: torch.Tensor, pool: int) -> np.ndarray:
    """(..., C, H, W) rectified and average-pooled to (..., C * pool^2), as a numpy array on the host."""
    lead = states.shape[:-3]
    pooled = nn.functional.adaptive_avg_pool2d(torch.relu(states).flatten(0, len(lead) - 1), pool)
    return pooled.reshape(*lead, -1).float().cpu().numpy()
