"""All configuration, from environment variables prefixed `INVOICEGRAPH_` (pydantic-settings).

One class, one instance per process (`get_settings()`). Production refuses insecure values at
construction time, so a misconfigured deployment fails before it binds a port.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development defaults. Production refuses to start with any of them.
DEFAULT_JWT_SECRET = "invoicegraph-development-jwt-secret-not-for-production"  # noqa: S105  (published on purpose; refused in production)
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./invoicegraph.db"


class Settings(BaseSettings):
    """Service settings. Every field is `INVOICEGRAPH_<NAME>` in the environment."""

    model_config = SettingsConfigDict(env_prefix="INVOICEGRAPH_", extra="ignore", frozen=True)

    environment: Literal["development", "production"] = Field(
        "development", description="`production` turns off introspection, suggestions and GraphiQL and refuses insecure settings."
    )
    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL of the primary database (`sqlite+aiosqlite:///…` or `postgresql+asyncpg://…`).",
    )
    allow_sqlite_in_production: bool = Field(
        False, description="Allow the embedded SQLite database when `environment=production` (single-node deployments only)."
    )
    database_pool_size: int = Field(10, ge=1, description="Connections kept per process (PostgreSQL).")
    database_connect_timeout_seconds: float = Field(
        5.0, gt=0, description="How long to wait for a database connection before failing with a retryable error."
    )
    database_statement_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description=(
            "PostgreSQL `statement_timeout` of the serving processes: a longer statement is cancelled and its request answered "
            "with a retryable 503. Every round trip (BEGIN, COMMIT, a stalled server) is bounded by it plus the connect "
            "timeout, and each pooled connection is pinged within the connect timeout before use (docs/security.md)."
        ),
    )
    lock_timeout_seconds: float = Field(
        5.0, gt=0, description="How long a refresh waits for the invoice row lock before failing with a retryable error."
    )
    refresh_job_max_invoices: int = Field(
        10_000, ge=1, description="Most invoices one bulk refresh job (`refreshInvoices`, `POST /v1/invoices/refresh`) may take."
    )
    refresh_jobs_in_flight: int = Field(
        3, ge=1, description="Most bulk refresh jobs a platform may have queued or running at once; another is INVALID_OPERATION."
    )
    refresh_job_lease_seconds: float = Field(
        30.0,
        gt=0,
        description=(
            "How long a process's claim on a running refresh job holds without being renewed (it is renewed every batch of "
            "100 invoices); a job whose process died is taken over by another process once it lapses."
        ),
    )
    refresh_job_idle_seconds: float = Field(
        2.0, gt=0, description="How often an idle process looks for refresh jobs to work (every serving process works them)."
    )
    auto_refresh_check_seconds: float = Field(
        60.0,
        gt=0,
        description=(
            "How often the serving processes check which platforms with auto-refresh (the platform setting "
            "`auto_refresh_interval_minutes`) are due a refresh job for their stale drafts."
        ),
    )
    read_replica_urls: list[str] = Field(
        default_factory=list,
        description=(
            "SQLAlchemy async URLs of PostgreSQL read replicas (JSON list). Queries and REST GETs read from one of them; mutations, "
            "refreshes and `x-read-consistency: primary` requests use the primary (docs/scaling.md)."
        ),
    )
    replica_max_lag_seconds: float = Field(
        5.0, ge=0, description="A replica further behind the primary than this is skipped (reads go to another replica or the primary)."
    )
    replica_check_interval_seconds: float = Field(
        1.0, gt=0, description="How often each process measures a replica's lag; reads are at most max lag + this interval old."
    )
    replica_retry_seconds: float = Field(
        10.0, gt=0, description="How long a replica that failed to connect is skipped before it is tried again."
    )

    idempotency_retention_hours: int = Field(
        48,
        ge=24,
        description=(
            "How long an `Idempotency-Key`'s response is kept and replayed (at least 24 hours); older records are purged, "
            "and their keys are free again."
        ),
    )
    idempotency_max_records_per_credential: int = Field(
        10_000,
        ge=100,
        description=(
            "The most idempotency records one credential keeps per platform; the purge removes its oldest beyond that "
            "(their keys are free again), so a credential cannot fill the database with keys."
        ),
    )
    maintenance_interval_seconds: float = Field(
        300.0, gt=0, description="How often each process runs its maintenance jobs (the idempotency purge)."
    )
    allow_overpayment: bool = Field(
        False,
        description=(
            "Let `invoicegraph import` record payments that take an invoice's payments above its total (payment status "
            "OVERPAID). Off: such a file is refused."
        ),
    )

    jwt_secret: str = Field(DEFAULT_JWT_SECRET, description="HS256 shared secret for Bearer tokens. Production refuses the default.")
    jwt_jwks_file: str | None = Field(None, description="Path of a JWKS file with RS256/ES256 public keys for Bearer tokens.")
    jwt_jwks_url: str | None = Field(
        None,
        description=(
            "URL of a JWKS (your identity provider's `jwks_uri`) with RS256/ES256 public keys for Bearer tokens. Fetched on "
            "first use, cached, and fetched again when a token names an unknown `kid` (docs/browser.md)."
        ),
    )
    jwt_jwks_cache_seconds: int = Field(
        300, ge=1, description="How long keys fetched from `jwt_jwks_url` are used before the JWKS is fetched again."
    )
    jwt_jwks_refresh_cooldown_seconds: float = Field(
        30.0,
        ge=0,
        description="Least time between two fetches of `jwt_jwks_url` made because a token named an unknown `kid`.",
    )
    jwt_issuer: str | None = Field(None, description="Required `iss` claim, when set.")
    jwt_audience: str | None = Field(None, description="Required `aud` claim, when set.")
    jwt_leeway_seconds: int = Field(30, ge=0, description="Clock skew tolerated on `exp`/`nbf`/`iat`.")

    graphiql: bool | None = Field(
        None, description="Serve GraphiQL at `GET /graphql` from a browser. Default: on in development, off in production."
    )
    introspection: bool | None = Field(None, description="Allow introspection. Default: on in development, off in production.")
    max_depth: int = Field(12, ge=1, description="Maximum depth of a GraphQL operation.")
    max_aliases: int = Field(30, ge=1, description="Maximum number of aliases in a GraphQL document.")
    max_tokens: int = Field(3000, ge=1, description="Maximum number of tokens in a GraphQL document.")
    max_body_bytes: int = Field(65536, ge=1024, description="Maximum size of a request body in bytes.")
    max_page_size: int = Field(100, ge=1, description="Maximum `first` of a connection.")
    max_entities: int = Field(100, ge=1, description="Maximum representations in one `_entities` call.")
    max_complexity: int = Field(
        250_000,
        ge=1,
        description=(
            "Maximum fields an operation's response can hold: each field counts 1, times the `first` of its "
            "connection (the page size limit when a variable) or the number of `_entities` representations."
        ),
    )
    max_directives_per_field: int = Field(4, ge=1, description="Maximum directives on one field.")
    max_repeated_fields: int = Field(
        10, ge=1, description="Maximum times one response name (field or alias) may be selected directly in one selection set."
    )
    credential_cache_seconds: float = Field(
        5.0,
        ge=0,
        le=300,
        description=(
            "How long a serving process keeps an API key it verified before reading it again. A key revoked by another "
            "process is refused within this many seconds; 0 reads the key on every request."
        ),
    )
    cors_allow_origins: list[str] | None = Field(
        None,
        description=(
            "Origins allowed by CORS (JSON list; `http://localhost:*` allows any port). Default: in development the local "
            "dev servers (`http://localhost:*`, `http://127.0.0.1:*`), in production none. `[]`: no CORS headers (docs/browser.md)."
        ),
    )
    max_in_flight_per_credential: int = Field(
        32, ge=1, description="Requests one credential may have running at once in a process; one more is refused with 429."
    )
    max_in_flight_per_platform: int = Field(
        64, ge=1, description="Requests one platform (tenant) may have running at once in a process, all its credentials together."
    )
    rate_limit_per_credential: float = Field(
        50.0, gt=0, description="Requests per second one credential may send to a process (bursts of twice that); more: 429."
    )
    rate_limit_per_platform: float = Field(
        100.0, gt=0, description="Requests per second one platform may send to a process, all its credentials together (bursts of twice)."
    )
    cost_limit_per_platform: float = Field(
        100_000.0,
        gt=0,
        description=(
            "Complexity (fields an answer can hold, as INVOICEGRAPH_MAX_COMPLEXITY counts them) one platform's GraphQL operations "
            "may ask of a process per second; a full budget always admits one operation of the maximal complexity."
        ),
    )
    max_in_flight_cost_per_platform: int = Field(
        250_000,
        ge=1,
        description=(
            "Complexity one platform's GraphQL operations running at once in a process may add up to (any number of light "
            "ones, a few heavy ones; an operation alone always runs)."
        ),
    )
    auth_failures_per_minute: int = Field(
        30,
        ge=1,
        description=(
            "Refused credentials one client address may send to a process per minute; past that its credentials are refused with 429 "
            "before they are checked (except one accepted from that address in the last 10 minutes)."
        ),
    )
    request_timeout_seconds: float = Field(
        30.0, gt=0, description="A request still running after this long is answered with a retryable 503 and cancelled."
    )
    body_timeout_seconds: float = Field(
        10.0, gt=0, description="How long a request body may take to arrive, once the headers are in; slower: 408."
    )
    header_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description=(
            "How long `invoicegraph serve` waits for a request's headers (from the connection's start, or the request's "
            "first byte on a kept-alive connection) before it closes the connection."
        ),
    )
    forwarded_allow_ips: list[str] = Field(
        default_factory=list,
        description=(
            "Addresses of the proxies whose X-Forwarded-For names the client (`invoicegraph serve`). The limits on refused "
            "credentials count per client address: behind a proxy, list it here, or every client shares its address."
        ),
    )

    log_format: Literal["json", "console"] | None = Field(
        None, description="Log format. Default: console in development, json in production."
    )
    log_level: str = Field("INFO", description="Log level.")

    metrics_enabled: bool = Field(
        True, description="Serve Prometheus metrics at `GET /metrics` (no credential; restrict it at the network)."
    )
    tracing_enabled: bool = Field(
        False, description="Emit OpenTelemetry spans (operation, loader batches, SQL statements). Needs the `tracing` extra."
    )
    tracing_exporter: Literal["otlp", "console", "none"] = Field(
        "otlp", description="Where spans go: OTLP over HTTP, the console (development), or nowhere (context propagation only)."
    )
    otlp_endpoint: str | None = Field(
        None,
        description="OTLP/HTTP traces URL (e.g. `http://collector:4318/v1/traces`). Default: the standard `OTEL_EXPORTER_OTLP_*` variables.",
    )
    tracing_service_name: str = Field("invoicegraph", description="The `service.name` resource attribute of the spans.")
    tracing_sample_ratio: float = Field(
        1.0, ge=0, le=1, description="Share of new traces sampled (0–1); a sampled caller's `traceparent` is always followed."
    )

    persisted_queries: bool = Field(
        True,
        description=(
            "Accept Apollo automatic persisted queries (`extensions.persistedQuery.sha256Hash`): a client sends the hash, and the "
            "document once when the server answers PERSISTED_QUERY_NOT_FOUND. Kept per process in a bounded cache."
        ),
    )
    trusted_documents_file: str | None = Field(
        None,
        description=(
            "Path of a JSON file of trusted documents: GraphQL Code Generator's persisted-documents manifest (SHA-256 hex → "
            "document), or an Apollo persisted query manifest. Clients name them by `documentId` (`sha256:<hex>`) or by APQ hash. "
            "The service refuses to start if a hash does not match its document or is not SHA-256 (docs/frontend.md)."
        ),
    )
    trusted_documents_required: bool = Field(
        False,
        description=(
            "Serve only the trusted documents (production allow-list): any other document is refused with "
            "PERSISTED_QUERY_NOT_IN_LIST, and automatic persisted queries are off. Needs `trusted_documents_file`."
        ),
    )
    execution_plans: Literal["on", "off", "verify"] = Field(
        "on",
        description=(
            "Compiled completion plans for GraphQL results (docs/performance.md): `on`; `off` (graphql-core's "
            "executor only); `verify`, which also completes every planned result the standard way and fails the field "
            "when the two differ (an extra pass of the test suite runs in it; costs the time of both)."
        ),
    )

    event_retention_days: int = Field(
        30,
        ge=1,
        description=(
            "Days an event, its webhook deliveries and their attempts are kept once every delivery has finished (succeeded, "
            "or failed after its retries); a finished delivery can be re-sent until then (docs/events.md)."
        ),
    )
    event_poll_interval_seconds: float = Field(
        1.0,
        gt=0,
        description=(
            "How often each process looks for webhook deliveries that are due (retries, events it was not told about) and, "
            "on SQLite, for new events for its GraphQL subscriptions. PostgreSQL announces new events at once (LISTEN/NOTIFY)."
        ),
    )
    deliver_in_serve: bool = Field(
        True,
        description=(
            "Deliver webhooks from every `invoicegraph serve` process. Turn off when separate `invoicegraph deliver` "
            "processes do it; either way several processes share the work safely."
        ),
    )
    webhook_secret_keys: list[str] = Field(
        default_factory=list,
        description=(
            "Keys that encrypt the webhook signing secrets stored in the database (JSON list, each at least 32 characters): "
            "the first encrypts, every one decrypts (put a new key first to rotate). Empty: a published development key "
            "in development; production refuses to store a secret."
        ),
    )
    webhook_allow_http: bool | None = Field(
        None,
        description="Accept plain `http://` webhook URLs. Default: yes in development, no in production (docs/events.md).",
    )
    webhook_allow_private_networks: bool | None = Field(
        None,
        description=(
            "Accept webhook URLs whose host is, or resolves to, a loopback, private, link-local or other non-public address "
            "(the SSRF guard, checked when the endpoint is made and before every request). Default: yes in development, "
            "no in production."
        ),
    )
    webhook_timeout_seconds: float = Field(
        10.0, gt=0, description="A webhook request that has not answered 2xx within this time has failed (it is retried)."
    )
    webhook_retry_hours: float = Field(
        72.0,
        gt=0,
        description="How long a delivery is retried, from its event (or its resend), before it is marked failed.",
    )
    webhook_retry_base_seconds: float = Field(
        30.0,
        gt=0,
        description="Delay before the first retry; each later one doubles (at most 6 hours), with random jitter.",
    )
    webhook_concurrency_per_endpoint: int = Field(
        4, ge=1, description="Requests one process sends to one webhook endpoint at the same time (a slow receiver delays only itself)."
    )
    subscription_connections_per_credential: int = Field(
        10, ge=1, description="WebSocket connections one credential may hold open to one process."
    )
    subscriptions_per_credential: int = Field(
        25, ge=1, description="GraphQL subscriptions one credential may run at once on one process (over all its connections)."
    )
    subscription_recheck_seconds: float = Field(
        30.0,
        gt=0,
        description="How often an open WebSocket's credential is checked again: a revoked key or an expired token closes it.",
    )

    @field_validator("webhook_secret_keys")
    @classmethod
    def _strong_keys(cls, keys: list[str]) -> list[str]:
        if any(len(key) < 32 for key in keys):
            raise ValueError("every webhook secret key must have at least 32 characters")
        return keys

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.is_production) if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return (not self.is_production) if self.introspection is None else self.introspection

    @property
    def effective_log_format(self) -> str:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.is_production else "console"

    @property
    def idempotency_retention(self) -> timedelta:
        return timedelta(hours=self.idempotency_retention_hours)

    @property
    def webhook_http_allowed(self) -> bool:
        return (not self.is_production) if self.webhook_allow_http is None else self.webhook_allow_http

    @property
    def webhook_private_networks_allowed(self) -> bool:
        return (not self.is_production) if self.webhook_allow_private_networks is None else self.webhook_allow_private_networks

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Settings:
        if not self.is_production:
            return self
        problems: list[str] = []
        if self.jwt_secret == DEFAULT_JWT_SECRET or len(self.jwt_secret) < 32:
            problems.append("INVOICEGRAPH_JWT_SECRET must be set to a secret of at least 32 characters")
        if self.is_sqlite and not self.allow_sqlite_in_production:
            problems.append("INVOICEGRAPH_DATABASE_URL is SQLite; use PostgreSQL or set INVOICEGRAPH_ALLOW_SQLITE_IN_PRODUCTION=true")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
