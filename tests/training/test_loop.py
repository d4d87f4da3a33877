"""The training loop's model selection on the validation split: the best state is kept, only eligible steps count,
and a run resumed after a kill selects exactly what an uninterrupted one selects."""

import pytest
import torch

from cordsnet.training.loop import LoopConfig, TensorData, cosine_decay, evaluation_steps, train


def _setup(tmp_path, name="state.pt", steps=8, evaluations=4):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(32, 3), torch.randint(0, 2, (32,))
    data = TensorData(None, 32, (x, y))
    cfg = LoopConfig(steps=steps, batch_size=8, seed=0, checkpoint=tmp_path / name, checkpoint_every=2,
                     evaluations=evaluations)

    def loss_fn(step, xb, yb):
        return torch.nn.functional.cross_entropy(model(xb), yb), {}

    return model, opt, data, cfg, loss_fn


SCORES = {0: 0.50, 2: 0.70, 4: 0.90, 6: 0.60, 8: 0.80}
"""validation accuracy after each evaluated step (scripted, so that the best one is known)"""


def _validate(model, counter):
    def f():
        step = counter["step"]
        return SCORES[step]
    return f


def _run(tmp_path, name, stop_after=None, eligible=None):
    model, opt, data, cfg, loss_fn = _setup(tmp_path, name)
    counter = {"step": 0}

    def loss(step, xb, yb):
        counter["step"] = step + 1  # the step the next validation follows
        return loss_fn(step, xb, yb)

    # resumed runs start where the checkpoint left off
    if cfg.checkpoint.is_file():
        counter["step"] = int(torch.load(cfg.checkpoint, weights_only=True)["step"])
    res = train(model, opt, data, cfg, loss, validate=_validate(model, counter), eligible=eligible,
                stop_after=stop_after)
    return model, res


def test_evaluation_steps_are_evenly_spaced_and_end_at_the_last_step():
    assert evaluation_steps(8, 4) == {2, 4, 6, 8}
    assert evaluation_steps(10, 3) == {4, 7, 10}
    assert evaluation_steps(5, 0) == set()


def test_a_known_start_score_is_used_not_recomputed(tmp_path):
    """A stage that starts from its predecessor's kept model takes that model's score (``start_score``)."""
    model, opt, data, cfg, loss_fn = _setup(tmp_path, "s.pt")
    calls = []
    res = train(model, opt, data, cfg, loss_fn, validate=lambda: calls.append(1) or 0.1, start_score=0.75)
    assert res.start_accuracy == 0.75 and len(calls) == len(res.validation) - 1


def test_the_best_validation_state_is_kept_with_its_start_and_curve(tmp_path):
    _, res = _run(tmp_path, "a.pt")
    assert [v["step"] for v in res.validation] == [0, 2, 4, 6, 8]
    assert res.start_accuracy == 0.5 and res.best_step == 4 and res.best_accuracy == 0.9
    # the kept state is the model after step 4, not the last one
    model, opt, data, cfg, loss_fn = _setup(tmp_path, "b.pt", steps=4, evaluations=0)
    train(model, opt, data, cfg, loss_fn)
    assert all(torch.equal(res.best_state[k], v) for k, v in model.state_dict().items())


def test_only_eligible_steps_can_be_kept_and_only_they_are_scored(tmp_path):
    _, res = _run(tmp_path, "a.pt", eligible=lambda step: step >= 6)  # e.g. annealing: the ReLU steps
    assert res.best_step == 8 and res.best_accuracy == 0.8
    # the start is scored (the stage table's start value); steps 2 and 4 could never be kept, so cost no pass
    assert [v["step"] for v in res.validation] == [0, 6, 8]
    _, none = _run(tmp_path, "b.pt", eligible=lambda step: False)
    assert none.best_state is None and none.best_step is None


@pytest.mark.parametrize("kill_after", [3, 5])
def test_a_resumed_run_keeps_what_an_uninterrupted_one_keeps(tmp_path, kill_after):
    _, whole = _run(tmp_path, "whole.pt")
    _, killed = _run(tmp_path, "run.pt", stop_after=kill_after)
    assert killed.steps == kill_after
    _, resumed = _run(tmp_path, "run.pt")
    assert resumed.validation == whole.validation and resumed.best_step == whole.best_step
    assert all(torch.equal(resumed.best_state[k], v) for k, v in whole.best_state.items())


def test_cosine_decay_holds_until_its_start_then_falls_to_zero():
    f = cosine_decay(100, start=60)
    assert [f(s) for s in (0, 59, 60)] == [1.0, 1.0, 1.0]
    assert f(80) == pytest.approx(0.5) and f(100) == pytest.approx(0.0) and 0 < f(99) < 0.01
    values = [f(s) for s in range(60, 101)]
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))
    assert cosine_decay(10)(5) == pytest.approx(0.5)
