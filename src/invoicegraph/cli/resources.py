"""What the commands run against: the settings (a bad one is refused cleanly) and the database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError

from invoicegraph.cli.output import errors
from invoicegraph.settings import Settings, get_settings

if TYPE_CHECKING:
    from invoicegraph.db.engine import Database


def checked_settings() -> Settings:
    """The settings, or a clean refusal naming each bad setting (no traceback for a configuration error)."""
    try:
        return get_settings()
    except ValidationError as error:
        errors.print("[red]invalid settings[/red] (INVOICEGRAPH_* environment variables or .env):")
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"]) or "settings"
            errors.print(f"  {name}: {problem['msg']}", markup=False, highlight=False)
        raise typer.Exit(2) from None


def migrate_database(url: str) -> int:
    """Migrate to the latest revision, then fill the invoices' served forms still missing; how many were."""
    from invoicegraph.db.migrate import fill_served_forms, upgrade

    upgrade(url)
    return fill_served_forms(url)


def require_database_file(url: str) -> None:
    """One clear line and exit 2 when the SQLite file to use does not exist (only `migrate` and `demo` create one)."""
    from invoicegraph.db.engine import MissingDatabaseFile, sqlite_file

    path = sqlite_file(url)
    if path is not None and not path.exists():
        errors.print(str(MissingDatabaseFile(path)), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2)


def open_database() -> Database:
    """The database of a command that uses an existing one (import, api-keys): never created here."""
    from invoicegraph.db.engine import Database

    settings = checked_settings()
    require_database_file(settings.database_url)
    return Database(settings.database_url, pool_size=2, connect_timeout=settings.database_connect_timeout_seconds, create_missing=False)
