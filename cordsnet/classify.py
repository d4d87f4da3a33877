"""Classify images with a trained CordsNet as the release's own-image script does: pad to square, ``Resize(256)``,
``CenterCrop(224)``, normalise; 100 steps of spontaneous activity, then 100 with the image; read out every step.

    cordsnet classify cat.jpg dog.png --weights cordsnetr8.pth [--figure top5.png]

prints the top-5 classes (ImageNet names from torchvision's model metadata, no download) at the end of the
stimulus window, and draws the top classes' probability over the 200 steps.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import torch
from PIL import Image, UnidentifiedImageError
from torchvision.transforms import v2

from cordsnet.authors import RELEASE_DATASETS, load_weights
from cordsnet.commands import command
from cordsnet.data.registry import dataset_info
from cordsnet.engine import simulate

log = logging.getLogger("cordsnet")

SPONTANEOUS, STIMULUS = 100, 100
"""the release's protocol: steps of spontaneous activity, then steps with the image (alpha 0.2, 2 ms steps)"""


def class_names(dataset: str) -> list[str]:
    """ImageNet's 1,000 class names from torchvision's weights metadata (offline); class indices otherwise."""
    if dataset == "imagenet":
        from torchvision.models import ResNet50_Weights  # metadata only: no weights are downloaded

        return list(ResNet50_Weights.IMAGENET1K_V2.meta["categories"])
    return [str(k) for k in range(dataset_info(dataset).num_classes)]


def square(image: Image.Image) -> Image.Image:
    """Pad to a square with black, centred (the release's script expects square images)."""
    w, h = image.size
    if w == h:
        return image
    side = max(w, h)
    out = Image.new(image.mode, (side, side))
    out.paste(image, ((side - w) // 2, (side - h) // 2))
    return out


def load_image(path: str | Path, dataset: str, size: int) -> torch.Tensor:
    """One image as the model's input (C x H x W), or an error naming the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image {path} does not exist")
    info = dataset_info(dataset)
    try:
        image = Image.open(path)
        image = image.convert("RGB" if info.channels == 3 else "L")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"{path} is not an image PIL can read ({exc})") from None
    transform = v2.Compose([v2.PILToTensor(), v2.Resize(round(size * 256 / 224), antialias=True),
                            v2.CenterCrop(size), v2.ToDtype(torch.float32, scale=True),
                            v2.Normalize(info.mean, info.std)])
    return transform(square(image))


@torch.inference_mode()
def classify(model, images: torch.Tensor) -> torch.Tensor:
    """Class probabilities at every step (200 x B x classes): blank, then the image."""
    logits = simulate(model, [(None, SPONTANEOUS), (images, STIMULUS)], spontaneous_steps=0,
                      batch_size=len(images))
    return torch.softmax(logits.logits, dim=-1)


def _figure(probs: torch.Tensor, names: list[str], labels: list[str], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(labels), figsize=(4.5 * len(labels), 3.2), squeeze=False)
    t = torch.arange(probs.shape[0]) * 2.0 - 2.0 * SPONTANEOUS  # ms, image onset at 0
    for ax, b, label in zip(axes[0], range(probs.shape[1]), labels, strict=True):
        for k in probs[-1, b].topk(5).indices.tolist():
            ax.plot(t, probs[:, b, k], label=names[k][:24])
        ax.axvline(0, color="0.6", lw=0.8, ls="--")
        ax.set(title=label, xlabel="time from image onset (ms)", ylabel="probability", ylim=(0, 1))
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


def _add_classify(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", nargs="+", help="image files (any size; non-square ones are padded)")
    p.add_argument("--weights", required=True, help="the release's cordsnetr8.pth or a checkpoint.pt of this project")
    p.add_argument("--depth", type=int, default=8, choices=[2, 4, 6, 8])
    p.add_argument("--dataset", default="imagenet", choices=sorted(RELEASE_DATASETS))
    p.add_argument("--figure", default="classify.png", help="where to draw the top classes over time")


@command("classify", "top-5 classes of images under the release's protocol (100 blank + 100 image steps), with a "
         "figure of their probability over time", _add_classify, concern=None, sections=("run", "model"))
def _classify_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    model = load_weights(args.weights, cfg, args.dataset, args.depth)
    size = model.arch.image_size
    images = torch.stack([load_image(p, args.dataset, size) for p in args.images])
    probs = classify(model, images)
    names = class_names(args.dataset)
    for b, path in enumerate(args.images):
        top = probs[-1, b].topk(5)
        print(f"{path}: " + "; ".join(f"{names[k]} {p:.3f}" for p, k in zip(top.values.tolist(),
                                                                           top.indices.tolist(), strict=True)))
    _figure(probs, names, [Path(p).name for p in args.images], Path(args.figure))
    log.info("figure: %s", args.figure)
    return 0
