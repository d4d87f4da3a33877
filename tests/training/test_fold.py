import torch

from cordsnet.models import CordsNet, CordsNetCNN
from cordsnet.training.fold import FoldedCNN, transfer_to_cordsnet


def trained_bn_cnn(depth=4, stem="small", size=16, channels=1):
    torch.manual_seed(0)
    cnn = CordsNetCNN(depth, channels, 10, 0.125, stem, size)
    cnn.train()
    with torch.no_grad():
        for m in cnn.modules():  # as if trained: move Conv_rec away from its identity initialisation
            if isinstance(m, torch.nn.Conv2d):
                m.weight.add_(0.1 * torch.randn_like(m.weight))
        for _ in range(5):  # non-trivial running statistics
            cnn(torch.randn(32, channels, size, size) * 2 + 0.5)
        for m in cnn.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
    return cnn.eval()


def test_folding_is_exact_in_eval_mode():
    for depth in (2, 4, 6, 8):
        cnn = trained_bn_cnn(depth, size=32)
        folded = FoldedCNN(cnn).eval()
        x = torch.randn(8, 1, 32, 32)
        with torch.no_grad():
            _, pre_a, _ = cnn.features(x)
            _, pre_b, _, _ = folded.features(x)
            a, b = cnn(x), folded(x)
        assert float((a - b).abs().max() / a.abs().max()) < 1e-5
        for p, q in zip(pre_a, pre_b, strict=True):
            assert float((p - q).abs().max() / p.abs().max()) < 1e-5


def test_folding_paper_stem():
    cnn = trained_bn_cnn(2, stem="paper", size=64, channels=3)
    folded = FoldedCNN(cnn).eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert float((cnn(x) - folded(x)).abs().max() / cnn(x).abs().max()) < 1e-5


def test_biases_are_per_unit_because_of_zero_padding():
    folded = FoldedCNN(trained_bn_cnn(2))
    b = folded.biases[0]
    assert not torch.allclose(b[:, 0, 0], b[:, 8, 8])  # corner differs from centre


def test_transfer_copies_the_feedforward_path():
    folded = FoldedCNN(trained_bn_cnn(4))
    model = CordsNet(depth=4, in_channels=1, num_classes=10, width=0.125, stem="small", image_size=16)
    transfer_to_cordsnet(folded, model)
    for i, area in enumerate(model.areas):
        torch.testing.assert_close(area.ff.weight, folded.ff[i].weight)
        torch.testing.assert_close(area.bias, folded.biases[i])
    torch.testing.assert_close(model.readout.weight, folded.readout.weight)
    torch.testing.assert_close(model.stem.conv.weight, folded.stem.conv.weight)
