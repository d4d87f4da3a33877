"""The CordsNet model family (REFERENCE.md section 1), its CNN counterpart and the discrete-time baseline."""

from cordsnet.models.architecture import Architecture, AreaSpec, architecture
from cordsnet.models.cnn import CordsNetCNN
from cordsnet.models.cordsnet import CordsNet, discrete_rcnn

__all__ = ["Architecture", "AreaSpec", "CordsNet", "CordsNetCNN", "architecture", "discrete_rcnn"]
