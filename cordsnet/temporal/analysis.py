"""CordsNet in time (Fig 3A, Fig 3B, Fig 4B, Fig 4C; claim C5): what the trained models do between and after images.

- :func:`feature_map_frames` (Fig 3A): one channel of an area at chosen steps after onset, from the spontaneous state.
- :func:`run_sequences` (Fig 3B, C5): schedules such as image A, blank, image B, A again, shown to the fine-tuned
  CordsNet, its CNN counterpart (no time: its output is what is on screen, a step function) and the discrete-time
  recurrent CNN (stage ``rcnn``: alpha = 1). Per model, the fraction of segments whose answer in the trained readout
  window is right (image segments: the image's class; blank segments: the model's own spontaneous class), the
  fraction that are stable (settled by the window's start, no flip after) and the steps after each switch until the
  class is the one it ends with and stays so; for C5, CordsNet's per-trial answers to the repeated image (first
  showing and repeat, paired) and the stability of its image segments.
- :func:`solutions_report` (Fig 4B): CordsNet-R4 fine-tuned to answer in the standard late window and in an early one
  (stage ``early_readout``), simulated with the image on for ``temporal.hold_steps``: whether each keeps its answer
  and its state well past its window, and the eigenvalues of the linearised whole-network Euler step (ARPACK) at
  the state its window ends in and at the state it holds at the end.
- :func:`autonomous_trajectories` (Fig 4C): the last area's trajectories for three images, stimulus on then off,
  projected on two principal components (scikit-learn PCA fitted on all three), with the slowest mode of the last
  area at the spontaneous state (power iteration on its Euler-step Jacobian) drawn in the same plane.

Outputs: ``<results>/temporal/sequences_<dataset>_R<depth>.{json,npz}`` (commands ``cordsnet temporal-sequences``)
and ``<results>/temporal/solutions.{json,npz}`` (``cordsnet temporal-solutions``).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import numpy as np
import torch
from torch import nn

from cordsnet.commands import command
from cordsnet.dynamics.eigen import arpack_eigs, power_iteration
from cordsnet.dynamics.operators import EulerStepOperator, StepJacobianOperator, area_jacobian
from cordsnet.dynamics.trajectories import hold_analysis
from cordsnet.engine import simulate, spontaneous_state
from cordsnet.models import CordsNet
from cordsnet.models.blocks import readout_features
from cordsnet.results import Report
from cordsnet.temporal.settings import SEQUENCE_MODELS, SOLUTION_MODELS
from cordsnet.trained import load_trained, test_subset, trained_provenance
from cordsnet.training.graph import early_readout_steps, solution_row

log = logging.getLogger("cordsnet")

BLANK = "blank"


def _device(model: nn.Module) -> torch.device:
    """Where ``model`` runs: its inputs go there, its outputs come back to the host for numpy."""
    return next(model.parameters()).device


# -- Fig 3A -------------------------------------------------------------------------------------------------------
@torch.inference_mode()
def feature_map_frames(model: CordsNet, image: torch.Tensor, area: int, steps: list[int],
                       spontaneous_steps: int, channel: int | None = None) -> dict[str, Any]:
    """Frames (len(steps) x H x W) of one channel of ``area`` at ``steps`` after onset (0: the spontaneous state
    just before it). Without ``channel``, the channel whose map moves most from the spontaneous state."""
    last = max(steps)
    out = simulate(model, [(image[None].to(_device(model)), max(last, 1))], spontaneous_steps=spontaneous_steps,
                   record=[area])
    spont = out.spontaneous[area][0].float().cpu()
    seq = torch.cat([spont[None], out.states[area][:, 0].cpu()])  # index k = k steps after onset
    if channel is None:
        channel = int((seq - spont).flatten(2).norm(dim=2).amax(0).argmax())
    return {"frames": seq[steps, channel].numpy(), "steps": list(steps), "channel": channel, "area": area}


# -- Fig 3B -------------------------------------------------------------------------------------------------------
def sequence_trials(labels: torch.Tensor, pattern: list[str], n: int, seed: int) -> dict[str, torch.Tensor]:
    """For each image letter of ``pattern`` (e.g. A, B), the indices of ``n`` images such that different letters of
    one sequence show different classes."""
    letters = sorted({p for p in pattern if p != BLANK})
    if len(letters) > len(labels.unique()):
        raise ValueError(f"the sequence {pattern} needs {len(letters)} different classes, but its images have "
                         f"{len(labels.unique())}: draw from more images (temporal.sequence_images) or use fewer "
                         "letters (temporal.sequence)")
    gen = torch.Generator().manual_seed(seed)
    picks = {c: torch.empty(n, dtype=torch.long) for c in letters}
    for s in range(n):
        used: set[int] = set()
        for c in letters:
            while True:
                i = int(torch.randint(len(labels), (1,), generator=gen))
                if int(labels[i]) not in used:
                    break
            used.add(int(labels[i]))
            picks[c][s] = i
    return picks


def sequence_schedule(pattern: list[str], images: dict[str, torch.Tensor], segment_steps: int):
    """The engine schedule of a pattern: each letter's images (or None for a blank) for ``segment_steps``."""
    if not pattern:
        raise ValueError("the sequence pattern is empty (temporal.sequence): give segments such as [A, blank, B, A]")
    return [(None if p == BLANK else images[p], segment_steps) for p in pattern]


