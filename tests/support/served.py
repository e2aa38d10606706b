"""A real uvicorn server for an app, in the test's own event loop, on a free loopback port.

For what an in-process transport cannot do (WebSockets) while keeping the app's objects reachable
from the test (a subscription count to wait on). The app's lifespan runs, as under `invoicegraph serve`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """`host:port` of a running server for `app` until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_level="warning", ws="websockets-sansio"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # it failed to start: say why
            raise AssertionError("the server stopped before it started")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
