import pytest
import torch

from cordsnet.data.registry import DATASETS
from cordsnet.engine import simulate
from cordsnet.models import CordsNet, CordsNetCNN, architecture, discrete_rcnn


@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("depth", [2, 4, 6, 8])
def test_shapes_and_classes_for_every_depth_and_dataset(dataset, depth):
    info = DATASETS[dataset]
    size = 32 if dataset == "imagenet" else info.native_size
    model_cfg = {"depths": [depth], "width": 0.0625, "stem": "small", "alpha": 0.2, "weight_norm": True}
    m = CordsNet.from_config(model_cfg, dataset, depth, image_size=size)
    x = torch.randn(2, info.channels, size, size)
    with torch.inference_mode():
        logits = simulate(m, [(x, 3)], spontaneous_steps=2).logits
    assert logits.shape == (3, 2, info.num_classes)
    assert len(m.areas) == depth


def test_paper_scale_architecture_matches_table_s3():
    arch = architecture(8, 3, 1000, 1.0, "paper", 224)
    assert [a.size for a in arch.areas] == [56, 56, 28, 28, 14, 14, 7, 7]
    assert [a.channels for a in arch.areas] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [a.skip for a in arch.areas] == ["none", "stem", "identity", "proj", "identity", "proj", "identity", "proj"]
    m = CordsNet(depth=8)
    assert m.areas[5].bias.shape == (256, 14, 14)  # per-unit bias follows the map
    assert abs(sum(p.numel() for p in m.parameters()) - 12.5e6) < 0.1e6  # REFERENCE: about 12.5 M parameters


def test_sizes_follow_the_input():
    arch = architecture(8, 1, 10, 0.25, "small", 28)
    assert [a.size for a in arch.areas] == [28, 28, 14, 14, 7, 7, 4, 4]
    arch = architecture(4, 3, 10, 1.0, "paper", 160)
    assert [a.size for a in arch.areas] == [40, 40, 20, 20]


def test_unsupported_depth_and_small_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="unsupported depth 5"):
        CordsNet(depth=5)
    with pytest.raises(ValueError, match="too small for CordsNet-R8 with the 'paper' stem.*at least 33 px.*small"):
        CordsNet(depth=8, image_size=32)
    with pytest.raises(ValueError, match="unknown stem"):
        CordsNet(depth=2, stem="big")
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        CordsNet(depth=2, nonlinearity="tanh", stem="small", image_size=16)


def test_wrong_image_shape_is_a_clear_error():
    m = CordsNet(depth=2, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=28)
    with pytest.raises(ValueError, match="images must be 2 x 1 x 28 x 28"):
        with torch.inference_mode():
            simulate(m, [(torch.zeros(2, 3, 28, 28), 2)], spontaneous_steps=1)


def test_nonlinearities():
    m = CordsNet(depth=2, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=8)
    x = torch.tensor([-2.0, 3.0])
    m.set_nonlinearity("identity")
    assert torch.equal(m.phi(x), x)
    m.set_nonlinearity("prelu", 0.25)
    assert torch.equal(m.phi(x), torch.tensor([-0.5, 3.0]))
    m.set_nonlinearity("relu")
    assert torch.equal(m.phi(x), torch.tensor([0.0, 3.0]))
    with pytest.raises(ValueError, match="slope"):
        m.set_nonlinearity("prelu")


def test_weight_norm_is_on_every_conv_and_the_readout():
    m = CordsNet(depth=4, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=16)
    names = [n for n, _ in m.named_parameters()]
    assert any("areas.3.rec.parametrizations.weight.original0" in n for n in names)
    assert any("readout.parametrizations.weight.original1" in n for n in names)
    assert not any(n.endswith("ff.bias") or n.endswith("rec.bias") for n in names)  # convolutions have no bias


def test_cnn_counterpart_shares_the_graph():
    cnn = CordsNetCNN(depth=4, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=28)
    s, pre, acts = cnn.features(torch.randn(3, 1, 28, 28))
    assert [p.shape[1:] for p in pre] == [(8, 28, 28), (8, 28, 28), (16, 14, 14), (16, 14, 14)]
    assert all((a >= 0).all() for a in acts)
    assert cnn(torch.randn(3, 1, 28, 28)).shape == (3, 10)
    assert cnn.areas[1].bn_skip is not None and cnn.areas[2].bn_skip is None


def test_discrete_rcnn_is_the_same_graph_in_discrete_time():
    m = discrete_rcnn(depth=2, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=8)
    assert m.alpha == 1.0
    with pytest.raises(ValueError, match="alpha"):
        CordsNet(depth=2, alpha=0.0, stem="small", image_size=8)
