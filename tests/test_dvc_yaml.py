"""dvc.yaml is what the concern table generates (cordsnet.dvcfile), names each scale's own config file and paths,
declares every module a concern's jobs import, and DVC parses every stage."""

import subprocess
import sys
from pathlib import Path

import grimp
import pytest
import yaml

from cordsnet.concerns import CONCERNS, FOUNDATION
from cordsnet.config import load_config
from cordsnet.dvcfile import SCALE_CONFIGS, render
from tests.conftest import REPO


def test_the_committed_dvc_yaml_is_what_the_concern_table_generates():
    """Edit cordsnet/concerns.py, then `python -m cordsnet.dvcfile > dvc.yaml`: the two never disagree."""
    assert (REPO / "dvc.yaml").read_text() == render(["default"]), "run `python -m cordsnet.dvcfile > dvc.yaml`"


@pytest.mark.parametrize("scale", sorted(SCALE_CONFIGS))
def test_each_scale_names_its_own_config_file_and_paths(scale):
    entry = yaml.safe_load(render([scale]))["vars"][0]["scales"][scale]
    cfg = load_config(REPO / entry["config"])
    assert cfg["run"]["scale"] == scale
    assert (cfg["paths"]["data"], cfg["paths"]["results"]) == (entry["data"], entry["results"])


@pytest.mark.parametrize("scale", sorted(SCALE_CONFIGS))
@pytest.mark.parametrize("name", sorted(CONCERNS))
def test_every_declared_param_is_written_in_each_scales_config_file(scale, name):
    """DVC reads params from the file itself, not from the schema's defaults: a key a file leaves to its default
    makes `dvc repro` fail ("Parameters ... are missing")."""
    raw = yaml.safe_load((REPO / SCALE_CONFIGS[scale]).read_text())
    for key in CONCERNS[name].params:
        node = raw
        for part in key.split("."):
            assert isinstance(node, dict) and part in node, f"{SCALE_CONFIGS[scale]} does not set {key} ({name})"
            node = node[part]


def _module_path(graph, module: str) -> str:
    parts = module.split(".")
    package = REPO.joinpath(*parts)
    return str(Path(*parts) / "__init__.py") if package.is_dir() else str(Path(*parts)) + ".py"


@pytest.fixture(scope="module")
def import_graph():
    return grimp.build_graph("cordsnet")


@pytest.mark.parametrize("name", sorted(CONCERNS))
def test_a_concerns_declared_code_covers_every_module_its_jobs_import(name, import_graph):
    """Edit any module a concern's commands import (directly or not) and `dvc status` must call its stage changed:
    every module of the import closure lies under a path of ``code`` or of the foundation."""
    concern = CONCERNS[name]
    closure = set()
    for module in concern.modules:
        closure |= {module} | import_graph.find_upstream_modules(module)
    declared = FOUNDATION + concern.code
    missing = sorted(p for p in (_module_path(import_graph, m) for m in closure)
                     if not any(p == d or p.startswith(d.rstrip("/") + "/") for d in declared))
    assert not missing, f"concern {name}: its jobs import {missing}, not in Concern.code (cordsnet/concerns.py)"


def test_dvc_lists_every_stage():
    dvc = Path(sys.executable).parent / "dvc"
    res = subprocess.run([str(dvc), "stage", "list"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    for stage in [*CONCERNS, "figures"]:
        assert f"{stage}@default" in res.stdout
