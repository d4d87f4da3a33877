"""The task networks' training: resumable to the bit, and training kinds together changes no network."""

import numpy as np
import torch
from torch import nn

from cordsnet.cognitive.fit import evaluate, train
from cordsnet.cognitive.matching import match_parameters
from cordsnet.cognitive.networks import Integration, TaskRNN
from cordsnet.tasks import TaskSet

TS = TaskSet(("go", "memorypro"), delays_ms=(200.0,))
M = match_parameters(8, 3)


def nets(kinds=("fc", "cordsnet")) -> nn.ModuleList:
    return nn.ModuleList([TaskRNN(k, M, [0, 1], TS.layout.n_in, TS.layout.n_out) for k in kinds])


def batch(step):
    return [TS.mixed(np.random.default_rng([s, step]), 2) for s in (0, 1)]


def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tmp_path):
    whole = nets()
    train(whole, batch, Integration(), 6, 1e-2, 3, tmp_path / "a.pt", checkpoint_every=2, rate_penalty=1e-3)
    parts = nets()
    train(parts, batch, Integration(), 3, 1e-2, 3, tmp_path / "b.pt", checkpoint_every=2, rate_penalty=1e-3)
    resumed = nets()  # a fresh process: the state file is all it has
    history = train(resumed, batch, Integration(), 6, 1e-2, 3, tmp_path / "b.pt", checkpoint_every=2,
                    rate_penalty=1e-3)
    for a, b in zip(whole.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert [h["step"] for h in history] == [1, 2, 3, 4, 5, 6]
    assert not torch.equal(whole[0].w, nets()[0].w)  # it did train


def test_training_kinds_together_is_training_each_alone(tmp_path):
    both = nets(("fc", "sparse"))
    train(both, batch, Integration(), 4, 1e-2, 3, tmp_path / "both.pt")
    alone = nets(("sparse",))
    train(alone, batch, Integration(), 4, 1e-2, 3, tmp_path / "alone.pt")
    torch.testing.assert_close(both[1].w, alone[0].w, atol=1e-6, rtol=1e-5)


def test_evaluation_scores_each_slot_on_its_own_tasks():
    ev = evaluate(list(nets()), TS, [["go"], ["go", "memorypro"]], Integration(), 4, seed=0)
    assert ev.tasks == ["go", "memorypro"] and ev.correct.shape == (4, 2)
    assert np.isnan(ev.correct[[0, 2], 1]).all() and not np.isnan(ev.correct[[1, 3]]).any()
