"""Stimuli of the four monkey tasks of Fig 5, rendered as images (raw intensities in [0, 1], H x W, white on black).

- :func:`dot_array`: 1..N non-overlapping dots (Nieder & Miller 2002): with ``equal_area`` the dots of every
  numerosity cover the same total area (so area cannot stand in for number), otherwise every dot has the same radius
  (so total area grows with number);
- :func:`morph`: a linear morph between two prototype images (Freedman et al. 2001);
- :func:`cue`: a bright spot at one of ``n`` locations on a circle around the centre (Funahashi et al. 1989);
- :func:`motion_frames`: a random-dot kinematogram (Roitman & Shadlen 2002): on every frame a fraction
  ``coherence`` of the dots steps in the motion direction, the rest are replotted at random.

Each comes with the measurement a test makes on the rendered pixels (:func:`count_dots`, :func:`morph_fraction`,
:func:`cue_angle`, :func:`measured_coherence`), so that a renderer that drew the wrong thing cannot pass.
"""

from __future__ import annotations

import math

import numpy as np


class StimulusError(ValueError):
    """A stimulus that cannot be drawn as asked; the message names the setting and the fix."""


def _disk(size: int, cy: float, cx: float, r: float) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size]
    return (y + 0.5 - cy) ** 2 + (x + 0.5 - cx) ** 2 <= r**2


def dot_radii(n: int, radius: float, equal_area: bool, reference: int) -> np.ndarray:
    """Radii of ``n`` dots: all ``radius``, or (``equal_area``) scaled so that ``n`` dots cover what ``reference``
    dots of ``radius`` do."""
    r = radius * math.sqrt(reference / n) if equal_area else radius
    return np.full(n, r)


def max_dots(size: int, radius: float, gap: float = 2.0, fill: float = 0.45) -> int:
    """The most dots of ``radius`` (plus ``gap``) that random placement fits reliably in a ``size`` image: a
    ``fill`` fraction of the usable area (random packing jams near 0.55; 0.45 leaves room)."""
    usable = (size - 2 * (radius + gap)) ** 2
    return max(0, int(fill * usable / (math.pi * (radius + gap / 2) ** 2)))


def dot_array(n: int, size: int, rng: np.random.Generator, radius: float = 2.0, equal_area: bool = False,
              reference: int = 3, gap: float = 2.0, tries: int = 2000) -> np.ndarray:
    """A ``size`` x ``size`` image of ``n`` white dots that neither touch each other nor the border."""
    radii = dot_radii(n, radius, equal_area, reference)
    centres: list[tuple[float, float]] = []
    for r in radii:
        lo, hi = r + gap, size - r - gap
        for _ in range(tries):
            c = tuple(rng.uniform(lo, hi, 2))
            if all(math.dist(c, d) >= r + rd + gap for d, rd in zip(centres, radii, strict=False)):
                centres.append(c)
                break
        else:
            raise StimulusError(f"{n} dots of radius {r:.2g} px do not fit a {size} px image: lower "
                                f"multiarea.numerosity.max_dots (at most {max_dots(size, radius, gap)} fit) or the "
                                "dot radius")
    img = np.zeros((size, size), dtype=np.float32)
    for (cy, cx), r in zip(centres, radii, strict=True):
        img[_disk(size, cy, cx, r)] = 1.0
    return img


def count_dots(img: np.ndarray) -> int:
    """The number of separate bright blobs (8-connected) in ``img``."""
    from scipy import ndimage

    return int(ndimage.label(img > 0.5, structure=np.ones((3, 3)))[1])


def morph(a: np.ndarray, b: np.ndarray, fraction: float) -> np.ndarray:
    """``(1 - fraction) a + fraction b``: 0 is prototype ``a``, 1 prototype ``b``."""
    if not 0.0 <= fraction <= 1.0:
        raise StimulusError(f"morph fraction {fraction} is outside [0, 1] (multiarea.category.fractions)")
    return ((1.0 - fraction) * a + fraction * b).astype(np.float32)


def morph_fraction(img: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """The least-squares fraction f with img = (1 - f) a + f b."""
    d = (b - a).ravel()
    return float(np.dot(img.ravel() - a.ravel(), d) / np.dot(d, d))


def cue(location: int, n_locations: int, size: int, eccentricity: float = 0.33, radius: float = 2.5) -> np.ndarray:
    """A white spot at ``location`` (0 = right, counter-clockwise in steps of 2 pi / n) on a circle of
    ``eccentricity`` x size around the centre."""
    angle = 2 * math.pi * location / n_locations
    c = size / 2
    img = np.zeros((size, size), dtype=np.float32)
    img[_disk(size, c - eccentricity * size * math.sin(angle), c + eccentricity * size * math.cos(angle), radius)] = 1
    return img


def cue_angle(img: np.ndarray) -> float:
    """The angle (radians, counter-clockwise from the right, image y pointing down) of the bright centroid."""
    y, x = np.nonzero(img > 0.5)
    c = img.shape[0] / 2
    return float(math.atan2(c - (y.mean() + 0.5), x.mean() + 0.5 - c) % (2 * math.pi))


def motion_frames(coherence: float, direction: int, frames: int, size: int, rng: np.random.Generator,
                  dots: int = 30, step: int = 2, dot_px: int = 1) -> np.ndarray:
    """``frames`` x size x size square dots of ``dot_px`` pixels moving right (``direction`` +1) or left (-1) at
    ``step`` px per frame with the given ``coherence`` (a fresh random subset of the dots each frame; the others jump
    to random places); positions wrap around the image."""
    if not 0.0 <= coherence <= 1.0:
        raise StimulusError(f"coherence {coherence} is outside [0, 1] (multiarea.motion.coherences)")
    pos = rng.integers(0, size, (dots, 2))
    out = np.zeros((frames, size, size), dtype=np.float32)
    for f in range(frames):
        for dy in range(dot_px):
            for dx in range(dot_px):
                out[f, (pos[:, 0] + dy) % size, (pos[:, 1] + dx) % size] = 1.0
        moving = rng.random(dots) < coherence
        pos = pos.copy()
        pos[moving, 1] = (pos[moving, 1] + direction * step) % size
        pos[~moving] = rng.integers(0, size, (int((~moving).sum()), 2))
    return out


def measured_coherence(frames: np.ndarray, step: int = 2) -> tuple[float, int]:
    """(coherence, direction) measured from the pixels: the fraction of each frame's dots found again ``step`` px
    to the right (or left) on the next frame, minus what chance coincidences give at that dot density, averaged over
    frame pairs; the direction is the side with more matches."""
    a, b = frames[:-1] > 0.5, frames[1:] > 0.5
    n = a.sum((1, 2)).astype(float)
    density = b.mean((1, 2))
    right = (np.roll(a, step, axis=2) & b).sum((1, 2)) / n
    left = (np.roll(a, -step, axis=2) & b).sum((1, 2)) / n
    direction = 1 if right.mean() >= left.mean() else -1
    hits = right if direction == 1 else left
    return float(np.mean((hits - density) / (1 - density))), direction
