"""The CLI tests' temporary SQLite database (named by INVOICEGRAPH_DATABASE_URL; not created here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from invoicegraph.settings import get_settings


@pytest.fixture
def database_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("INVOICEGRAPH_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    get_settings.cache_clear()
    yield path  # type: ignore[misc]
    get_settings.cache_clear()
