"""What every REST route checks first: the credential, the API version, the permission; and its database."""

from __future__ import annotations

from starlette.requests import Request

from invoicegraph.auth.principal import Principal
from invoicegraph.db.engine import Database
from invoicegraph.db.request import RequestDatabase
from invoicegraph.db.routing import CONSISTENCY_HEADER, wants_primary
from invoicegraph.errors import MissingVersion, Unauthorised, UnsupportedVersion, UserNotAllowed, reflected
from invoicegraph.middleware.auth import RequestAuth

SUPPORTED_VERSION = "1"


def require(request: Request, *permissions: str) -> Principal:
    """The caller's principal, after the credential, version and permission checks every route makes.

    The credential comes first (REST routes without one answer UNAUTHORISED), so an anonymous caller
    learns nothing about the API, not even which versions it serves. With several `permissions`, any
    one of them grants.
    """
    auth: RequestAuth = request.scope["state"]["auth"]
    if auth.principal is None:
        raise Unauthorised("A credential is required: send X-API-KEY or Authorization: Bearer.")
    version = request.path_params.get("version", "")
    if version == "":
        raise MissingVersion("The API version is missing from the path: use /v1/….", field="version")
    if version != SUPPORTED_VERSION:
        raise UnsupportedVersion(f"API version {reflected(version)} is not supported; use 1.", field="version")
    return allow(auth.principal, *permissions)


def allow(principal: Principal, *permissions: str) -> Principal:
    """The principal, when it has one of `permissions` (or none are asked); else USER_NOT_ALLOWED."""
    if permissions and not any(principal.has(permission) for permission in permissions):
        raise UserNotAllowed(f"The credential lacks the {' or '.join(permissions)} permission.")
    return principal


def database_of(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def read_database(request: Request) -> RequestDatabase:
    """A GET's database: one read replica for the whole request, or the primary when asked (db/routing.py)."""
    return database_of(request).for_request(primary=wants_primary(request.headers.get(CONSISTENCY_HEADER)))
