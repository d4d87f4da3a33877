"""What every stage function gets (:class:`StageContext`) and what all of them share: the optimiser, the settings
of a stage, its budget unit, its metrics and provenance.

Budgets are counted in simulated image-steps: one image simulated for one time step (the warm-up, shared by a batch,
counts once per batch). Every stage is scored on the validation split when it starts and
``training.validation_evaluations`` times while it trains, and keeps its best state (:func:`selection_metrics`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from cordsnet.config import with_stage_defaults
from cordsnet.data.loading import load_split, read_manifest
from cordsnet.device import device_for
from cordsnet.io import load_tensors, save_predictions, save_tensors
from cordsnet.layout import Layout
from cordsnet.provenance import record
from cordsnet.training.graph import CONTROLS, PREVIOUS, STAGE_TABLE, stage_config, stage_seed_dir
from cordsnet.training.loop import LoopConfig, as_tensor_data, world


def optimizer(params, stage: dict[str, Any]) -> torch.optim.Optimizer:
    if stage["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=stage["lr"], momentum=stage["momentum"], weight_decay=stage["weight_decay"])
    return torch.optim.AdamW(params, lr=stage["lr"], weight_decay=stage["weight_decay"])


def stage_settings(cfg: dict[str, Any], stage: str) -> dict[str, Any]:
    """The optimiser settings of ``stage``: its own ``training.<stage>``, or ``training.controls`` for the controls
    (one epoch's worth of settings, AdamW, ``lr_<control>`` over ``lr`` where set; their step count comes from the
    method's budget)."""
    if STAGE_TABLE[stage].control:
        controls = cfg["training"]["controls"]
        settings = {k: v for k, v in controls.items() if k not in (f"lr_{c}" for c in CONTROLS)}
        if controls[f"lr_{stage}"] is not None:
            settings["lr"] = controls[f"lr_{stage}"]
        return with_stage_defaults({"epochs": 1, "optimizer": "adamw", **settings})
    block = STAGE_TABLE[stage].settings  # the analysis stages: the fine-tuning stage's, with one thing changed
    return {} if block is None else cfg["training"][block]  # fold: exact arithmetic, nothing trained


def batch_image_steps(cfg: dict[str, Any], batch: int, post: bool) -> int:
    sim = cfg["simulation"]
    per_image = sim["stimulus_steps"] + (sim["post_stimulus_steps"] if post else 0)
    return batch * per_image + sim["spontaneous_steps"]


@dataclass
class StageContext:
    """What every stage function gets: the configuration, which model it trains, where, and how far to run."""

    cfg: dict[str, Any]
    dataset: str
    depth: int
    stage: str
    stop_after: int | None = None
    """end after this many optimiser steps (tests use it to simulate a kill)"""
    seed: int | None = None
    """another seed's copy of a seeded stage (``run.seeds``): its folder, and its seeded predecessors'"""
    out_dir: Path | None = None
    """where this stage writes instead of its layout folder (the ablation's runs); it reads the main run's"""

    @property
    def layout(self) -> Layout:
        return Layout.from_config(self.cfg)

    def dir_of(self, stage: str) -> Path:
        """The folder of ``stage`` in this stage's chain: its own (or ``out_dir``) for this stage, the seed's for
        the seeded stages, the main run's for the shared ones."""
        if stage == self.stage and self.out_dir is not None:
            return self.out_dir
        return self.layout.stage_dir(self.dataset, self.depth, stage, stage_seed_dir(stage, self.seed))

    @property
    def out(self) -> Path:
        return self.dir_of(self.stage)

    @property
    def settings(self) -> dict[str, Any]:
        return stage_settings(self.cfg, self.stage)

    @property
    def desc(self) -> str:
        return f"{self.dataset} R{self.depth} {self.stage}"

    def load_stage(self, stage: str) -> dict[str, Any]:
        """The checkpoint of ``stage`` (of the same dataset and depth), or an error that says to run it first."""
        path = self.dir_of(stage) / "checkpoint.pt"
        if not path.is_file():
            raise FileNotFoundError(f"stage '{self.stage}' needs the '{stage}' checkpoint {path}: run that stage first")
        return load_tensors(path)

    def load_predecessor(self) -> dict[str, Any]:
        return self.load_stage(PREVIOUS[self.stage])

    def train_data(self):
        return as_tensor_data(load_split(self.dataset, "train", self.cfg["data"], self.cfg["paths"]["data"]))

    def test_data(self):
        return load_split(self.dataset, "test", self.cfg["data"], self.cfg["paths"]["data"])

    def val_data(self):
        return load_split(self.dataset, "val", self.cfg["data"], self.cfg["paths"]["data"])

    def loop(self, steps: int) -> LoopConfig:
        st = self.settings
        return LoopConfig(steps=steps, batch_size=st["batch_size"], seed=self.cfg["run"]["seed"],
                          checkpoint=self.out / "train_state.pt",
                          checkpoint_every=self.cfg["training"]["checkpoint_every"], grad_clip=st["grad_clip"],
                          desc=self.desc, device=device_for(self.cfg),
                          evaluations=self.cfg["training"]["validation_evaluations"])

    def predecessor_metrics(self) -> dict[str, Any]:
        path = self.dir_of(PREVIOUS[self.stage]) / "metrics.json"
        if not path.is_file():
            raise FileNotFoundError(f"stage '{self.stage}' needs {path}: run stage '{PREVIOUS[self.stage]}' first")
        return json.loads(path.read_text())

    def metrics(self, **values) -> dict[str, Any]:
        cfg = self.cfg
        read = stage_config(cfg, self.stage)  # what the stage reads, as its rule passes it (the seed in run.seed)
        slice_ = {"model": cfg["model"], "training": read["training"], "data": read["data"]}
        if "simulation" in read:
            slice_["simulation"] = read["simulation"]
        return {"stage": self.stage, "dataset": self.dataset, "depth": self.depth, "scale": cfg["run"]["scale"],
                **values,
                "provenance": record(slice_, seed=cfg["run"]["seed"], data=data_record(cfg, self.dataset),
                                     scale=cfg["run"]["scale"], extra={"run_name": cfg["run"]["name"]})}

    def final(self, state: dict[str, Any], metrics: dict[str, Any], predictions: dict[str, Any]) -> dict[str, Any]:
        """Save the final checkpoint and the per-image test predictions (``predictions.npy``) and drop the
        resumable state; :func:`run_stage` writes the metrics."""
        rank, _ = world()
        if rank == 0:
            save_predictions(self.out / "predictions.npy", predictions["index"], predictions["label"],
                             predictions["predicted"])
            save_tensors(self.out / "checkpoint.pt", state)
            partial = self.out / "train_state.pt"
            if partial.exists():
                partial.unlink()
        return metrics


def data_record(cfg: dict[str, Any], dataset: str) -> dict[str, Any]:
    manifest = read_manifest(cfg["paths"]["data"], dataset)
    src = manifest["source"]
    val = manifest["validation"]
    return {"dataset": dataset, "source_kind": src["kind"], "location": src["location"], "real": src["real"],
            "subset": src.get("subset"), "synthetic": manifest["synthetic"],
            "train_n": val["train_n"], "val_n": val["n"], "val_seed": val["seed"],
            "val_indices_sha256": val["indices_sha256"], "test_n": manifest["splits"]["test"]["n"]}


def selection_metrics(res, val_images: int) -> dict[str, Any]:
    """What a stage's metrics say about its validation scores and the state it kept."""
    return {"val_accuracy_start": res.start_accuracy, "val_accuracy": res.best_accuracy,
            "selected_step": res.best_step, "validation": res.validation, "val_images": val_images,
            "selection": "best validation accuracy among the evaluated states (ties: the later)"}
