"""docs/configuration.md is generated from the Settings class and must match it."""

from __future__ import annotations

from pathlib import Path

from invoicegraph.settings import Settings
from invoicegraph.settings_doc import render

ROOT = Path(__file__).parent.parent.parent
DOC = ROOT / "docs" / "configuration.md"
README = ROOT / "README.md"


def test_configuration_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/configuration.md is out of date: run `make docs` (python -m invoicegraph.settings_doc > docs/configuration.md)"
    )


def test_every_setting_is_documented_with_a_description() -> None:
    table = render()
    for name, field in Settings.model_fields.items():
        assert f"`INVOICEGRAPH_{name.upper()}`" in table
        assert field.description, f"Settings.{name} needs a Field description"


def test_the_readme_links_the_settings_instead_of_copying_them() -> None:
    # One list of settings, generated: a second copy in the README would be one more place to go stale.
    readme = README.read_text(encoding="utf-8")
    assert "(docs/configuration.md)" in readme
    assert not any(f"INVOICEGRAPH_{name.upper()}`" in readme for name in Settings.model_fields)
