"""The fast simulation engine: the same numbers as :mod:`cordsnet.engine.reference`, much less work.

What it saves, all exact (tests check agreement to 1e-5 with the reference, outputs and gradients):

1. **Spontaneous state once.** A blank image gives a zero stem drive, so the warm-up does not depend on the image:
   it runs at batch 1 and is broadcast to the batch. Under inference it is cached on the model and reused until a
   parameter or buffer changes (their version counters are part of the cache key).
2. **Constant drives once per image.** While an image is shown, the stem output s is constant, hence so are area 0's
   whole feedforward drive b_0 + Conv_ff_0(s) and area 1's skip Conv_in(s): computed once per image, not per step.
3. **Weights once per simulation.** Weight normalisation is evaluated once (``parametrize.cached``), not at every
   access of every step.
4. **Less memory traffic.** Under ReLU dynamics states are non-negative, so relu(r) = r is not recomputed; under
   inference states are updated in place (deepest area first, which keeps the update synchronous) and kept in
   channels-last layout, which the CPU convolution kernels prefer. Under gradients they stay in the default layout:
   there channels-last made the element-wise backward kernels (ReLU's mask) take a strided path that cost 12% of
   a default-scale update (``benchmarks/training.py``; docs/benchmarks.md).

Optional: additive Gaussian input noise (fresh each step, so the stem then runs every step) and state noise;
``precision="bf16"`` runs the convolutions in bfloat16 under inference only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch.nn.utils import parametrize

from cordsnet.models.blocks import compose_input, readout_features
from cordsnet.models.cordsnet import CordsNet

Schedule = Sequence[tuple[torch.Tensor | None, int]]
"""A list of (images B x C x H x W, or None for a blank screen; number of steps)."""


@dataclass
class SimulationResult:
    logits: torch.Tensor
    """T x B x classes: the readout at every step of the schedule (not of the warm-up)."""
    states: dict[int, torch.Tensor] = field(default_factory=dict)
    """area index -> T' x B x C x H x W for the recorded areas and steps."""
    final_states: list[torch.Tensor] = field(default_factory=list)
    spontaneous: list[torch.Tensor] = field(default_factory=list)
    """the spontaneous state of every area, 1 x C x H x W (may be the model's cached copy: do not modify)"""


def _cache_key(model: CordsNet, steps: int, dtype: torch.dtype, device: torch.device) -> tuple:
    tensors = list(model.parameters()) + list(model.buffers())
    return (steps, dtype, str(device), model.alpha, model.nonlinearity,
            tuple((id(t), t._version) for t in tensors))


