"""docs/adding-an-analysis.md lists the files an analysis touches; every analysis of the concern table has each of
them, so the page stays true (the table is parsed from the page, not restated here)."""

import re

import pytest

from cordsnet.concerns import CONCERNS
from tests.conftest import REPO

PAGE = (REPO / "docs" / "adding-an-analysis.md").read_text()
FILES = re.findall(r"^\| \d+ \| `([^`]+)` \|", PAGE, re.M)
ANALYSES = sorted(name for name, c in CONCERNS.items() if f"cordsnet.{name}.analysis" in c.modules)


def test_the_page_lists_the_files():
    assert len(FILES) == 9 and FILES[0] == "cordsnet/concerns.py"


@pytest.mark.parametrize("name", ANALYSES)
def test_every_analysis_has_each_listed_file(name):
    concern = CONCERNS[name]
    for pattern in FILES:
        pattern = pattern.replace("<name>", name)
        if pattern == ".importlinter":
            text = (REPO / pattern).read_text()
            assert text.count(f"cordsnet.{name}") >= 2, f".importlinter: cordsnet.{name} in a layer and a contract"
        elif "<figure>" in pattern:
            for figure in concern.figures:
                assert (REPO / pattern.replace("<figure>", figure)).is_file(), pattern
        elif "*" in pattern:
            assert list(REPO.glob(pattern)), pattern
        else:
            assert (REPO / pattern).is_file(), pattern
    assert f'FIGURES["{name}"]' in (REPO / "workflow" / "rules" / f"{name}.smk").read_text()
