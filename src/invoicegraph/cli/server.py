"""The service itself: `serve`, `migrate`, `export-schema`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from invoicegraph.cli.output import console
from invoicegraph.cli.resources import checked_settings, migrate_database, require_database_file
from invoicegraph.settings import Settings


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each with its own connection pool).")] = 1,
    migrate: Annotated[bool, typer.Option(help="Apply pending migrations before serving.")] = False,
) -> None:
    """Serve the GraphQL API (and the REST routes) with uvicorn."""
    import uvicorn

    settings = checked_settings()
    _check_trusted_documents(settings)
    if migrate:
        migrate_database(settings.database_url)
    require_database_file(settings.database_url)
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


def migrate_command() -> None:
    """Apply the database migrations up to the latest revision."""
    filled = migrate_database(checked_settings().database_url)
    console.print("[green]database is at the latest revision[/green]")
    if filled:
        console.print(f"stored the REST body of {filled} invoice{'' if filled == 1 else 's'} in the shape it is served")


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
