"""`ErrorCode`: every `errors[].extensions.code` a GraphQL answer of this service can carry.

It is in the schema so that clients (and their generated types) can switch on a code exhaustively,
and so that the list lives beside the schema it belongs to; `Query.errorCodes` returns its values
(a field that uses it also keeps federation composition from reporting an unused enum). A test holds it to the
errors the service defines (invoicegraph/errors.py, graphql/persisted.py); docs/frontend.md lists them.
"""

from __future__ import annotations

from enum import Enum

import strawberry

# Codes of the vendor's ApiError that only the REST routes answer (a URL's version).
REST_ONLY_CODES = frozenset({"MISSING_VERSION", "UNSUPPORTED_VERSION"})


@strawberry.enum(
    description=(
        "The codes of `errors[].extensions.code`. Every GraphQL error of this service carries one (with\n"
        "`type`, and `field`, `resourceId`, `resourceType` where they apply); errors refused before\n"
        "GraphQL runs (a bad key, a missing x-platform-id) carry the same codes. New codes may be added:\n"
        "treat an unknown one like INTERNAL_ERROR."
    )
)
class ErrorCode(Enum):
    UNAUTHORISED = strawberry.enum_value(
        "UNAUTHORISED",
        description="The credential is missing, unknown, inactive, expired or badly signed, or two were sent (HTTP 401 before GraphQL).",
    )
    USER_NOT_ALLOWED = strawberry.enum_value(
        "USER_NOT_ALLOWED",
        description="The caller lacks the field's permission, or may not act on the platform named by x-platform-id (HTTP 403 before GraphQL).",
    )
    MISSING_FIELD = strawberry.enum_value(
        "MISSING_FIELD",
        description="A required input is missing; `field` names it (a variable, or x-platform-id for a credential of several platforms).",
    )
    INVALID_FIELD = strawberry.enum_value(
        "INVALID_FIELD",
        description="An input is malformed or out of range (a variable, `first`, a cursor, a hash); `field` names it.",
    )
    RESOURCE_NOT_FOUND = strawberry.enum_value(
        "RESOURCE_NOT_FOUND", description="No record with this id on the caller's platform (another platform's id gives the same answer)."
    )
    INVALID_OPERATION = strawberry.enum_value(
        "INVALID_OPERATION", description="The operation does not apply to the record as it is, e.g. a refresh of a FINAL invoice."
    )
    INVALID_REQUEST = strawberry.enum_value(
        "INVALID_REQUEST",
        description="The request cannot run as sent: it does not parse or validate, exceeds a limit (depth, aliases, complexity…), or uses a wrong method.",
    )
    UNSUPPORTED_MEDIA_TYPE = strawberry.enum_value(
        "UNSUPPORTED_MEDIA_TYPE", description="A POST whose body is not application/json (HTTP 415)."
    )
    TOO_MANY_REQUESTS = strawberry.enum_value(
        "TOO_MANY_REQUESTS",
        description=(
            "The credential or platform has too many requests in flight, sends too fast, or spent its cost budget "
            "(HTTP 429 with Retry-After; docs/security.md)."
        ),
    )
    IDEMPOTENCY_CHECK_FAILED = strawberry.enum_value(
        "IDEMPOTENCY_CHECK_FAILED", description="The Idempotency-Key was used with another request, or its first request is still running."
    )
    PERSISTED_QUERY_NOT_FOUND = strawberry.enum_value(
        "PERSISTED_QUERY_NOT_FOUND", description="A persisted query's hash is not known here: send the document with the hash once."
    )
    PERSISTED_QUERY_NOT_SUPPORTED = strawberry.enum_value(
        "PERSISTED_QUERY_NOT_SUPPORTED", description="Automatic persisted queries are off on this server: send the document."
    )
    PERSISTED_QUERY_NOT_IN_LIST = strawberry.enum_value(
        "PERSISTED_QUERY_NOT_IN_LIST", description="The server runs only its trusted documents, and this is not one of them."
    )
    INTERNAL_ERROR = strawberry.enum_value(
        "INTERNAL_ERROR",
        description="An unexpected failure (the message is generic; the request id finds it in the log), or a retryable one: then `retryable` and `retryAfter` are set.",
    )
