"""The service's coded errors: the vendor's ApiError, shared by REST and GraphQL.

Every error a client may see is one of these. REST renders it as the vendor's `ApiError` body with
`http_status`; GraphQL puts the same fields into `errors[].extensions`. Anything else that escapes is
an unexpected error: it is masked as `INTERNAL_ERROR` and logged with the request id.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson

ErrorType = Literal["INVALID_REQUEST", "API_ERROR"]

# How much of a value the caller sent an error message shows back (reflected()).
REFLECTED_CHARACTERS = 100


def reflected(value: object) -> str:
    """A value the caller sent, as an error message shows it: JSON, and at most 100 characters of it.

    JSON because clients speak JSON (`null`, `{"x": 1}`), not Python (`None`, `{'x': 1}`), and because
    it escapes control characters, so a value cannot break a message or a log line. Shortened with an
    ellipsis, so a 6,000-character id is not sent back (twice) in full.
    """
    if isinstance(value, str):
        return orjson.dumps(_shortened(value)).decode()
    try:
        text = orjson.dumps(value).decode()
    except TypeError:  # not from a JSON body or a query string; never expected, still never repr()
        text = orjson.dumps(str(value)).decode()
    return _shortened(text)


def _shortened(text: str) -> str:
    return text if len(text) <= REFLECTED_CHARACTERS else text[:REFLECTED_CHARACTERS] + "…"


class ApiError(Exception):
    """An error with a vendor error code, safe to show to the caller."""

    code: str = "INTERNAL_ERROR"
    type: ErrorType = "API_ERROR"
    http_status: int = 500

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        resource_id: str | None = None,
        resource_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.resource_id = resource_id
        self.resource_type = resource_type
        self.headers = headers or {}

    def to_rest(self) -> dict[str, Any]:
        """The vendor's ApiError body."""
        return {
            "type": self.type,
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "resource_id": self.resource_id,
            "resource_type": self.resource_type,
        }

    def to_extensions(self) -> dict[str, Any]:
        """The same facts as GraphQL error extensions (camelCase keys)."""
        return {
            "code": self.code,
            "type": self.type,
            "field": self.field,
            "resourceId": self.resource_id,
            "resourceType": self.resource_type,
        }


class Unauthorised(ApiError):
    code = "UNAUTHORISED"
    type = "INVALID_REQUEST"
    http_status = 401


class UserNotAllowed(ApiError):
    code = "USER_NOT_ALLOWED"
    type = "INVALID_REQUEST"
    http_status = 403


class ResourceNotFound(ApiError):
    code = "RESOURCE_NOT_FOUND"
    type = "INVALID_REQUEST"
    http_status = 404


class MethodNotAllowed(ApiError):
    """A route asked with a method it does not answer (HTTP 405, with `Allow`)."""

    code = "INVALID_REQUEST"
    type = "INVALID_REQUEST"
    http_status = 405


class InvalidOperation(ApiError):
    code = "INVALID_OPERATION"
    type = "INVALID_REQUEST"
    http_status = 400


class InvalidField(ApiError):
    code = "INVALID_FIELD"
    type = "INVALID_REQUEST"
    http_status = 400


class MissingField(ApiError):
    code = "MISSING_FIELD"
    type = "INVALID_REQUEST"
    http_status = 400


class UnsupportedVersion(ApiError):
    code = "UNSUPPORTED_VERSION"
    type = "INVALID_REQUEST"
    http_status = 400


class MissingVersion(ApiError):
    code = "MISSING_VERSION"
    type = "INVALID_REQUEST"
    http_status = 400


class UnsupportedMediaType(ApiError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    type = "INVALID_REQUEST"
    http_status = 415


class IdempotencyCheckFailed(ApiError):
    code = "IDEMPOTENCY_CHECK_FAILED"
    type = "INVALID_REQUEST"
    http_status = 409


class LimitExceeded(ApiError):
    """A GraphQL limit (depth, aliases, tokens, page size…) was exceeded; the message names it."""

    code = "INVALID_REQUEST"
    type = "INVALID_REQUEST"
    http_status = 400


class InternalError(ApiError):
    code = "INTERNAL_ERROR"
    type = "API_ERROR"
    http_status = 500


class RetryableError(InternalError):
    """A transient failure (lock timeout, database unavailable): HTTP 503 with Retry-After."""

    http_status = 503

    def __init__(self, message: str = "The service is busy; retry shortly.", *, retry_after: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after

    def to_extensions(self) -> dict[str, Any]:
        # GraphQL answers HTTP 200 with the error in `errors[]`: the retry hint travels in extensions.
        return {**super().to_extensions(), "retryable": True, "retryAfter": self.retry_after}
