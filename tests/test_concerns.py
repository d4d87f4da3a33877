"""Each concern of the paper has its homes (rule file, analysis module, notebook, schema section, captions), and
dvc.yaml declares for it the parameters and code that the Snakemake rules read (one source: cordsnet.concerns)."""

import json

import pytest
import yaml

from cordsnet.concerns import CONCERNS
from cordsnet.config import schema
from tests.conftest import REPO

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]


@pytest.mark.parametrize("name", sorted(CONCERNS))
def test_every_concern_has_its_homes(name):
    concern = CONCERNS[name]
    rule_file = REPO / "workflow" / "rules" / f"{name}.smk"  # the Snakefile includes one per concern
    assert f"\nrule {name}:" in rule_file.read_text(), f"{rule_file} lacks the aggregate rule '{name}'"
    for path in concern.code:
        assert (REPO / path).exists(), f"{name}: {path} does not exist"
    sections = set(schema()["properties"])
    assert set(concern.sections) <= sections
    assert {p.split(".")[0] for p in concern.params} <= sections
    if concern.notebook:
        nb = json.loads((REPO / "notebooks" / f"{concern.notebook}.ipynb").read_text())
        assert nb["metadata"]["kernelspec"]["language"] == "python"
        source = "".join("".join(c["source"]) for c in nb["cells"])
        for figure in concern.figures:
            assert f'L.figure("{figure}")' in source, f"notebook {concern.notebook} does not draw {figure}"
            assert (REPO / "workflow" / "report" / f"{figure}.rst").is_file(), f"no report caption for {figure}"


@pytest.mark.parametrize("name", sorted(CONCERNS))
def test_dvc_stage_declares_the_concerns_params_and_code(name):
    """After a change to a parameter or file the rules read, `dvc status` must say the stage changed."""
    concern = CONCERNS[name]
    stage = DVC[name]["do"]
    params = [p for entry in stage.get("params", []) for values in entry.values() for p in values]
    assert sorted(params) == sorted(concern.params), f"dvc.yaml {name} params {params} vs {concern.params}"
    deps = stage["deps"]
    for path in concern.code:
        assert any(path == d or path.startswith(d.rstrip("/") + "/") for d in deps), f"{name}: {path} not in deps"
    assert f"workflow/rules/{name}.smk" in deps


def test_the_figures_stage_depends_on_every_notebook_and_result():
    deps = DVC["figures"]["do"]["deps"]
    assert "notebooks" in deps and "cordsnet/figures.py" in deps and "cordsnet/layout.py" in deps


def test_the_cli_registers_the_commands_of_every_concern_it_lists():
    """The concern table drives the CLI: every module a concern names registers at least one command of that
    concern, and every command of a concern comes from the modules that concern names."""
    import importlib

    from cordsnet.cli import build_parser  # importing the CLI imports every module the concern table names
    from cordsnet.commands import COMMANDS

    text = build_parser().format_help()
    for name, concern in CONCERNS.items():
        assert concern.modules, f"concern {name} registers no command"
        for module in concern.modules:
            registered = [c for c in COMMANDS.values() if c.run.__module__ == module]
            assert registered and all(c.concern == name for c in registered), f"{module} registers no {name} command"
            importlib.import_module(module)
    for command_name, command in COMMANDS.items():
        assert command_name in text
        if command.concern is not None:
            assert command.run.__module__ in CONCERNS[command.concern].modules, command_name
