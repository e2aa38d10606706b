"""The vendor-compatible REST routes (`/v{version}/invoices/…`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from invoicegraph.auth.middleware import RequestAuth
from invoicegraph.auth.permissions import INVOICE_VIEW
from invoicegraph.auth.principal import Principal
from invoicegraph.db.engine import Database
from invoicegraph.db.loaders import Loaders
from invoicegraph.db.routing import CONSISTENCY_HEADER, wants_primary
from invoicegraph.errors import ApiError, MissingVersion, ResourceNotFound, Unauthorised, UnsupportedVersion, UserNotAllowed, reflected
from invoicegraph.rest.errors import error_response
from invoicegraph.rest.json import JSONBody
from invoicegraph.rest.list import list_invoices
from invoicegraph.rest.refresh import refresh_invoice
from invoicegraph.rest.vendor import vendor_invoice
from invoicegraph.services.refresh.types import checked_id_length

SUPPORTED_VERSION = "1"


def require(request: Request, permission: str | None = None) -> Principal:
    """The caller's principal, after the credential, version and permission checks every route makes.

    The credential comes first (api.md: REST routes without one answer UNAUTHORISED), so an anonymous
    caller learns nothing about the API, not even which versions it serves.
    """
    auth: RequestAuth = request.scope["state"]["auth"]
    if auth.principal is None:
        raise Unauthorised("A credential is required: send X-API-KEY or Authorization: Bearer.")
    version = request.path_params.get("version", "")
    if version == "":
        raise MissingVersion("The API version is missing from the path: use /v1/….", field="version")
    if version != SUPPORTED_VERSION:
        raise UnsupportedVersion(f"API version {reflected(version)} is not supported; use 1.", field="version")
    if permission is not None and not auth.principal.has(permission):
        raise UserNotAllowed(f"The credential lacks the {permission} permission.")
    return auth.principal


def read_database(request: Request) -> Database:
    """A GET's database: one read replica for the whole request, or the primary when asked (db/routing.py).

    POST routes (the refresh and its dry run) use `app.state.database`, the primary, throughout.
    """
    database: Database = request.app.state.database
    return database.for_request(primary=wants_primary(request.headers.get(CONSISTENCY_HEADER)))


async def get_invoice(request: Request) -> Response:
    """`GET /v1/invoices/{id}`: the vendor's Invoice JSON, unwrapped."""
    try:
        principal = require(request, INVOICE_VIEW)
        database = read_database(request)
        invoice_id = checked_id_length(request.path_params["id"], "id")
        loaders = Loaders(database, principal.platform_id)
        invoice = await loaders.invoice_by_id.load(invoice_id)
        if invoice is None:
            raise ResourceNotFound(f"Invoice {reflected(invoice_id)} was not found.", resource_id=invoice_id, resource_type="INVOICE")
        return JSONBody(await vendor_invoice(invoice, loaders))
    except ApiError as error:
        return error_response(error)


def rest_routes() -> list[BaseRoute]:
    return [
        Route("/v{version}/invoices", list_invoices, methods=["GET"]),
        Route("/v{version}/invoices/{id}", get_invoice, methods=["GET"]),
        Route("/v{version}/invoices/{id}/refresh", refresh_invoice, methods=["POST"]),
        # The vendor's paths without a version (or with an empty one) answer MISSING_VERSION (api.md), not 404.
        *(
            Route(f"{prefix}/invoices{rest}", endpoint, methods=methods)
            for prefix in ("/v", "")
            for rest, endpoint, methods in (
                ("", list_invoices, ["GET"]),
                ("/{id}", get_invoice, ["GET"]),
                ("/{id}/refresh", refresh_invoice, ["POST"]),
            )
        ),
    ]