def settle_steps(classes: np.ndarray) -> np.ndarray:
    """Per column of ``classes`` (steps x trials, one segment), the steps after the switch until the class equals the
    one the segment ends with and stays so: 1 when it is there from the first step."""
    end = classes[-1]
    wrong = classes != end
    any_wrong = wrong.any(0)
    last_wrong = wrong.shape[0] - 1 - np.argmax(wrong[::-1], axis=0)
    return np.where(any_wrong, last_wrong + 2, 1)


def repeated_letter(pattern: list[str]) -> tuple[str, int, int] | None:
    """(letter, first segment, its repeat) of the first image letter shown twice in ``pattern`` (C5's pair: the same
    image from the spontaneous state and again later), or None."""
    for k, p in enumerate(pattern):
        if p != BLANK and p in pattern[k + 1:]:
            return p, k, pattern.index(p, k + 1)
    return None


@torch.inference_mode()
def run_sequences(models: dict[str, nn.Module], images: torch.Tensor, labels: torch.Tensor, pattern: list[str],
                  segment_steps: int, n: int, spontaneous_steps: int, seed: int = 0,
                  window: tuple[int, int] | None = None) -> dict[str, Any]:
    """Show ``n`` sequences of ``pattern`` to each model; C5's numbers per model and the class at every step.

    A segment's answer is the class of the mean logits over ``window`` (steps after its onset: the trained readout
    window, ``[stimulus_steps - readout_steps, stimulus_steps)``; default its last step). A trial's segment is
    *stable* when its class has settled by the window's start and does not change after (through the segment's
    end): the declared stability rule of C5."""
    start, stop = window if window is not None else (segment_steps - 1, segment_steps)
    if not 0 <= start < stop <= segment_steps:
        raise ValueError(f"the readout window {start}-{stop} does not fit a segment of {segment_steps} steps: make "
                         "temporal.segment_steps at least simulation.stimulus_steps")
    picks = sequence_trials(labels, pattern, n, seed)
    dev = _device(next(iter(models.values())))
    shown = {c: images[i].to(dev) for c, i in picks.items()}
    truth = {c: labels[i].numpy() for c, i in picks.items()}
    schedule = sequence_schedule(pattern, shown, segment_steps)
    blank_like = torch.zeros_like(images[:1]).to(dev)
    results: dict[str, Any] = {}
    for label, model in models.items():
        if isinstance(model, CordsNet):
            out = simulate(model, schedule, spontaneous_steps=spontaneous_steps, batch_size=n)
            logits = out.logits
            spont_class = int(simulate(model, [(None, 1)], spontaneous_steps=spontaneous_steps,
                                       batch_size=1).logits[-1, 0].argmax())
        else:  # no time: what is on screen, held for the segment
            blank = model(blank_like)
            per_segment = [blank.expand(n, -1) if p == BLANK else model(shown[p]) for p in pattern]
            logits = torch.cat([seg[None].expand(segment_steps, -1, -1) for seg in per_segment])
            spont_class = int(blank.argmax(1))
        classes = logits.argmax(2).cpu().numpy()
        segs, per_trial = [], {}
        for k, p in enumerate(pattern):
            seg = classes[k * segment_steps: (k + 1) * segment_steps]
            answer = logits[k * segment_steps + start: k * segment_steps + stop].mean(0).argmax(1).cpu().numpy()
            target = np.full(n, spont_class) if p == BLANK else truth[p]
            settle = settle_steps(seg)
            stable = settle <= start + 1  # settled by the window's start (settle counts steps from 1), no flip after
            per_trial[k] = {"correct": answer == target, "stable": stable}
            segs.append({"segment": k, "shown": p, "correct": float((answer == target).mean()),
                         "stable": float(stable.mean()), "settle_mean": float(settle.mean()),
                         "settle_median": float(np.median(settle))})
        results[label] = {"segments": segs, "spontaneous_class": spont_class, "classes": classes,
                          "per_trial": per_trial}
        for kind, blank in (("image", False), ("blank", True)):
            chosen = [s for s in segs if (s["shown"] == BLANK) == blank]
            for key, name in (("correct", f"{kind}_segments_correct"), ("settle_mean", f"{kind}_settle_mean")):
                results[label][name] = float(np.mean([s[key] for s in chosen])) if chosen else None
    return {"models": results, "truth": truth, "picks": {c: i.numpy() for c, i in picks.items()},
            "window": [start, stop]}


