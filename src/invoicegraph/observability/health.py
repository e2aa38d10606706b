"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from invoicegraph.db.engine import Database
from invoicegraph.db.migrate import current_revision, head_revision


async def healthz(_request: Request) -> JSONResponse:
    """The process is up and serving."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the migrations' head."""
    database: Database = request.app.state.database
    timeout = request.app.state.settings.database_connect_timeout_seconds
    try:
        async with asyncio.timeout(timeout):
            async with database.read() as session:
                await session.execute(text("SELECT 1"))
            revision = await current_revision(database)
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    head = head_revision()
    if revision != head:
        return JSONResponse(
            {"status": "unavailable", "database": "migrations pending", "revision": revision, "head": head}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok", "revision": revision})
