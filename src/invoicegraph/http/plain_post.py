"""The plain GraphQL POST: the request shape a known operation can be answered from without Strawberry's view.

Strawberry's HTTP view handles GET and POST, JSON, multipart and form bodies, batches, streaming
transports chosen by Accept, the IDE page, and checks each of them. Most requests are none of that: a
POST of `application/json` whose body is one object with `query`, `variables`, `operationName` and
`extensions`, from a client that accepts JSON. `plain_request` recognises exactly that shape (and
nothing looser: anything else returns None and goes through the view, which answers or refuses it
as always), so that a known operation (execution/direct.py) can be answered in a few steps.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from strawberry.http import GraphQLRequestData

_FIELDS = frozenset({"query", "variables", "operationName", "extensions"})
# Media ranges in Accept that leave the answer plain JSON (or graphql-response+json) and not a stream.
_PLAIN_ACCEPT = frozenset({"*/*", "application/*", "application/json", "application/graphql-response+json"})


async def plain_request(request: Request) -> GraphQLRequestData | None:
    """The request's GraphQL parameters when it is a plain JSON POST, else None."""
    if request.method != "POST":
        return None
    headers = request.headers
    content_type = headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != "application/json" or not _plain_accept(headers.get("accept")):
        return None
    try:
        body: Any = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict) or not body.keys() <= _FIELDS:
        return None
    query, variables = body.get("query"), body.get("variables")
    operation_name, extensions = body.get("operationName"), body.get("extensions")
    if not (
        (query is None or isinstance(query, str))
        and (variables is None or isinstance(variables, dict))
        and (operation_name is None or isinstance(operation_name, str))
        and (extensions is None or isinstance(extensions, dict))
    ):
        return None
    return GraphQLRequestData(query=query, variables=variables, operation_name=operation_name, extensions=extensions, protocol="http")


def _plain_accept(accept: str | None) -> bool:
    if not accept:
        return True
    for part in accept.split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media and media not in _PLAIN_ACCEPT:
            return False
    return True