def c5_trials(run: dict[str, Any], pattern: list[str], segment_steps: int) -> dict[str, Any] | None:
    """C5's per-trial data for CordsNet: the repeated image's correctness at its first showing (from the spontaneous
    state) and at its repeat, paired by trial, and the stability of every image segment (what the scorecard
    judges); None when no image letter repeats."""
    pair = repeated_letter(pattern)
    if pair is None or "cordsnet" not in run["models"]:
        return None
    letter, first, repeat = pair
    trials = run["models"]["cordsnet"]["per_trial"]
    stable = np.concatenate([trials[k]["stable"] for k, p in enumerate(pattern) if p != BLANK])
    start, stop = run["window"]
    return {"letter": letter, "first_segment": first, "repeat_segment": repeat,
            "first_correct": trials[first]["correct"].astype(int).tolist(),
            "repeat_correct": trials[repeat]["correct"].astype(int).tolist(),
            "image_segments_stable": int(stable.sum()), "image_segments": int(len(stable)),
            "window": [start, stop],
            "rule": f"a segment's answer: the class of the mean logits over steps {start}-{stop} after its onset (the "
                    f"trained readout window); stable: the class settled by step {start} and unchanged to the "
                    f"segment's end ({segment_steps} steps)"}


@torch.inference_mode()
def example_trace(models: dict[str, nn.Module], pattern: list[str], images: dict[str, torch.Tensor],
                  segment_steps: int, spontaneous_steps: int) -> dict[str, np.ndarray]:
    """One sequence (batch 1) through each model: per-area mean activity (steps x areas) and softmax (steps x
    classes); the CNN's as step functions of what is on screen."""
    out: dict[str, np.ndarray] = {}
    images = {k: v.to(_device(next(iter(models.values())))) for k, v in images.items()}
    for label, model in models.items():
        if isinstance(model, CordsNet):
            res = simulate(model, sequence_schedule(pattern, images, segment_steps),
                           spontaneous_steps=spontaneous_steps, batch_size=1, record=list(range(model.depth)))
            act = torch.stack([torch.relu(res.states[i]).flatten(1).mean(1) for i in range(model.depth)], 1)
            probs = res.logits[:, 0].softmax(1)
        else:
            blank = torch.zeros_like(next(iter(images.values())))
            acts, probs_l = [], []
            for p in pattern:
                x = blank if p == BLANK else images[p]
                _, _, a = model.features(x)
                acts.append(torch.stack([t.flatten(1).mean(1)[0] for t in a])[None].expand(segment_steps, -1))
                probs_l.append(model.readout(readout_features(a)).softmax(1).expand(segment_steps, -1))
            act, probs = torch.cat(acts), torch.cat(probs_l)
        out[f"activity_{label}"] = act.cpu().numpy()
        out[f"softmax_{label}"] = probs.cpu().numpy()
    return out


