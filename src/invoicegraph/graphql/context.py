"""`info.context` of a GraphQL request: who asks, on which platform, through which database.

Plain data: resolvers read it, nothing in it calls back into the endpoint. Loaders are made per
request (a loader binds the running event loop and caches rows: sharing them across requests
would mix event loops and, worse, tenants).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from invoicegraph.auth.principal import Principal
    from invoicegraph.db.loaders import Loaders
    from invoicegraph.db.request import RequestDatabase
    from invoicegraph.settings import Settings


@dataclass(slots=True)
class RequestContext:
    settings: Settings
    # The request's database: one server and one session; for a mutation, its unit of work
    # (db/request.py), which the endpoint opened and commits.
    database: RequestDatabase
    # None for an anonymous request (a refused credential never gets this far).
    principal: Principal | None
    loaders: Loaders
    request_id: str
    # The request's Idempotency-Key, for the audit record of the mutation it keys (the endpoint
    # claims and records the key itself).
    idempotency_key: str | None = None
    # Headers the response must carry (`Retry-After` of a retryable error).
    response_headers: dict[str, str] = field(default_factory=dict)
