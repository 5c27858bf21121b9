"""``docs/scenario.md`` shows the field tables the schema defines (docs match the code)."""

from __future__ import annotations

import pytest

from solver.schema import SECTIONS, markdown_table
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "scenario.md").read_text()


@pytest.mark.parametrize("section", list(SECTIONS))
def test_the_field_table_of_each_section_is_in_the_docs(section):
    assert markdown_table(section) in DOC, f"regenerate the {section or 'top-level'} table"


def test_every_field_is_in_its_table():
    for section, fields in SECTIONS.items():
        table = markdown_table(section)
        for f in fields:
            assert f"| `{f.name}` |" in table