def sequences_report(cfg: dict[str, Any], dataset: str, depth: int) -> Report:
    """Fig 3A and 3B with C5's numbers for one dataset and depth, from the configuration's trained models."""
    t, sim = cfg["temporal"], cfg["simulation"]
    models = {label: load_trained(cfg, dataset, depth, stage) for label, stage in SEQUENCE_MODELS.items()}
    images, labels, note = test_subset(cfg, dataset, t["sequence_images"])
    pattern, seg = list(t["sequence"]), t["segment_steps"] or sim["stimulus_steps"]
    window = (sim["stimulus_steps"] - sim["readout_steps"], sim["stimulus_steps"])
    runs = run_sequences(models, images, labels, pattern, seg, t["sequences"], sim["spontaneous_steps"],
                         cfg["run"]["seed"], window)
    first = {c: images[i[:1]] for c, i in runs["picks"].items()}
    arrays = example_trace(models, pattern, first, seg, sim["spontaneous_steps"])
    cordsnet = models["cordsnet"]
    area = cordsnet.depth - 1 if t["feature_map_area"] is None else t["feature_map_area"]
    if area >= cordsnet.depth:
        raise ValueError(f"temporal.feature_map_area = {area}, but R{depth} has areas 0..{cordsnet.depth - 1}")
    fmap = feature_map_frames(cordsnet, images[0], area, list(t["feature_map_steps"]), sim["spontaneous_steps"])
    arrays["feature_map"] = fmap.pop("frames")
    c5 = c5_trials(runs, pattern, seg)
    for label, r in runs["models"].items():
        arrays[f"classes_{label}"] = r.pop("classes")
        r.pop("per_trial")
    arrays.update({f"picks_{c}": i for c, i in runs["picks"].items()})
    data = {"dataset": dataset, "depth": depth, "pattern": pattern, "segment_steps": seg,
            "sequences": t["sequences"], "drawn_from": note,
            "example": {c: {"index": int(i[0]), "class": int(runs["truth"][c][0])} for c, i in runs["picks"].items()},
            "models": {label: {"stage": SEQUENCE_MODELS[label], **r} for label, r in runs["models"].items()},
            "feature_map": {**fmap, "image_index": 0, "image_class": int(labels[0])},
            "cnn_note": "the CNN has no time: its class is that of what is on screen, so it settles in 1 step",
            "window": runs["window"], "c5": c5,
            "provenance": trained_provenance(cfg, dataset, depth, SEQUENCE_MODELS.values())}
    return Report(data, arrays)


# -- Fig 4B -------------------------------------------------------------------------------------------------------
def step_spectrum(model: CordsNet, states: list[torch.Tensor], image: torch.Tensor, k: int, seed: int = 0
                  ) -> np.ndarray:
    """The ``k`` largest-magnitude eigenvalues of the whole network's Euler-step Jacobian at ``states`` with
    ``image`` on (ARPACK, matrix-free)."""
    op = StepJacobianOperator(model, states, image)
    return arpack_eigs(op, k=min(k, op.n - 2), tol=1e-8, seed=seed).values


