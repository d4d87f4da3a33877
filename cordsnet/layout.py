"""Where every file of a run lives: the one map of the data and results trees.

The workflow's rules, the library and the notebooks all build their paths here (the role of showyourwork's
``paths.py``), so a result is written and read at one address. Torch-free and cheap to import: the Snakefile reads
it while planning. Paths are built by string formatting, so Snakemake wildcards pass through:
``Layout("results").stage_dir("{dataset}", "{depth}", "{stage}")`` is ``results/models/{dataset}/R{depth}/{stage}``.

    <data>/prepared/<dataset>/{train,test}.pt, manifest.json
    <results>/models/<dataset>/R<depth>/<stage>/{checkpoint.pt, metrics.json, train_state.pt}
    <results>/models/<dataset>/R<depth>/seed<k>/<stage>/...   (the stages trained again for another seed)
    <results>/ablation/models/<setting>/seed<k>/anneal/...     (Table S5's annealing runs)
    <results>/cognitive/models/{N<size>,attractors}/{checkpoint.pt, metrics.json}   (cognitive-task networks)
    <results>/multiarea/models/<task>/{checkpoint.pt, metrics.json}   (Fig 5's downstream networks)
    <results>/neural/surrogate/{assembly.nc, stimuli.csv, images/, truth.npz, surrogate.json}   (synthetic)
    <results>/tables/<name>.{csv,md,provenance.json}
    <results>/<concern>/<name>.{json,npz}            (analysis outputs, e.g. dynamics/eigs.json)
    <results>/figures/<name>.{png,pdf,provenance.json}
    <results>/notebooks/<notebook>.ipynb
    <results>/logs/, <results>/benchmarks/
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PathLike = str | os.PathLike[str]


@dataclass(frozen=True, init=False)
class Layout:
    """The data and results roots of one configuration (``paths.data``, ``paths.results``)."""

    results: Path
    data: Path

    def __init__(self, results: PathLike = "results", data: PathLike = "data"):
        object.__setattr__(self, "results", Path(results))
        object.__setattr__(self, "data", Path(data))

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> Layout:
        """The layout of a configuration's ``paths`` section."""
        return cls(cfg["paths"]["results"], cfg["paths"]["data"])

    # -- data ----------------------------------------------------------------------------------------------
    def prepared_dir(self, dataset: str) -> Path:
        return self.data / "prepared" / dataset

    def manifest(self, dataset: str) -> Path:
        """Written last by data preparation: a prepared folder with a manifest is complete."""
        return self.prepared_dir(dataset) / "manifest.json"

    def prepared_split(self, dataset: str, split: str) -> Path:
        return self.prepared_dir(dataset) / f"{split}.pt"

    def downloads(self) -> Path:
        return self.data / "downloads"

    # -- trained models ------------------------------------------------------------------------------------
    def stage_dir(self, dataset: str, depth: int | str, stage: str, seed: int | str | None = None) -> Path:
        """A stage's folder; ``seed`` names another seed's copy of a stage (``run.seeds``), None the main run's
        (``run.seed``), which every analysis reads."""
        row = self.results / "models" / dataset / f"R{depth}"
        return row / stage if seed is None else row / f"seed{seed}" / stage

    def checkpoint(self, dataset: str, depth: int | str, stage: str, seed: int | str | None = None) -> Path:
        return self.stage_dir(dataset, depth, stage, seed) / "checkpoint.pt"

    def metrics(self, dataset: str, depth: int | str, stage: str, seed: int | str | None = None) -> Path:
        return self.stage_dir(dataset, depth, stage, seed) / "metrics.json"

    def predictions(self, dataset: str, depth: int | str, stage: str, seed: int | str | None = None) -> Path:
        """The model's class for every test image it was scored on (:func:`cordsnet.io.save_predictions`)."""
        return self.stage_dir(dataset, depth, stage, seed) / "predictions.npy"

    def train_state(self, dataset: str, depth: int | str, stage: str, seed: int | str | None = None) -> Path:
        """The resumable state of a stage while it runs (not an output: kept when a job fails)."""
        return self.stage_dir(dataset, depth, stage, seed) / "train_state.pt"

    def ablation_dir(self, setting: str, seed: int | str) -> Path:
        """One model of the Table S5 ablation: the annealing stage run with one setting of the loss ramp or the
        spontaneous penalty, for one seed (``checkpoint.pt``, ``metrics.json``, ``train_state.pt``)."""
        return self.results / "ablation" / "models" / setting / f"seed{seed}" / "anneal"

    def task_networks(self, name: str) -> Path:
        """The cognitive-task networks ``N<size>`` (all kinds and seeds of one size) or ``attractors``:
        ``checkpoint.pt``, ``metrics.json`` (and ``train_state.pt`` while training). Under the concern's own folder,
        not ``models/`` (the training stage's DVC output)."""
        return self.results / "cognitive" / "models" / name

    def multiarea_networks(self, task: str) -> Path:
        """The downstream networks of one Fig 5 task (all seeds): ``checkpoint.pt``, ``metrics.json`` (and
        ``train_state.pt`` while training)."""
        return self.results / "multiarea" / "models" / task

    def neural_surrogate(self) -> Path:
        """The synthetic surrogate of the V4/IT recordings (default scale): ``assembly.nc``, ``stimuli.csv``,
        ``images/``, ``truth.npz`` (the noise-free rates) and ``surrogate.json`` (written last)."""
        return self.results / "neural" / "surrogate"

    # -- tables, analysis outputs, figures ------------------------------------------------------------------
    def table(self, name: str, ext: str = "csv") -> Path:
        return self.results / "tables" / f"{name}.{ext}"

    def analysis(self, concern: str, name: str, ext: str = "json") -> Path:
        return self.results / concern / f"{name}.{ext}"

    def figure(self, name: str, ext: str | None = None) -> Path:
        """``figures/<name>`` without a suffix (what :func:`cordsnet.figures.save_figure` takes), or with ``ext``."""
        base = self.results / "figures" / name
        return base if ext is None else base.with_name(f"{name}.{ext}")

    def notebook(self, name: str) -> Path:
        """The executed copy of ``notebooks/<name>.ipynb``."""
        return self.results / "notebooks" / f"{name}.ipynb"

    def logs(self) -> Path:
        return self.results / "logs"

    def benchmarks(self) -> Path:
        return self.results / "benchmarks"
