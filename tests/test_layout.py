"""The results layout: one map of paths, used by the rules, the library and the notebooks alike."""

from pathlib import Path

from cordsnet.layout import Layout
from tests.conftest import REPO


def test_paths_and_wildcards():
    L = Layout("res", "dat")
    assert L.stage_dir("fmnist", 4, "anneal") == Path("res/models/fmnist/R4/anneal")
    assert str(L.metrics("{dataset}", "{depth}", "{stage}")) == "res/models/{dataset}/R{depth}/{stage}/metrics.json"
    assert L.manifest("mnist") == Path("dat/prepared/mnist/manifest.json")
    assert L.table("table1", "provenance.json") == Path("res/tables/table1.provenance.json")
    assert L.figure("regimes") == Path("res/figures/regimes") and L.figure("regimes", "pdf").suffix == ".pdf"
    assert L.analysis("dynamics", "eigs", "npz") == Path("res/dynamics/eigs.npz")
    assert Layout.from_config({"paths": {"results": "r", "data": "d"}}) == Layout("r", "d")


def test_the_workflow_plans_the_layouts_paths(tmp_path):
    """The Snakemake rules build their outputs from the same layout: a dry run names exactly these files."""
    import subprocess
    import sys

    planned = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--forceall", "--cores", "1",
                              "--configfile", "config/smoke.yaml", "--summary"], cwd=REPO, capture_output=True,
                             text=True, timeout=300).stdout
    L = Layout("results/smoke", "data/smoke")
    for path in (L.metrics("mnist", 2, "finetune"), L.table("table1"), L.analysis("dynamics", "eigs"),
                 L.figure("training_curves", "png"), L.notebook("dynamics"), L.manifest("mnist")):
        assert str(path) in planned, path
