"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from invoicegraph.db.engine import Database
from invoicegraph.db.migrate import current_revision, head_revision

# Checks that outlived their probe's answer: kept referenced until they end (each round trip of theirs is
# bounded, db/bounds.py), so that the event loop does not drop them half-way.
_lingering: set[asyncio.Task[str | None]] = set()


async def healthz(_request: Request) -> JSONResponse:
    """The process is up and serving."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the migrations' head.

    Answers within the connect timeout whatever the database does: a stalled server fails the probe then,
    and the check's own clean-up (closing what it opened) goes on after the answer instead of before it.
    """
    database: Database = request.app.state.database
    timeout = request.app.state.settings.database_connect_timeout_seconds
    check = asyncio.ensure_future(_revision(database))
    done, _ = await asyncio.wait({check}, timeout=timeout)
    if not done:
        _lingering.add(check)
        check.add_done_callback(_forget)
        return _unavailable("unreachable")
    if check.exception() is not None:
        return _unavailable("unreachable")
    revision, head = check.result(), head_revision()
    if revision != head:
        return JSONResponse(
            {"status": "unavailable", "database": "migrations pending", "revision": revision, "head": head}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok", "revision": revision})


async def _revision(database: Database) -> str | None:
    async with database.read() as session:
        await session.execute(text("SELECT 1"))
    return await current_revision(database)


def _forget(task: asyncio.Task[str | None]) -> None:
    _lingering.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: a failed late check is not an "exception never retrieved" warning


def _unavailable(reason: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "database": reason}, status_code=503)