# -- Fig 4C -------------------------------------------------------------------------------------------------------
@torch.inference_mode()
def autonomous_trajectories(model: CordsNet, images: torch.Tensor, stimulus_steps: int, post_steps: int,
                            spontaneous_steps: int, seed: int = 0) -> dict[str, Any]:
    """The last area's trajectories (images x steps x 2) on the first two principal components of all of them,
    stimulus on for ``stimulus_steps`` then off for ``post_steps``; the spontaneous state in the same plane, and
    the slowest mode of the last area at the spontaneous state (power iteration on its Euler-step Jacobian).
    ``final_distance``: the largest distance at the end to where the never-stimulated network is at that time,
    relative to the largest stimulus-state norm (``final_distance_to_onset_state``: to the state at onset)."""
    from sklearn.decomposition import PCA

    last = model.depth - 1
    out = simulate(model, [(images.to(_device(model)), stimulus_steps), (None, post_steps)],
                   spontaneous_steps=spontaneous_steps, record=[last])
    traj = out.states[last].flatten(2).transpose(0, 1).double().cpu().numpy()  # images x steps x units
    pca = PCA(n_components=2, random_state=seed).fit(traj.reshape(-1, traj.shape[-1]))
    proj = pca.transform(traj.reshape(-1, traj.shape[-1])).reshape(traj.shape[0], traj.shape[1], 2)
    spont = [r.float() for r in out.spontaneous]
    spont_proj = pca.transform(spont[last].flatten().double().cpu().numpy()[None])[0]
    # where the network would be at the same time had it never seen an image: with a short warm-up the spontaneous
    # state at onset is still settling, and the return is measured against this, not against the onset state
    resting = spontaneous_state(model, spontaneous_steps + stimulus_steps + post_steps, device=_device(model),
                                use_cache=False)[last].flatten().double().cpu().numpy()  # keep the warm-up's cache
    op = EulerStepOperator(area_jacobian(model, last, spont, None, tau=1.0), model.alpha)
    power = power_iteration(op, seed=seed)
    scale = max(np.linalg.norm(traj[:, stimulus_steps - 1], axis=1).max(), 1e-12)
    v = power.vector / np.linalg.norm(power.vector)
    in_plane = pca.components_ @ v
    return {"projected": proj, "spontaneous": spont_proj, "explained_variance": pca.explained_variance_ratio_,
            "mode_multiplier": power.value, "mode_converged": power.converged, "mode_in_plane": in_plane,
            "mode_in_plane_fraction": float(np.linalg.norm(in_plane)),
            "final_distance": float(np.linalg.norm(traj[:, -1] - resting, axis=1).max() / scale),
            "final_distance_to_onset_state": float(
                np.linalg.norm(traj[:, -1] - spont[last].flatten().cpu().numpy(), axis=1).max() / scale)}


