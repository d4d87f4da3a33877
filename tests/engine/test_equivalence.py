"""The engine and the plain reference formulation agree to 1e-5 relative, outputs and gradients."""

import pytest
import torch

from cordsnet.engine import reference_simulate, simulate, spontaneous_state
from cordsnet.models import CordsNet


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm().clamp_min(1e-30))


def model(depth, size=16, width=0.125, stem="small", channels=1, classes=10, nonlinearity="relu", seed=0):
    torch.manual_seed(seed)
    m = CordsNet(depth=depth, in_channels=channels, num_classes=classes, width=width, stem=stem, image_size=size,
                 nonlinearity=nonlinearity, slope=0.3 if nonlinearity == "prelu" else 0.0)
    with torch.no_grad():
        for area in m.areas:
            area.bias.normal_(0, 0.2)  # a non-zero spontaneous state
    return m


@pytest.mark.parametrize("depth", [2, 4, 6, 8])
@pytest.mark.parametrize("nonlinearity", ["relu", "identity", "prelu"])
def test_outputs_small(depth, nonlinearity):
    m = model(depth, nonlinearity=nonlinearity)
    a, b = torch.randn(3, 1, 16, 16), torch.randn(3, 1, 16, 16)
    schedule = [(a, 12), (None, 4), (b, 6)]
    with torch.inference_mode():
        ref = reference_simulate(m, schedule, spontaneous_steps=10)
        out = simulate(m, schedule, spontaneous_steps=10).logits
    assert out.shape == ref.shape == (22, 3, 10)
    assert rel(out, ref) < 1e-5


@pytest.mark.parametrize("depth", [2, 4, 6, 8])
def test_outputs_paper_scale_224px(depth):
    m = model(depth, size=224, width=1.0, stem="paper", channels=3, classes=1000)
    x = torch.randn(1, 3, 224, 224)
    with torch.inference_mode():
        ref = reference_simulate(m, [(x, 3)], spontaneous_steps=2)
        out = simulate(m, [(x, 3)], spontaneous_steps=2).logits
    assert rel(out, ref) < 1e-5


def _grads(m, fn):
    m.zero_grad()
    logits = fn()
    target = torch.arange(logits.shape[1]) % logits.shape[2]
    loss = sum(torch.nn.functional.cross_entropy(logits[t], target) * w
               for t, w in zip(range(-3, 0), (0.01, 0.1, 1.0), strict=True))
    loss.backward()
    return torch.cat([p.grad.reshape(-1) for p in m.parameters() if p.grad is not None]), logits.detach()


@pytest.mark.parametrize("depth", [2, 4, 6, 8])
def test_gradients_small(depth):
    m = model(depth)
    x = torch.randn(2, 1, 16, 16)
    g_ref, l_ref = _grads(m, lambda: reference_simulate(m, [(x, 8)], spontaneous_steps=5))
    g_eng, l_eng = _grads(m, lambda: simulate(m, [(x, 8)], spontaneous_steps=5).logits)
    assert rel(l_eng, l_ref) < 1e-5
    assert rel(g_eng, g_ref) < 1e-5


def test_gradients_paper_scale_224px():
    m = model(4, size=224, width=1.0, stem="paper", channels=3, classes=1000)
    x = torch.randn(2, 3, 224, 224)
    g_ref, _ = _grads(m, lambda: reference_simulate(m, [(x, 3)], spontaneous_steps=2))
    g_eng, _ = _grads(m, lambda: simulate(m, [(x, 3)], spontaneous_steps=2).logits)
    assert rel(g_eng, g_ref) < 1e-5


def test_state_recording_and_record_steps():
    m = model(4)
    x = torch.randn(2, 1, 16, 16)
    with torch.inference_mode():
        out = simulate(m, [(x, 10)], spontaneous_steps=3, record=[1, 3], record_steps=slice(-4, None))
    assert out.states[1].shape == (4, 2, 8, 16, 16)
    assert out.states[3].shape == (4, 2, 16, 8, 8)
    torch.testing.assert_close(out.states[3][-1], out.final_states[3].float())
    with pytest.raises(ValueError, match="cannot record area 4"):
        simulate(m, [(x, 1)], record=[4])


def test_spontaneous_state_is_image_independent_cached_and_invalidated():
    m = model(2)
    with torch.inference_mode():
        s1 = spontaneous_state(m, 7)
        s2 = spontaneous_state(m, 7)
        assert s1 is s2  # cached
        o1 = simulate(m, [(torch.randn(2, 1, 16, 16), 1)], spontaneous_steps=7)
        o2 = simulate(m, [(torch.randn(4, 1, 16, 16), 1)], spontaneous_steps=7)
    assert o1.spontaneous is o2.spontaneous
    # the reference's state after a blank warm-up is the same for every image of the batch
    with torch.inference_mode():
        ref = reference_simulate(m, [(None, 1)], spontaneous_steps=6, batch_size=3)
        eng = simulate(m, [(None, 1)], spontaneous_steps=6, batch_size=3).logits
    assert rel(eng, ref) < 1e-5
    with torch.no_grad():
        m.areas[0].bias.add_(0.5)
    with torch.inference_mode():
        s3 = spontaneous_state(m, 7)
    assert s3 is not s1 and not torch.allclose(s3[0], s1[0])


