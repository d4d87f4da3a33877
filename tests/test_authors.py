"""The authors' released checkpoint: state dicts built at test time in the release's format (AUTHORS_CHECKPOINT.md),
imported, run, checked against an independent re-implementation of the release's forward pass, exported back, and
refused when malformed."""

import json

import pytest
import torch
import torch.nn.functional as F

from cordsnet.authors import (
    ReleaseFormatError,
    export_release,
    import_release,
    load_release,
    model_for,
    read_release,
)
from cordsnet.classify import class_names
from cordsnet.cli import main
from cordsnet.config import load_config
from cordsnet.engine import reference_simulate, simulate
from cordsnet.layout import Layout
from cordsnet.trained import load_trained
from tests.conftest import REPO, foolbox_samples

CHANNELS = (64, 64, 128, 128, 256, 256, 512, 512)
STRIDES = (1, 1, 2, 1, 2, 1, 2, 1)
G, V = "parametrizations.weight.original0", "parametrizations.weight.original1"


def release_state(depth: int, image: int, seed: int = 0, classes: int = 1000, in_ch: int = 3) -> dict:
    """A state dict in the release's format, written from AUTHORS_CHECKPOINT.md's table (not from the project's
    model): random gains, directions and biases."""
    g = torch.Generator().manual_seed(seed)
    out = {}

    def wn(name, shape, scale):
        out[f"{name}.{V}"] = torch.randn(shape, generator=g)
        out[f"{name}.{G}"] = scale * (0.5 + torch.rand((shape[0],) + (1,) * (len(shape) - 1), generator=g))

    wn("inp_conv", (64, in_ch, 7, 7), 0.5)
    wn("inp_skip", (64, 64, 3, 3), 0.3)
    size = (image // 2) // 2
    for i in range(depth):
        c_in = 64 if i == 0 else CHANNELS[i - 1]
        size = size if STRIDES[i] == 1 else (size + 1) // 2
        wn(f"area_conv.{i}", (CHANNELS[i], CHANNELS[i], 3, 3), 0.2)
        wn(f"area_area.{i}", (CHANNELS[i], c_in, 3, 3), 0.3)
        out[f"conv_bias.{i}"] = 0.1 * torch.randn((CHANNELS[i], size, size), generator=g)
    for k in range(depth // 2 - 1):
        wn(f"skip_area.{k}", (CHANNELS[2 * k + 3], CHANNELS[2 * k + 1], 1, 1), 0.3)
    wn("out_fc", (classes, CHANNELS[depth - 1]), 1.0)
    out["out_fc.bias"] = 0.1 * torch.randn(classes, generator=g)
    return out


def release_forward(sd: dict, images: torch.Tensor, depth: int, spont: int, steps: int, alpha: float = 0.2):
    """The release's dynamics, written from its description alone: every weight g v / ||v|| (norm over all dims but
    the first), the stem 7x7/2 conv + 3x3/2 average pool, area 1 fed relu(r_0) + inp_skip(stem), even areas the sum
    of the two below, odd areas from 3 the one below plus skip_area(the one below that), Euler steps of
    r <- (1 - alpha) r + alpha relu(pre), the readout on the spatial mean of relu(r) of the last two areas."""
    def w(name):
        v, g = sd[f"{name}.{V}"], sd[f"{name}.{G}"]
        return g * v / v.flatten(1).norm(dim=1).reshape((-1,) + (1,) * (v.dim() - 1))

    def stem(x):
        return F.avg_pool2d(F.conv2d(x, w("inp_conv"), stride=2, padding=3), 3, 2, 1, count_include_pad=True)

    b = len(images)
    r = [torch.zeros(b, *sd[f"conv_bias.{i}"].shape) for i in range(depth)]
    logits = []
    for t in range(spont + steps):
        s = stem(torch.zeros_like(images) if t < spont else images)
        a = [torch.relu(x) for x in r]
        new = []
        for i in range(depth):
            if i == 0:
                u = s
            elif i == 1:
                u = a[0] + F.conv2d(s, w("inp_skip"), padding=1)
            elif i % 2 == 0:
                u = a[i - 1] + a[i - 2]
            else:
                u = a[i - 1] + F.conv2d(a[i - 2], w(f"skip_area.{(i - 3) // 2}"), stride=2)
            pre = (F.conv2d(r[i], w(f"area_conv.{i}"), padding=1)
                   + F.conv2d(u, w(f"area_area.{i}"), stride=STRIDES[i], padding=1) + sd[f"conv_bias.{i}"])
            new.append((1 - alpha) * r[i] + alpha * torch.relu(pre))
        r = new
        if t >= spont:
            feat = (torch.relu(r[-1]) + torch.relu(r[-2])).mean(dim=(-2, -1))
            logits.append(F.linear(feat, w("out_fc"), sd["out_fc.bias"]))
    return torch.stack(logits)


@pytest.fixture(scope="module")
def paper_cfg():
    return load_config(REPO / "config" / "paper.yaml")


def _rel(a, b):
    return float((a - b).abs().max() / b.abs().max())


@pytest.mark.parametrize("depth, image", [(2, 32), pytest.param(8, 64, marks=pytest.mark.slow)])
def test_imported_logits_are_the_releases_over_its_protocol(paper_cfg, depth, image):
    """100 spontaneous + 100 image steps, alpha 0.2, readout of the last two areas: the imported model through the
    engine and through the plain reference agree with the release's forward pass to 1e-5."""
    sd = release_state(depth, image, seed=depth)
    model = load_release(sd, model_for(paper_cfg, "imagenet", depth, sd["conv_bias.0"]))
    x = torch.randn(2 if depth == 2 else 1, 3, image, image, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        want = release_forward(sd, x, depth, 100, 100)
        engine = simulate(model, [(x, 100)], spontaneous_steps=100).logits
        reference = reference_simulate(model, [(x, 100)], spontaneous_steps=100)
    assert _rel(engine, want) < 1e-5 and _rel(reference, want) < 1e-5
    assert want[-1].std() > 0  # the comparison is not of constants


@pytest.mark.slow
def test_one_short_run_at_224_px(paper_cfg):
    sd = release_state(8, 224, seed=3)
    model = load_release(sd, model_for(paper_cfg, "imagenet", 8, sd["conv_bias.0"]))
    assert model.arch.image_size == 224
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        assert _rel(simulate(model, [(x, 3)], spontaneous_steps=3).logits, release_forward(sd, x, 8, 3, 3)) < 1e-5


@pytest.mark.parametrize("bug", ["norm over the wrong dimension", "a skip convolution swapped"])
def test_the_oracle_sees_a_wrong_import(paper_cfg, bug, monkeypatch):
    """Planted import bugs move the logits far beyond the tolerance."""
    sd = release_state(2, 32, seed=5)
    bad = dict(sd)
    if bug == "a skip convolution swapped":  # same shapes: only the numbers can tell
        for part in (G, V):
            bad[f"inp_skip.{part}"], bad[f"area_area.1.{part}"] = sd[f"area_area.1.{part}"], sd[f"inp_skip.{part}"]
    else:
        import cordsnet.authors as authors

        real = torch._weight_norm
        monkeypatch.setattr(authors.torch, "_weight_norm", lambda v, g, dim: real(v, g, v.dim() - 1))
    model = load_release(bad, model_for(paper_cfg, "imagenet", 2, sd["conv_bias.0"]))
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert _rel(simulate(model, [(x, 20)], spontaneous_steps=20).logits, release_forward(sd, x, 2, 20, 20)) > 1e-3


def test_export_gives_the_same_weights_back(paper_cfg):
    sd = release_state(4, 32, seed=7)
    model = load_release(sd, model_for(paper_cfg, "imagenet", 4, sd["conv_bias.0"]))
    out = export_release(model)
    assert set(out) == set(sd)
    for k, v in sd.items():
        if k.endswith(V):
            name = k[: -len(V) - 1]
            w0 = sd[f"{name}.{G}"] * v / v.flatten(1).norm(dim=1).reshape((-1,) + (1,) * (v.dim() - 1))
            assert torch.allclose(out[k], w0, rtol=1e-5, atol=1e-7), k  # v = w
            assert torch.allclose(out[f"{name}.{G}"], sd[f"{name}.{G}"], rtol=1e-5), name  # g = ||w||
        elif not k.endswith(G):
            assert torch.equal(out[k], v), k
    again = load_release(out, model_for(paper_cfg, "imagenet", 4, sd["conv_bias.0"]))
    assert all(torch.allclose(a, b, rtol=1e-5, atol=1e-7) for a, b in zip(again.state_dict().values(),
                                                                          model.state_dict().values(), strict=True))


def _save(tmp_path, sd, name="cordsnetr8.pth"):
    path = tmp_path / name
    torch.save(sd, path)
    return path


def test_the_import_command_places_a_byte_identical_checkpoint(tmp_path, paper_cfg):
    """With or without the multi-GPU `module.` prefix; the provenance names the file and its sha256; the analyses'
    loader reads it; importing twice gives the same bytes."""
    cfg = {**paper_cfg, "paths": {"data": str(tmp_path / "d"), "results": str(tmp_path / "r")}}
    sd = release_state(2, 32, seed=9)
    plain = _save(tmp_path, sd)
    prefixed = _save(tmp_path, {f"module.{k}": v for k, v in sd.items()}, "multi-gpu.pth")
    L = Layout.from_config(cfg)
    assert main(["import-authors", str(plain), "--depth", "2", "--config-json", json.dumps(cfg)]) == 0
    first = L.checkpoint("imagenet", 2, "finetune").read_bytes()
    metrics = json.loads(L.metrics("imagenet", 2, "finetune").read_text())
    assert metrics["trained_here"] is False and len(metrics["source"]["sha256"]) == 64
    out, _ = import_release(prefixed, cfg, "imagenet", 2)
    assert out.read_bytes() == first
    model = load_trained({**cfg, "data": {"image_size": 32}}, "imagenet", 2, "finetune")
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert _rel(simulate(model, [(x, 10)], spontaneous_steps=10).logits, release_forward(sd, x, 2, 10, 10)) < 1e-5


@pytest.mark.parametrize("fault, expect", [
    ("missing", "missing keys ['area_conv.1.parametrizations.weight.original0'"),
    ("unexpected", "unexpected keys ['extra.weight']"),
    ("shape", "key 'conv_bias.1' has shape (64, 4, 4), CordsNet-R2 at this dataset and image size expects (64, 8, 8)"),
    ("depth", "holds CordsNet-R4 (area_conv.0..3), not R2: pass --depth 4"),
    ("not a state dict", "holds a list, not a state dict"),
])
def test_malformed_files_are_refused_naming_the_key_and_the_fix(tmp_path, paper_cfg, fault, expect):
    cfg = {**paper_cfg, "paths": {"data": str(tmp_path / "d"), "results": str(tmp_path / "r")}}
    sd = release_state(2, 32)
    if fault == "missing":
        del sd[f"area_conv.1.{G}"]
    elif fault == "unexpected":
        sd["extra.weight"] = torch.zeros(1)
    elif fault == "shape":
        sd["conv_bias.1"] = torch.zeros(64, 4, 4)
    elif fault == "depth":
        sd = release_state(4, 32)
    path = _save(tmp_path, [1, 2] if fault == "not a state dict" else sd)
    with pytest.raises(ReleaseFormatError) as err:
        import_release(path, cfg, "imagenet", 2)
    assert expect in str(err.value)
    assert not Layout.from_config(cfg).checkpoint("imagenet", 2, "finetune").exists()  # nothing half-written
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_release(tmp_path / "nowhere.pth")


def test_classify_prints_five_imagenet_classes_and_draws_them(tmp_path, capsys):
    """Random weights on real photos (foolbox's labelled ImageNet samples; one cropped to be non-square)."""
    from PIL import Image

    photos = [p for p, _ in foolbox_samples("imagenet")[:2]]
    wide = tmp_path / "wide.png"
    Image.open(photos[0]).crop((0, 0, 200, 120)).save(wide)
    weights = _save(tmp_path, release_state(2, 224, seed=11), "r2.pth")
    figure = tmp_path / "top5.png"
    cfg = load_config(REPO / "config" / "paper.yaml")
    assert main(["classify", str(photos[1]), str(wide), "--weights", str(weights), "--depth", "2", "--figure",
                 str(figure), "--config-json", json.dumps(cfg)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 2 and all(line.count(";") == 4 for line in lines)
    names = set(class_names("imagenet"))
    assert len(names) == 1000 and "tench" in names
    assert all(part.rsplit(" ", 1)[0] in names for part in lines[0].split(": ", 1)[1].split("; "))
    assert figure.stat().st_size > 1000
    assert main(["classify", str(tmp_path / "missing.jpg"), "--weights", str(weights), "--depth", "2",
                 "--config-json", json.dumps(cfg)]) == 1
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("not an image")
    assert main(["classify", str(not_image), "--weights", str(weights), "--depth", "2",
                 "--config-json", json.dumps(cfg)]) == 1
