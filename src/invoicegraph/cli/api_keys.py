"""`invoicegraph api-keys`: create, list and revoke API keys."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from invoicegraph.cli.output import console, errors, print_rows
from invoicegraph.cli.resources import open_database

group = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@group.command("create")
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
        database = open_database()
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


@group.command("list")
def api_keys_list() -> None:
    """List API keys (prefix, platforms, permissions, status; never the key)."""
    from invoicegraph.services.api_keys import list_api_keys

    async def run() -> list[dict[str, object]]:
        database = open_database()
        try:
            return await list_api_keys(database)
        finally:
            await database.dispose()

    columns = ("id", "name", "prefix", "status", "platforms", "permissions", "expires_at", "last_used_at")
    print_rows(columns, asyncio.run(run()))


@group.command("revoke")
def api_keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (akey_…).")]) -> None:
    """Revoke an API key: it stops working at once."""
    from invoicegraph.services.api_keys import revoke_api_key

    async def run() -> bool:
        database = open_database()
        try:
            return await revoke_api_key(database, key_id)
        finally:
            await database.dispose()

    if not asyncio.run(run()):
        errors.print(f"[red]no API key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"revoked {key_id}")
