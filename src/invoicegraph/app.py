"""The Starlette application factory: routes, middleware, lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlmodel import col
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.schema.config import StrawberryConfig

from invoicegraph.auth.middleware import AuthMiddleware
from invoicegraph.auth.tokens import TokenVerifier
from invoicegraph.db.engine import Database
from invoicegraph.db.tables import ApiKey
from invoicegraph.http.extensions import build_extensions
from invoicegraph.http.graphql_view import GraphQLView
from invoicegraph.http.health import healthz, readyz
from invoicegraph.http.limits import BodySizeLimitMiddleware
from invoicegraph.rest.routes import rest_routes
from invoicegraph.schema.build import build_schema, default_config
from invoicegraph.settings import Settings, get_settings

DEMO_KEY_PREFIX = "igk_demo_"


class InsecureDeployment(RuntimeError):
    """Production was asked to serve with development credentials."""


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    settings = settings or get_settings()
    database = database or Database(
        settings.database_url,
        pool_size=settings.database_pool_size,
        connect_timeout=settings.database_connect_timeout_seconds,
    )
    config: StrawberryConfig = default_config(disable_field_suggestions=settings.is_production)
    schema = build_schema(extensions=build_extensions(settings), config=config)
    graphql = GraphQLView(schema, settings=settings, database=database)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.is_production:
            await _refuse_demo_credentials(database)
        yield
        await database.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *rest_routes(),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Mount("/static", StaticFiles(packages=[("invoicegraph", "static")]), name="static"),
        ],
        middleware=[
            # Outermost first: every response, refusals included, carries X-REQUEST-ID.
            Middleware(AuthMiddleware, database=database, tokens=TokenVerifier(settings)),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.schema = schema
    return app


async def _refuse_demo_credentials(database: Database) -> None:
    async with database.read() as session:
        found = await session.scalar(
            select(col(ApiKey.id)).where(col(ApiKey.key_prefix).startswith(DEMO_KEY_PREFIX), col(ApiKey.status) == "ACTIVE")
        )
    if found is not None:
        raise InsecureDeployment(
            f"refusing to start in production: the demo API key {found} is active; revoke it with `invoicegraph api-keys revoke {found}`"
        )
