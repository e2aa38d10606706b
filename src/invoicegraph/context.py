"""The per-request context handed to resolvers (GraphQL) and handlers (REST).

Plain data, no Strawberry: `info.context` is an instance of this class. Loaders are built per request
(aiodataloader binds the running event loop and caches rows: sharing them across requests would mix
event loops and, worse, tenants).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphql import ExecutionResult as GraphQLExecutionResult
    from starlette.requests import Request
    from starlette.responses import Response

    from invoicegraph.auth.principal import Principal
    from invoicegraph.db.engine import Database
    from invoicegraph.db.loaders import Loaders
    from invoicegraph.errors import ApiError
    from invoicegraph.execution.context import PlannedExecutionContext
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
    # A mutation's Idempotency-Key (GraphQL only): set by the view's IdempotentReplay extension before
    # execution, used by the refresh mutation, read by the view to replay or store the response.
    idempotency: OperationIdempotency | None = None
    # A result that direct execution (execution/direct.py) produced with errors: the operation ran,
    # and Strawberry's pipeline reports it as its own result instead of executing it again.
    premade_result: GraphQLExecutionResult | None = None
    # Direct execution ran for this context: the view's own run (verify mode's comparison) does not repeat it.
    executed_directly: bool = False
    # The executor running this request's operation (a weak reference: no cycle), for a mutation that
    # completes its answer inside its own transaction (execution/precompletion.py).
    executor: weakref.ref[PlannedExecutionContext] | None = None
    # Root values completed that way, by response key: (the resolved value, its completed answer).
    precompleted: dict[str, tuple[object, object]] = field(default_factory=dict)