def test_deterministic():
    m = model(4)
    x = torch.randn(2, 1, 16, 16)
    g = torch.Generator().manual_seed(1)
    with torch.inference_mode():
        a = simulate(m, [(x, 5)], spontaneous_steps=3, input_noise=0.5, state_noise=0.1,
                     generator=torch.Generator().manual_seed(1)).logits
        b = simulate(m, [(x, 5)], spontaneous_steps=3, input_noise=0.5, state_noise=0.1, generator=g).logits
        c = simulate(m, [(x, 5)], spontaneous_steps=3).logits
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


@pytest.mark.parametrize("nonlinearity", ["relu", "prelu"])
def test_noisy_input_path_equals_the_reference_with_the_same_noise(nonlinearity):
    """Fresh noise on the screen at every step (image and blank): the engine's noisy path, which runs the stem
    every step, against the reference drawing the same noise from the same generator."""
    m = model(2, nonlinearity=nonlinearity)
    x = torch.randn(2, 1, 16, 16)
    schedule = [(x, 5), (None, 3)]
    with torch.inference_mode():
        eng = simulate(m, schedule, spontaneous_steps=3, input_noise=0.5,
                       generator=torch.Generator().manual_seed(3)).logits
        ref = reference_simulate(m, schedule, spontaneous_steps=3, input_noise=0.5,
                                 generator=torch.Generator().manual_seed(3))
        clean = simulate(m, schedule, spontaneous_steps=3).logits
    assert rel(eng, ref) < 1e-5
    assert rel(eng, clean) > 1e-2  # the noise did reach the network


def test_bf16_inference_is_close_and_refused_for_training():
    m = model(4, size=32)
    x = torch.randn(2, 1, 32, 32)
    with torch.inference_mode():
        a = simulate(m, [(x, 10)], spontaneous_steps=5).logits
        b = simulate(m, [(x, 10)], spontaneous_steps=5, precision="bf16").logits
    assert rel(b, a) < 5e-2
    with pytest.raises(ValueError, match="inference only"):
        simulate(m, [(x, 2)], precision="bf16")


@pytest.mark.parametrize("depth", [2, 4])
def test_a_bounded_backprop_window_is_the_reference_detached_there(depth):
    """grad_from=k: the same forward numbers; the gradient of the reference with its states detached before step k;
    k = 0 is the full gradient, a later k another one."""
    m = model(depth)
    x = torch.randn(3, 1, 16, 16)

    def grads(run):
        m.zero_grad()
        run()[-4:].square().mean().backward()
        return torch.cat([(torch.zeros_like(p) if p.grad is None else p.grad).flatten() for p in m.parameters()])

    full = grads(lambda: simulate(m, [(x, 12)], spontaneous_steps=5, warmup_grad=False).logits)
    for k in (0, 6):
        out = simulate(m, [(x, 12)], spontaneous_steps=5, warmup_grad=False, grad_from=k).logits
        ref = reference_simulate(m, [(x, 12)], spontaneous_steps=5, warmup_grad=False, grad_from=k)
        assert rel(out.detach(), ref.detach()) < 1e-5
        g = grads(lambda k=k: simulate(m, [(x, 12)], spontaneous_steps=5, warmup_grad=False, grad_from=k).logits)
        g_ref = grads(lambda k=k: reference_simulate(m, [(x, 12)], spontaneous_steps=5, warmup_grad=False,
                                                      grad_from=k))
        assert rel(g, g_ref) < 1e-5
        assert (rel(g, full) < 1e-6) == (k == 0)


def test_a_warm_up_without_gradients_starts_from_its_detached_state():
    """warmup_grad=False (the released training scripts): the same forward pass, and the gradients of a run that
    starts, by the plain reference update, from the warm-up's state computed without gradients."""
    from cordsnet.engine import reference_step
    from cordsnet.models.blocks import readout_features

    m = model(2)
    x = torch.randn(2, 1, 16, 16)
    g_with, l_with = _grads(m, lambda: simulate(m, [(x, 6)], spontaneous_steps=5).logits)
    g_eng, l_eng = _grads(m, lambda: simulate(m, [(x, 6)], spontaneous_steps=5, warmup_grad=False).logits)

    def oracle():
        with torch.no_grad():
            states = [s.expand(2, *s.shape[1:]).clone() for s in spontaneous_state(m, 5, use_cache=False)]
        logits = []
        for _ in range(6):
            states = reference_step(m, states, x)
            logits.append(m.readout(readout_features([torch.relu(r) for r in states])))
        return torch.stack(logits)

    g_ref, l_ref = _grads(m, oracle)
    assert rel(l_eng, l_with) < 1e-6 and rel(l_eng, l_ref) < 1e-5
    assert rel(g_eng, g_ref) < 1e-5
    assert rel(g_eng, g_with) > 1e-4  # the warm-up's own gradient is left out


def test_a_warm_up_without_gradients_after_an_inference_call_trains():
    """A stage scores the model under inference_mode (caching its spontaneous state) before its first update; the
    detached warm-up must not reuse those inference tensors (autograd refuses them)."""
    m = model(2)
    x = torch.randn(2, 1, 16, 16)
    with torch.inference_mode():
        simulate(m, [(x, 6)], spontaneous_steps=5)
    assert m._spontaneous_cache is not None
    g, _ = _grads(m, lambda: simulate(m, [(x, 6)], spontaneous_steps=5, warmup_grad=False).logits)
    assert torch.isfinite(g).all() and g.abs().sum() > 0
