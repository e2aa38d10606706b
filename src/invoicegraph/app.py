"""The Starlette application factory: routes, middleware, lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlmodel import col
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from invoicegraph.auth.credential_cache import CredentialCache
from invoicegraph.auth.keys import DEMO_KEY_PREFIX
from invoicegraph.auth.tokens import TokenVerifier
from invoicegraph.db.engine import Database, MissingDatabaseFile, sqlite_file
from invoicegraph.db.tables import ApiKey
from invoicegraph.graphql.endpoint import GraphQLEndpoint
from invoicegraph.graphql.subscriptions import Subscriptions
from invoicegraph.memory import tune_collector
from invoicegraph.middleware.auth import Authenticator, AuthMiddleware
from invoicegraph.middleware.body_limit import BodySizeLimitMiddleware
from invoicegraph.middleware.cors import cors_middleware
from invoicegraph.middleware.faults import DatabaseOutageMiddleware
from invoicegraph.middleware.limits import CallerLimits, CredentialFailureThrottle, RequestLimitsMiddleware
from invoicegraph.observability.events import EventsCollector
from invoicegraph.observability.health import healthz, readyz
from invoicegraph.observability.logging import configure_logging
from invoicegraph.observability.setup import instrument
from invoicegraph.rest.errors import route_error
from invoicegraph.rest.routes import rest_routes
from invoicegraph.schema.build import build_schema
from invoicegraph.services.events.background import EventWork, event_feed
from invoicegraph.services.maintenance import Maintenance, periodic_jobs
from invoicegraph.services.refresh_jobs.runner import RefreshJobRunner, runner_settings
from invoicegraph.settings import Settings, get_settings


class InsecureDeployment(RuntimeError):
    """Production was asked to serve with development credentials."""


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    settings = settings or get_settings()
    database = database or Database.from_settings(settings)
    configure_logging(settings)
    observability = instrument(settings, database)
    schema = build_schema(execution_plans=settings.execution_plans)
    limits = CallerLimits(settings)
    graphql = GraphQLEndpoint(schema, settings=settings, database=database, limits=limits)
    tokens = TokenVerifier(settings)
    feed = event_feed(database, settings)
    # A WebSocket's checks read its key every time (no credential cache): a socket is opened rarely and
    # lives long, and its periodic re-check is what closes a revoked key's sockets.
    socket_authenticator = Authenticator(database, tokens, keys=CredentialCache(0))
    subscriptions = Subscriptions(schema, graphql, settings=settings, database=database, authenticator=socket_authenticator, feed=feed)
    running: list[EventWork] = []
    metrics = observability.telemetry.metrics
    if metrics is not None:
        metrics.registry.register(EventsCollector(subscriptions, lambda: running[0].deliverer if running else None))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        path = sqlite_file(settings.database_url)
        if path is not None and not path.exists():
            raise MissingDatabaseFile(path)  # `invoicegraph serve` says so in one line before it gets here
        if settings.is_production:
            await _refuse_demo_credentials(database)
        tune_collector()
        maintenance = Maintenance(database, periodic_jobs(settings, idle=lambda: not limits.in_flight))
        maintenance.start()
        # Bulk refresh jobs are worked by every serving process (services/refresh_jobs/runner.py).
        jobs = RefreshJobRunner(database, runner_settings(settings), idle_seconds=settings.refresh_job_idle_seconds)
        jobs.start()
        # Webhook delivery and the event feed run in every serve process (docs/events.md).
        events = EventWork(database, settings, deliver=settings.deliver_in_serve, feed=feed)
        events.start()
        running.append(events)
        try:
            yield
        finally:
            await jobs.stop()
            await events.stop()
            running.clear()
            await maintenance.stop()
            observability.shutdown()
            await database.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            # Subscriptions: the same path over WebSocket (graphql-transport-ws).
            WebSocketRoute("/graphql", subscriptions),
            *rest_routes(),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Mount("/static", StaticFiles(packages=[("invoicegraph", "static")]), name="static"),
            *observability.routes,
        ],
        middleware=[
            # The access log wraps everything: its line covers every answer, CORS preflights included.
            observability.middleware,
            # CORS answers preflights before anything below (no middleware when the allow-list is empty).
            *cors_middleware(settings),
            # A database outage anywhere below (credential lookup included) answers a retryable 503.
            Middleware(DatabaseOutageMiddleware),
            # Refused credentials are counted per client address, and an address past its budget is refused
            # before its credential is looked up (middleware/limits.py).
            Middleware(CredentialFailureThrottle, limits=limits),
            # Every response, refusals included, carries X-REQUEST-ID.
            Middleware(
                AuthMiddleware,
                database=database,
                tokens=tokens,
                refuse_demo_keys=settings.is_production,
                credential_cache_seconds=settings.credential_cache_seconds,
            ),
            # Per credential and platform: requests in flight and their rate; every request's deadline.
            Middleware(RequestLimitsMiddleware, limits=limits, deadline=settings.request_timeout_seconds),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout_seconds),
        ],
        # Unknown routes and wrong methods answer the same coded JSON as every other refusal.
        exception_handlers={404: route_error, 405: route_error},
        lifespan=lifespan,
    )
    # A path with a trailing slash is not another spelling of a route: Starlette would answer 307 with a
    # Location built from the client's Host header, and the client would send its X-API-KEY again to
    # wherever that points. It gets the same coded 404 as any path no route answers.
    app.router.redirect_slashes = False
    app.state.settings = settings
    app.state.database = database
    app.state.schema = schema
    app.state.observability = observability
    app.state.limits = limits
    app.state.subscriptions = subscriptions
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
