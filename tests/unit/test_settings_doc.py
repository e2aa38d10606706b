"""docs/configuration.md is generated from the Settings class and must match it."""

from __future__ import annotations

from pathlib import Path

from invoicegraph.settings import Settings
from invoicegraph.settings_doc import readme_with_table, render

ROOT = Path(__file__).parent.parent.parent
DOC = ROOT / "docs" / "configuration.md"
README = ROOT / "README.md"


def test_configuration_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/configuration.md is out of date: run `python -m invoicegraph.settings_doc > docs/configuration.md`"
    )


def test_every_setting_is_documented_with_a_description() -> None:
    table = render()
    for name, field in Settings.model_fields.items():
        assert f"`INVOICEGRAPH_{name.upper()}`" in table
        assert field.description, f"Settings.{name} needs a Field description"


def test_readme_carries_the_same_table() -> None:
    readme = README.read_text(encoding="utf-8")
    assert readme == readme_with_table(readme), "the README's settings table is out of date: run `make docs`"