class Stepper:
    """The engine's step: one simulation's settings, shared by the warm-up and stimulus phases.

    Public so that the compute accounting counts exactly the engine's per-step work: :meth:`drives` is what is
    computed once per image shown, :meth:`step` and :meth:`readout` what is computed every step.
    """

    def __init__(self, model: CordsNet, inplace: bool, state_noise: float, generator: torch.Generator | None):
        self.model = model
        self.alpha = model.alpha
        self.inplace = inplace
        self.state_noise = state_noise
        self.generator = generator
        self.nonneg = model.nonlinearity == "relu" and state_noise == 0.0

    def drives(self, s: torch.Tensor | None, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(b_0 + Conv_ff_0(s), Conv_in(s)) for a stem output s; a blank (s = None) gives (b_0, 0)."""
        areas = self.model.areas
        if s is None:
            const0 = areas[0].bias.unsqueeze(0).to(like.dtype)
            stem_skip = None
            if len(areas) > 1 and areas[1].skip is not None:
                stem_skip = torch.zeros((), dtype=like.dtype, device=like.device)
            return const0, stem_skip
        const0 = areas[0].ff(s) + areas[0].bias
        stem_skip = areas[1].skip(s) if areas[1].skip is not None else None
        return const0, stem_skip

    def step(self, states: list[torch.Tensor], const0: torch.Tensor,
             stem_skip: torch.Tensor | None) -> list[torch.Tensor]:
        model, a = self.model, self.alpha
        acts = states if self.nonneg else [torch.relu(r) for r in states]
        new = states if self.inplace else list(states)
        for i in reversed(range(len(model.areas))):
            area = model.areas[i]
            r = states[i]
            # Fresh convolution outputs are accumulated in place (safe under autograd: neither the convolution's
            # nor the addition's backward needs them).
            if i == 0:
                pre = area.rec(r).add_(const0)
            else:
                u = compose_input(area.spec, acts, None, area.skip, stem_skip)
                pre = area.rec(r).add_(area.ff(u)).add_(area.bias)
            if self.state_noise:
                pre.add_(torch.randn(pre.shape, generator=self.generator, dtype=pre.dtype, device=pre.device),
                         alpha=self.state_noise)
            target = torch.relu_(pre) if model.nonlinearity == "relu" else model.phi(pre)
            if target.dtype != r.dtype:  # bf16 convolutions; states stay fp32
                target = target.to(r.dtype)
            # r + a (phi - r) = (1 - a) r + a phi, in one pass over memory
            new[i] = r.lerp_(target, a) if self.inplace else torch.lerp(r, target, a)
        return new

    def readout(self, states: list[torch.Tensor]) -> torch.Tensor:
        acts = states if self.nonneg else [torch.relu(r) for r in states]
        return self.model.readout(readout_features(acts))


def spontaneous_state(model: CordsNet, steps: int, *, dtype: torch.dtype = torch.float32,
                      device: torch.device | str = "cpu", use_cache: bool = True) -> list[torch.Tensor]:
    """The state reached from r = 0 after ``steps`` steps with a blank image, at batch 1 (per area 1 x C x H x W).

    Differentiable when gradients are enabled (and then never cached).
    """
    device = torch.device(device)
    grad = torch.is_grad_enabled() and any(p.requires_grad for p in model.parameters())
    key = _cache_key(model, steps, dtype, device)
    cache = getattr(model, "_spontaneous_cache", None)
    if use_cache and not grad and cache is not None and cache[0] == key:
        return cache[1]
    fmt = _memory_format(grad)
    states = [torch.zeros(1, *shape, dtype=dtype, device=device).contiguous(memory_format=fmt)
              for shape in model.state_shapes()]
    runner = Stepper(model, inplace=not grad, state_noise=0.0, generator=None)
    with _cached_weights(model):
        const0, stem_skip = runner.drives(None, states[0])
        for _ in range(steps):
            states = runner.step(states, const0, stem_skip)
    if use_cache and not grad:
        model._spontaneous_cache = (key, states)
    return states


def _memory_format(grad: bool) -> torch.memory_format:
    """Channels-last for inference (faster CPU convolutions), the default layout for training (see above)."""
    return torch.contiguous_format if grad else torch.channels_last


@contextlib.contextmanager
def _cached_weights(model: CordsNet):
    if parametrize.is_parametrized(model.areas[0].rec) and not getattr(model, "_in_weight_cache", False):
        model._in_weight_cache = True
        try:
            with parametrize.cached():
                yield
        finally:
            model._in_weight_cache = False
    else:
        yield


def simulate(model: CordsNet, schedule: Schedule, *, spontaneous_steps: int = 100, input_noise: float = 0.0,
             state_noise: float = 0.0, record: Sequence[int] = (), record_steps: slice | None = None,
             generator: torch.Generator | None = None, precision: str = "fp32", use_cache: bool = True,
             batch_size: int | None = None, warmup_grad: bool = True,
             readout_steps: slice | None = None, grad_from: int | None = None) -> SimulationResult:
    """Run the spontaneous warm-up, then ``schedule``; read out at every step.

    Args:
        schedule: list of (images or None, steps), e.g. ``[(imgs, 100)]`` or ``[(a, 50), (None, 30), (b, 50)]``.
        input_noise: std of Gaussian noise added to the image at every step (fresh noise each step).
        state_noise: std of Gaussian noise added to every area's drive at every step.
        record: indices of the areas whose states are returned at the steps selected by ``record_steps``.
        precision: "fp32" or "bf16" (bf16 only without gradients).
        batch_size: needed only when the schedule holds no image.
        warmup_grad: with gradients enabled, back-propagate through the spontaneous warm-up (True) or run it without
            gradients and start from its detached state (False, as the released training scripts do).
        readout_steps: the steps whose logits are computed and returned (default: every step); training reads out
            only the window its loss reads, and skips the rest (the same numbers, less work).
        grad_from: with gradients enabled, run the schedule's steps before this one without gradients and
            back-propagate only through the steps from it on (a bounded back-propagation window; the forward
            numbers are unchanged). The image's stem drive keeps its gradient. None: through every step.
    """
    if precision not in ("fp32", "bf16"):
        raise ValueError(f"precision must be 'fp32' or 'bf16', got {precision!r}")
    images = [x for x, _ in schedule if x is not None]
    if batch_size is None:
        if not images:
            raise ValueError("a schedule without images needs batch_size")
        batch_size = images[0].shape[0]
    expected = (model.arch.in_channels, model.arch.image_size, model.arch.image_size)
    for x in images:
        if tuple(x.shape[1:]) != expected or x.shape[0] != batch_size:
            raise ValueError(f"images must be {batch_size} x {expected[0]} x {expected[1]} x {expected[2]} for this "
                             f"model, got {tuple(x.shape)}")
    for i in record:
        if not 0 <= i < model.depth:
            raise ValueError(f"cannot record area {i}: CordsNet-R{model.depth} has areas 0..{model.depth - 1}")
    param = next(model.parameters())
    device, dtype = param.device, param.dtype
    grad = torch.is_grad_enabled() and any(p.requires_grad for p in model.parameters())
    if precision == "bf16" and grad:
        raise ValueError("bf16 simulation is for inference only; train in fp32")
    fmt = _memory_format(grad)
    autocast = (torch.autocast(device.type, dtype=torch.bfloat16) if precision == "bf16"
                else contextlib.nullcontext())
    runner = Stepper(model, inplace=not grad, state_noise=state_noise, generator=generator)
    total = sum(steps for _, steps in schedule)
    keep = range(total)[record_steps] if record_steps is not None else range(total)
    keep_set = set(keep)
    read = set(range(total)[readout_steps]) if readout_steps is not None else None
    recorded: dict[int, list[torch.Tensor]] = {i: [] for i in record}
    logits: list[torch.Tensor] = []
    detached = None
    if grad and not warmup_grad:
        # Before the weight cache opens: weights cached under no_grad would carry no gradient into the stimulus.
        # Not from the cache: it may hold inference tensors, which autograd refuses (and the weights change every
        # update anyway).
        with torch.no_grad():
            detached = spontaneous_state(model, spontaneous_steps, dtype=dtype, device=device, use_cache=False)
        # computed in the inference layout (channels-last); training runs in the default one (see the docstring)
        detached = [r.contiguous(memory_format=fmt) for r in detached]
    with _cached_weights(model), autocast:
        if grad and grad_from:
            # the weight cache fills on first use: fill it with autograd on, or the steps run without it would
            # cache weights that carry no gradient into the window
            for module in model.modules():
                if parametrize.is_parametrized(module, "weight"):
                    module.weight  # noqa: B018
        if detached is not None:
            spont = detached
        else:
            spont = spontaneous_state(model, spontaneous_steps, dtype=dtype, device=device, use_cache=use_cache)
        if grad:
            states = [r.expand(batch_size, *r.shape[1:]) for r in spont]
        else:  # a copy: states are updated in place and the spontaneous state may be the cached one
            states = [r.expand(batch_size, *r.shape[1:]).clone(memory_format=fmt) for r in spont]
        t = 0
        for stimulus, steps in schedule:
            x = None if stimulus is None else stimulus.to(device=device, dtype=dtype).contiguous(memory_format=fmt)
            noisy = input_noise > 0
            if not noisy:
                s = None if x is None else model.stem(x)
                const0, stem_skip = runner.drives(s, states[0])
            for _ in range(steps):
                # a bounded back-propagation window: the steps before grad_from run without autograd
                bounded = grad and grad_from is not None and t < grad_from
                with torch.no_grad() if bounded else contextlib.nullcontext():
                    if noisy:
                        base = x if x is not None else torch.zeros(batch_size, *expected, dtype=dtype, device=device)
                        noise = torch.randn(base.shape, generator=generator, dtype=dtype, device=device)
                        const0, stem_skip = runner.drives(model.stem(base + input_noise * noise), states[0])
                    states = runner.step(states, const0, stem_skip)
                    if read is None or t in read:
                        logits.append(runner.readout(states).float())
                    if t in keep_set:
                        for i in record:
                            recorded[i].append(states[i].float().clone() if not grad else states[i])
                t += 1
    return SimulationResult(
        logits=torch.stack(logits),
        states={i: torch.stack(v) for i, v in recorded.items() if v},
        final_states=states,
        spontaneous=spont,
    )
