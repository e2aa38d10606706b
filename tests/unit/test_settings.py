"""Settings come from INVOICEGRAPH_ variables; production refuses insecure values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from invoicegraph.settings import DEFAULT_JWT_SECRET, Settings

STRONG_SECRET = "x" * 40
POSTGRES = "postgresql+asyncpg://u@127.0.0.1:5432/db"


def test_reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVOICEGRAPH_DATABASE_URL", POSTGRES)
    monkeypatch.setenv("INVOICEGRAPH_MAX_DEPTH", "7")
    monkeypatch.setenv("INVOICEGRAPH_CORS_ALLOW_ORIGINS", '["https://app.example"]')
    settings = Settings()
    assert settings.database_url == POSTGRES
    assert settings.max_depth == 7
    assert settings.cors_allow_origins == ["https://app.example"]


def test_development_defaults_turn_ide_and_introspection_on() -> None:
    settings = Settings(environment="development")
    assert settings.graphiql_enabled
    assert settings.introspection_enabled
    assert settings.effective_log_format == "console"


def test_production_defaults_turn_ide_and_introspection_off() -> None:
    settings = Settings(environment="production", jwt_secret=STRONG_SECRET, database_url=POSTGRES)
    assert not settings.graphiql_enabled
    assert not settings.introspection_enabled
    assert settings.effective_log_format == "json"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"jwt_secret": DEFAULT_JWT_SECRET, "database_url": POSTGRES}, "INVOICEGRAPH_JWT_SECRET"),
        ({"jwt_secret": "short", "database_url": POSTGRES}, "INVOICEGRAPH_JWT_SECRET"),
        ({"jwt_secret": STRONG_SECRET, "database_url": "sqlite+aiosqlite:///x.db"}, "SQLite"),
    ],
)
def test_production_refuses_insecure_values(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(environment="production", **overrides)  # type: ignore[arg-type]


def test_production_may_use_sqlite_when_explicitly_allowed() -> None:
    settings = Settings(
        environment="production", jwt_secret=STRONG_SECRET, database_url="sqlite+aiosqlite:///x.db", allow_sqlite_in_production=True
    )
    assert settings.is_sqlite


def test_idempotency_records_are_kept_at_least_a_day(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().idempotency_retention_hours == 48
    monkeypatch.setenv("INVOICEGRAPH_IDEMPOTENCY_RETENTION_HOURS", "23")
    with pytest.raises(ValidationError, match="idempotency_retention_hours"):
        Settings()
