"""Each concern of the paper has its homes (rule file, analysis module, notebook, schema section, captions), and the
concern table drives the CLI (dvc.yaml: tests/test_dvc_yaml.py)."""

import json

import pytest

from cordsnet.concerns import CONCERNS
from cordsnet.config import schema
from tests.conftest import REPO


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
