"""The `invoicegraph` command."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO, cast

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import DownloadColumn, Progress, SpinnerColumn, TextColumn, TransferSpeedColumn
from rich.table import Table

from invoicegraph.settings import Settings, get_settings

if TYPE_CHECKING:
    from invoicegraph.db.engine import Database

app = typer.Typer(
    name="invoicegraph",
    help="GraphQL API server for the invoices of a usage-based billing platform.",
    no_args_is_help=True,
    add_completion=False,
)
api_keys = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(api_keys, name="api-keys")
console = Console()
errors = Console(stderr=True)


def _settings() -> Settings:
    """The settings, or a clean refusal naming each bad setting (no traceback for a configuration error)."""
    try:
        return get_settings()
    except ValidationError as error:
        errors.print("[red]invalid settings[/red] (INVOICEGRAPH_* environment variables or .env):")
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"]) or "settings"
            errors.print(f"  {name}: {problem['msg']}", markup=False, highlight=False)
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each with its own connection pool).")] = 1,
    migrate: Annotated[bool, typer.Option(help="Apply pending migrations before serving.")] = False,
) -> None:
    """Serve the GraphQL API (and the REST routes) with uvicorn."""
    import uvicorn

    settings = _settings()
    _check_trusted_documents(settings)
    if migrate:
        _migrate(settings.database_url)
    _require_database_file(settings.database_url)
    from invoicegraph.serving import uvicorn_options

    uvicorn.run("invoicegraph.app:create_app", factory=True, host=host, port=port, workers=workers, **uvicorn_options(settings))


def _check_trusted_documents(settings: Settings) -> None:
    """A trusted documents file the service cannot use stops `serve` with one line, before uvicorn starts."""
    from invoicegraph.graphql.persisted import PersistedQueries, TrustedDocumentsError

    try:
        PersistedQueries.from_settings(settings)
    except TrustedDocumentsError as error:
        sys.stderr.write(f"invoicegraph: {error}\n")  # one line, never wrapped: logs and terminals alike
        raise typer.Exit(2) from None


@app.command("migrate")
def migrate_command() -> None:
    """Apply the database migrations up to the latest revision."""
    _migrate(_settings().database_url)
    console.print("[green]database is at the latest revision[/green]")


def _migrate(url: str) -> None:
    from invoicegraph.db.migrate import upgrade

    upgrade(url)


@app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True, help="Import files (invoicegraph/v1 JSON).")],
    progress: Annotated[bool, typer.Option(help="Show a progress bar (on a terminal).")] = True,
) -> None:
    """Import billing data files, each in one transaction (all or nothing)."""
    from invoicegraph.services.importing import import_files

    allow_overpayment = _settings().allow_overpayment

    async def run() -> int:
        database = _database()
        try:
            report = await import_files(
                database, list(files), progress=progress and sys.stdout.isatty(), allow_overpayment=allow_overpayment
            )
        finally:
            await database.dispose()
        if report.ok:
            console.print(report.summary(), markup=False, highlight=False)
            return 0
        # Problems go to stderr, one per line with its JSON path; nothing of a failed file was written.
        errors.print(report.summary(), markup=False, highlight=False)
        return 1

    raise typer.Exit(asyncio.run(run()))


@app.command()
def demo() -> None:
    """Load the demo data set (two platforms, customers, plans, usage, invoices)."""
    from invoicegraph.demo import DEMO_API_KEY, load_demo

    async def run() -> bool:
        database = _database()
        try:
            report = await load_demo(database)
        finally:
            await database.dispose()
        (console if report.ok else errors).print(report.summary(), markup=False, highlight=False)
        return report.ok

    _migrate(_settings().database_url)
    if not asyncio.run(run()):
        raise typer.Exit(1)
    console.print(f"demo API key: {DEMO_API_KEY}", markup=False, highlight=False)


@app.command()
def generate(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write ('-' for stdout).")] = Path("-"),
    platforms: Annotated[int, typer.Option(min=1, help="Platforms (tenants); customers and invoices are spread over them.")] = 1,
    customers: Annotated[int, typer.Option(min=1, help="Customers in all.")] = 100,
    invoices: Annotated[int, typer.Option(min=0, help="Invoices in all (FINAL and DRAFT, computed on import).")] = 1000,
    events_per_invoice: Annotated[int, typer.Option(min=0, help="Usage events per invoice.")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same file.")] = 1,
) -> None:
    """Write a synthetic import file of any size (streamed, deterministic for a seed)."""
    from invoicegraph.demo.generate import generate as write

    options = {"platforms": platforms, "customers": customers, "invoices": invoices, "events_per_invoice": events_per_invoice, "seed": seed}
    if str(output) == "-":
        write(sys.stdout, **options)
        return
    with output.open("w", encoding="utf-8") as handle, _byte_progress(f"writing {output}", enabled=sys.stderr.isatty()) as advance:
        write(cast(TextIO, _CountingWriter(handle, advance)), **options)
    errors.print(f"wrote {output} ({output.stat().st_size:,} bytes)")


class _CountingWriter(io.TextIOBase):
    """A text stream that reports how much was written (for the progress bar)."""

    def __init__(self, target: TextIO, advance: Callable[[int], None]) -> None:
        self._target = target
        self._advance = advance

    def write(self, text: str) -> int:
        self._advance(len(text))
        return self._target.write(text)


@contextmanager
def _byte_progress(label: str, *, enabled: bool) -> Iterator[Callable[[int], None]]:
    if not enabled:
        yield lambda _: None
        return
    with Progress(SpinnerColumn(), TextColumn(label), DownloadColumn(), TransferSpeedColumn(), console=errors, transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda size: progress.advance(task, size)


@app.command("export-schema")
def export_schema(
    client: Annotated[
        bool,
        typer.Option(
            "--client", help="Print the client-facing SDL instead: no federation directives, fields or types (clients/schema.graphql)."
        ),
    ] = False,
) -> None:
    """Print the GraphQL schema (SDL) of this subgraph."""
    from invoicegraph.library_internals import graphql_core_schema
    from invoicegraph.schema.build import build_schema
    from invoicegraph.schema.client_sdl import client_sdl

    schema = build_schema()
    sys.stdout.write(client_sdl(graphql_core_schema(schema)) if client else schema.as_str() + "\n")


@api_keys.command("create")
def api_keys_create(
    name: Annotated[str, typer.Option(help="A name people recognise the key by.")],
    platform: Annotated[list[str], typer.Option("--platform", "-p", help="Platform id the key may act on (repeat for several).")],
    permission: Annotated[
        list[str],
        typer.Option(
            "--permission",
            help="Permission or role (INVOICE.VIEW, INVOICE.REFRESH, INVOICE.PREVIEW, INVOICE.LINE.EDIT, READ_ONLY, ADMINISTRATOR).",
        ),
    ] = ["READ_ONLY"],  # noqa: B006  (Typer reads the default; it is never mutated)
    expires_in_days: Annotated[int | None, typer.Option(min=1, help="Expire the key after this many days.")] = None,
) -> None:
    """Create an API key. The key is printed once and never stored."""
    from invoicegraph.services.api_keys import UnknownPlatform, create_api_key

    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None

    async def run() -> tuple[str, str]:
        database = _database()
        try:
            return await create_api_key(database, name=name, platforms=platform, permissions=permission, expires_at=expires_at)
        finally:
            await database.dispose()

    try:
        key_id, key = asyncio.run(run())
    except (UnknownPlatform, ValueError) as problem:
        errors.print(f"[red]{problem}[/red]")
        raise typer.Exit(1) from problem
    console.print(f"id:  {key_id}", markup=False, highlight=False)
    console.print(f"key: {key}", markup=False, highlight=False)
    errors.print("Store the key now: it is shown only once.")


@api_keys.command("list")
def api_keys_list() -> None:
    """List API keys (prefix, platforms, permissions, status; never the key)."""
    from invoicegraph.services.api_keys import list_api_keys

    async def run() -> list[dict[str, object]]:
        database = _database()
        try:
            return await list_api_keys(database)
        finally:
            await database.dispose()

    columns = ("id", "name", "prefix", "status", "platforms", "permissions", "expires_at", "last_used_at")
    rows = [[str(key[column] or "") for column in columns] for key in asyncio.run(run())]
    if not sys.stdout.isatty():
        # Piped: tab-separated lines with a header, for scripts (a table would truncate).
        sys.stdout.write("\n".join("\t".join(row) for row in [list(columns), *rows]) + "\n")
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@api_keys.command("revoke")
def api_keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (akey_…).")]) -> None:
    """Revoke an API key: it stops working at once."""
    from invoicegraph.services.api_keys import revoke_api_key

    async def run() -> bool:
        database = _database()
        try:
            return await revoke_api_key(database, key_id)
        finally:
            await database.dispose()

    if not asyncio.run(run()):
        errors.print(f"[red]no API key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"revoked {key_id}")


def _require_database_file(url: str) -> None:
    """One clear line and exit 2 when the SQLite file to use does not exist (only `migrate` and `demo` create one)."""
    from invoicegraph.db.engine import MissingDatabaseFile, sqlite_file

    path = sqlite_file(url)
    if path is not None and not path.exists():
        errors.print(str(MissingDatabaseFile(path)), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2)


def _database() -> Database:
    """The database of a command that uses an existing one (import, api-keys): never created here."""
    from invoicegraph.db.engine import Database

    settings = _settings()
    _require_database_file(settings.database_url)
    return Database(settings.database_url, pool_size=2, connect_timeout=settings.database_connect_timeout_seconds, create_missing=False)
