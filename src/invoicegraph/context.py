"""The per-request context handed to resolvers (GraphQL) and handlers (REST).

Plain data, no Strawberry: `info.context` is an instance of this class. Loaders are built per request
(aiodataloader binds the running event loop and caches rows: sharing them across requests would mix
event loops and, worse, tenants).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from invoicegraph.auth.principal import Principal
    from invoicegraph.db.engine import Database
    from invoicegraph.db.loaders import Loaders
    from invoicegraph.errors import ApiError
    from invoicegraph.services.idempotency import OperationIdempotency
    from invoicegraph.settings import Settings


@dataclass(slots=True)
class RequestContext:
    request: Request
    response: Response
    settings: Settings
    # The request's routed handle (`Database.for_request`): its reads, loaders included, all go to one
    # server, a replica or the primary; a mutation switches it to the primary before it runs.
    database: Database
    # None for an anonymous request or when the credential was refused (see `auth_error`).
    principal: Principal | None
    # Why there is no principal, when a credential was presented but refused, or the platform
    # could not be chosen. Data fields answer this error; `__typename` still works.
    auth_error: ApiError | None
    loaders: Loaders
    request_id: str
    extra: dict[str, Any] = field(default_factory=dict)
    # A mutation's Idempotency-Key (GraphQL only): set by the view's IdempotentReplay extension before
    # execution, used by the refresh mutation, read by the view to replay or store the response.
    idempotency: OperationIdempotency | None = None
