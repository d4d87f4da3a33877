"""The library's plan holds: layers import only downward (import-linter), planning needs no torch, modules stay
small, and imports inside functions only guard heavy dependencies."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

BIN = Path(sys.executable).parent
PACKAGE = REPO / "cordsnet"
MAX_LINES = 400
LAZY_LIBRARY_IMPORTS = {"cordsnet/ablation/classify.py"}
"""modules that promise to be torch-free to import and so load torch-using library modules inside the one function
that needs them (their docstrings say so)"""


def test_the_import_layers_hold_with_no_exceptions():
    """The contracts of .importlinter: foundation -> data -> models -> engine -> training -> concerns -> CLI, and no
    library module imports a concern's analysis module. No `ignore_imports` is listed."""
    assert "ignore_imports" not in (REPO / ".importlinter").read_text()
    res = subprocess.run([str(BIN / "lint-imports")], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert "0 broken" in res.stdout


@pytest.fixture()
def torch_poisoned(tmp_path) -> dict[str, str]:
    """An environment in which `import torch` fails loudly."""
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text("raise ImportError('planning imported torch')\n")
    return dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{REPO}")


def test_validating_a_configuration_imports_no_torch(torch_poisoned):
    code = ("import sys; from cordsnet.config import load_config; "
            "[load_config(f'config/{n}.yaml') for n in ('config', 'smoke', 'paper')]; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=torch_poisoned, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]


def test_planning_the_workflow_imports_no_torch(torch_poisoned):
    """`snakemake -n` reads the concern table, the stage graph, the layout and the configuration checks: all
    torch-free, so a plan takes seconds and works where torch is not installed (a login node)."""
    res = subprocess.run([str(BIN / "snakemake"), "-n", "--cores", "2", "--configfile", "config/config.yaml"], cwd=REPO,
                         env=torch_poisoned, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "train_stage" in res.stdout


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_of_the_library_is_over_400_lines():
    long = {str(p.relative_to(REPO)): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these by job: {long}"


def test_library_imports_inside_functions_only_guard_heavy_dependencies():
    """An import of a library module inside a function hides a dependency from the reader and from import-linter's
    layers; only the modules that promise a torch-free import may do it."""
    found = []
    for path in _modules():
        rel = str(path.relative_to(REPO))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("cordsnet"):
                        found.append(f"{rel}:{inner.lineno} {inner.module}")
    unexpected = [f for f in found if f.split(":")[0] not in LAZY_LIBRARY_IMPORTS]
    assert not unexpected, unexpected
