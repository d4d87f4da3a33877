"""The downstream network's area structure, run by the cognitive tasks' simulation."""

import torch

from cordsnet.cognitive.networks import Integration, simulate
from cordsnet.multiarea.network import MultiAreaRNN, area_masks


def test_masks_wire_input_to_the_first_area_output_from_the_last_and_areas_in_a_chain():
    rec, w_in, w_out = area_masks([3, 2, 2], n_in=4, n_out=3, feedback=True)
    area = torch.tensor([0, 0, 0, 1, 1, 2, 2])
    for i in range(7):
        for j in range(7):
            assert bool(rec[i, j]) == (abs(int(area[i]) - int(area[j])) <= 1)
    assert w_in[:, :3].all() and not w_in[:, 3:].any()
    assert w_out[5:].all() and not w_out[:5].any()
    no_feedback = area_masks([3, 2], 4, 3, feedback=False)[0]
    assert not no_feedback[:3, 3:].any() and no_feedback[3:, :3].all()


def test_the_network_runs_in_the_shared_simulation_and_input_reaches_only_the_first_area():
    net = MultiAreaRNN([0, 1], n_in=5, sizes=[6, 4], n_out=3)
    assert net.weight().shape == (2, 10, 10) and net.n_models == 2
    inputs = torch.zeros(2, 1, 3, 5)
    inputs[:, 0, :, 0] = 1.0
    rates, outputs = simulate([net], inputs, Integration(alpha=1.0))
    # one step from rest: only the first area has any drive, and the readout reads only the last (still silent)
    assert rates[:, 0, :, 6:].abs().max() == 0 and rates[:, 0, :, :6].abs().max() > 0
    assert torch.allclose(outputs[:, 0], torch.sigmoid(net.b_out)[:, None, :].expand(-1, 3, -1))
    assert not torch.equal(net.w[0], net.w[1])  # seeds differ
