"""The limit contestant of `make bench`: what the stack does when it does only what cannot be avoided.

A minimal Starlette app, served by the same uvicorn (uvloop, httptools) on the same database as the
service, answering the two reads the workloads compare against:

- `GET /v1/invoices/{id}`: the credential looked up by the key's hash (one statement, its platforms
  joined), the invoice row read (one statement), its stored document sent as the bytes the database
  holds;
- `GET /v1/invoices?limit=N`: the credential, the platform's newest N invoice rows (one statement) and
  their customers (one statement), the stored documents sent as they are.

It talks to the driver directly (aiosqlite or asyncpg, a small pool of kept connections), checks
nothing else (no versions, permissions beyond the platform, errors, logs or metrics) and builds no
objects it does not send. Every workload of the service is reported as a ratio to the limit of its kind
(bench/README.md). Never shipped: it lives in bench/ only.

Run by bench/run.py: `python bench/limit_app.py --database URL --host 127.0.0.1 --port N`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

POOL_SIZE = 4
KEY = "SELECT k.status, p.platform_id FROM api_key k LEFT JOIN api_key_platform p ON p.api_key_id = k.id WHERE k.key_hash = {0}"
INVOICE = "SELECT {1} FROM invoice WHERE platform_id = {0} AND id = {2}"
PAGE = "SELECT customer_id, {1} FROM invoice WHERE platform_id = {0} ORDER BY invoice_date DESC, id DESC LIMIT {2}"
CUSTOMERS = "SELECT {1} FROM customer WHERE platform_id = {0} AND id IN ({2})"


class Sqlite:
    """aiosqlite connections kept open, handed out one request at a time."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.free: asyncio.Queue[Any] = asyncio.Queue()

    async def open(self) -> None:
        import aiosqlite

        for _ in range(POOL_SIZE):
            self.free.put_nowait(await aiosqlite.connect(self.path))

    def sql(self, template: str, count: int = 1, column: str = "document") -> str:
        return template.format("?", column, ", ".join("?" * count) if count > 1 else "?")

    async def fetch(self, statement: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        connection = await self.free.get()
        try:
            async with connection.execute(statement, parameters) as cursor:
                return list(await cursor.fetchall())
        finally:
            self.free.put_nowait(connection)

    async def close(self) -> None:
        while not self.free.empty():
            await self.free.get_nowait().close()


class Postgres:
    """An asyncpg pool; documents read as text (the bytes the server holds, no decoding)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.pool: Any = None

    async def open(self) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(self.dsn, min_size=POOL_SIZE, max_size=POOL_SIZE)

    def sql(self, template: str, count: int = 1, column: str = "document") -> str:
        return template.format("$1", f"{column}::text", ", ".join(f"${i + 2}" for i in range(count)) if count > 1 else "$2")

    async def fetch(self, statement: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await self.pool.fetch(statement, *parameters)]

    async def close(self) -> None:
        await self.pool.close()


def _body(value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def build(database: Sqlite | Postgres) -> Starlette:
    async def healthz(_request: Request) -> Response:
        return Response(b"ok")

    async def platform_of(request: Request) -> str | None:
        digest = hashlib.sha256(request.headers.get("x-api-key", "").encode()).hexdigest()
        rows = await database.fetch(database.sql(KEY), (digest,))
        wanted = request.headers.get("x-platform-id")
        platforms = {row[1] for row in rows if row[0] == "ACTIVE" and row[1] is not None}
        return wanted if wanted in platforms else next(iter(platforms)) if len(platforms) == 1 else None

    async def invoice(request: Request) -> Response:
        platform = await platform_of(request)
        if platform is None:
            return Response(b'{"code":"UNAUTHORISED"}', status_code=401, media_type="application/json")
        rows = await database.fetch(database.sql(INVOICE), (platform, request.path_params["id"]))
        if not rows:
            return Response(b'{"code":"RESOURCE_NOT_FOUND"}', status_code=404, media_type="application/json")
        return Response(_body(rows[0][0]), media_type="application/json")

    async def invoices(request: Request) -> Response:
        platform = await platform_of(request)
        if platform is None:
            return Response(b'{"code":"UNAUTHORISED"}', status_code=401, media_type="application/json")
        limit = int(request.query_params.get("limit", "25"))
        rows = await database.fetch(database.sql(PAGE), (platform, limit))
        customer_ids = sorted({row[0] for row in rows if row[0] is not None})
        customers = (
            await database.fetch(database.sql(CUSTOMERS, len(customer_ids), "data"), (platform, *customer_ids)) if customer_ids else []
        )
        body = b'{"data":[' + b",".join(_body(row[1]) for row in rows) + b'],"customers":['
        return Response(body + b",".join(_body(row[0]) for row in customers) + b"]}", media_type="application/json")

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await database.open()
        yield
        await database.close()

    return Starlette(
        routes=[Route("/v1/invoices/{id}", invoice), Route("/v1/invoices", invoices), Route("/healthz", healthz)],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="the service's INVOICEGRAPH_DATABASE_URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    url: str = args.database
    if url.startswith("sqlite"):
        database: Sqlite | Postgres = Sqlite(url.split(":///", 1)[1])
    else:
        database = Postgres(url.replace("postgresql+asyncpg://", "postgresql://"))
    uvicorn.run(build(database), host=args.host, port=args.port, log_level="warning", loop="uvloop", http="httptools")


if __name__ == "__main__":
    main()