def solutions_report(cfg: dict[str, Any]) -> Report:
    """Fig 4B and 4C from the configuration's late- and early-readout models."""
    t, sim, seed = cfg["temporal"], cfg["simulation"], cfg["run"]["seed"]
    dataset, depth = solution_row(cfg)
    images, labels, note = test_subset(cfg, dataset, t["solution_images"])
    ends = {"late": sim["stimulus_steps"], "early": early_readout_steps(cfg)}
    data: dict[str, Any] = {"dataset": dataset, "depth": depth, "hold_steps": t["hold_steps"],
                            "readout_steps": sim["readout_steps"], "images": len(labels), "evaluation": note,
                            "hold_fraction": t["hold_fraction"], "models": {}}
    arrays: dict[str, np.ndarray] = {}
    models = {label: load_trained(cfg, dataset, depth, stage) for label, stage in SOLUTION_MODELS.items()}
    for label, model in models.items():
        stage = SOLUTION_MODELS[label]
        h = hold_analysis(model, images, labels, ends[label], sim["readout_steps"], t["hold_steps"],
                          sim["spontaneous_steps"])
        first = h.pop("first")
        eig_window = step_spectrum(model, first["window"], first["image"], t["eig_k"], seed)
        eig_end = step_spectrum(model, first["end"], first["image"], t["eig_k"], seed)
        arrays[f"per_step_accuracy_{label}"] = h.pop("per_step_accuracy")
        arrays[f"activity_{label}"] = h.pop("activity")
        arrays[f"eig_window_{label}"], arrays[f"eig_end_{label}"] = eig_window, eig_end
        holds = h["answer_kept"] >= t["hold_fraction"]
        data["models"][label] = {
            "stage": stage, "window": [ends[label] - sim["readout_steps"], ends[label]], **h,
            "radius_at_window_end": float(np.abs(eig_window).max()), "radius_at_end": float(np.abs(eig_end).max()),
            "holds_answer": bool(holds),
            "solution": "steady-state" if holds else "transient"}
        log.info("%s readout (steps %s): window %.3f, end %.3f, kept %.3f, radius %.3f -> %.3f", label,
                 data["models"][label]["window"], h["window_accuracy"], h["end_accuracy"], h["answer_kept"],
                 np.abs(eig_window).max(), np.abs(eig_end).max())
    first_of_class: dict[int, int] = {}  # Fig 4C: the first test images of different classes
    for i, y in enumerate(labels.tolist()):
        first_of_class.setdefault(y, i)
        if len(first_of_class) == t["trajectory_images"]:
            break
    chosen = list(first_of_class.values())
    traj = autonomous_trajectories(models["late"], images[chosen], sim["stimulus_steps"], t["post_steps"],
                                   sim["spontaneous_steps"], seed)
    arrays["trajectories"] = traj.pop("projected")
    arrays["spontaneous_projected"] = traj.pop("spontaneous")
    arrays["mode_in_plane"] = traj.pop("mode_in_plane")
    arrays["explained_variance"] = traj.pop("explained_variance")
    data["autonomous"] = {"stage": SOLUTION_MODELS["late"], "image_indices": chosen,
                          "classes": [int(labels[i]) for i in chosen], "stimulus_steps": sim["stimulus_steps"],
                          "post_steps": t["post_steps"], **traj}
    data["criteria"] = (f"steady-state: the class in the last {sim['readout_steps']} of {t['hold_steps']} steps "
                        f"with the image on equals the class in the trained window for at least "
                        f"{t['hold_fraction']:.0%} of the images; otherwise transient")
    data["provenance"] = trained_provenance(cfg, dataset, depth, SOLUTION_MODELS.values(),
                                            training={"early_readout_steps": ends["early"]})
    return Report(data, arrays)


# -- commands (workflow/rules/temporal.smk) -----------------------------------------------------------------------
def _add_row(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", required=True)
    p.add_argument("--depth", type=int, required=True)
    _add_out(p)


def _add_out(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="JSON path; the arrays go to a .npz beside it")




@command("temporal-sequences", "stimulus sequences through CordsNet, the CNN and the RCNN; a feature map over time "
         "(Fig 3A-B, C5)", _add_row, concern="temporal")
def _sequences_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    rep = sequences_report(cfg, args.dataset, args.depth)
    rep.write(args.out)
    for label, r in rep.data["models"].items():
        log.info("C5 %s R%d %s: image segments right %.3f, blank segments %.3f, settle %.1f steps", args.dataset,
                 args.depth, label, r["image_segments_correct"] or 0, r["blank_segments_correct"] or 0,
                 r["image_settle_mean"] or 0)
    return 0


@command("temporal-solutions", "steady-state vs transient solutions and autonomous inference (Fig 4B-C)", _add_out,
         concern="temporal")
def _solutions_cli(args: argparse.Namespace, cfg: dict[str, Any]) -> int:
    solutions_report(cfg).write(args.out)
    return 0
