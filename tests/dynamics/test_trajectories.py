import numpy as np
import pytest
import torch

from cordsnet.dynamics import project_trajectories, simulate_trajectories
from cordsnet.models import CordsNet


def test_pca_projection_recovers_a_planted_plane():
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((50, 2)))[0]
    t = np.linspace(0, 1, 30)
    coords = np.stack([np.stack([np.cos(t * (i + 1)), np.sin(t * (i + 1))], 1) for i in range(3)])  # B x T x 2
    states = torch.from_numpy((coords @ basis.T).transpose(1, 0, 2).copy())  # T x B x n
    proj = project_trajectories(states, 2)
    assert proj.projections.shape == (3, 30, 2)
    assert proj.explained_variance_ratio.sum() > 0.999


def test_simulated_trajectories_of_the_last_area():
    torch.manual_seed(0)
    m = CordsNet(depth=2, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=12)
    proj = simulate_trajectories(m, torch.randn(3, 1, 12, 12), stimulus_steps=8, spontaneous_steps=4,
                                 blank_steps=4)
    assert proj.projections.shape == (3, 12, 2)
    with pytest.raises(ValueError, match="n_components"):
        project_trajectories(torch.zeros(2, 1, 3), 5)
