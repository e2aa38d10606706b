"""The vendor-compatible REST routes (`/v{version}/invoices/…`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from invoicegraph.auth.permissions import INVOICE_VIEW
from invoicegraph.db.loaders import Loaders
from invoicegraph.errors import ApiError, ResourceNotFound, reflected
from invoicegraph.rest.access import read_database, require
from invoicegraph.rest.errors import error_response
from invoicegraph.rest.json import JSON_MEDIA_TYPE
from invoicegraph.rest.lines import add_line, adjust_line, remove_line, revert_line
from invoicegraph.rest.list import list_invoices
from invoicegraph.rest.refresh import refresh_invoice
from invoicegraph.rest.refresh_jobs import create_refresh_job, get_refresh_job
from invoicegraph.rest.vendor import served_invoice
from invoicegraph.services.refresh.types import checked_id_length


async def get_invoice(request: Request) -> Response:
    """`GET /v1/invoices/{id}`: the vendor's Invoice JSON, unwrapped."""
    try:
        principal = require(request, INVOICE_VIEW)
        invoice_id = checked_id_length(request.path_params["id"], "id")
        database = read_database(request)
        try:
            body = await served_invoice(invoice_id, Loaders(database, principal.platform_id))
            if body is None:
                raise ResourceNotFound(f"Invoice {reflected(invoice_id)} was not found.", resource_id=invoice_id, resource_type="INVOICE")
            return Response(body, media_type=JSON_MEDIA_TYPE)
        finally:
            await database.close()
    except ApiError as error:
        return error_response(error)


def rest_routes() -> list[BaseRoute]:
    return [
        # Before `/invoices/{id}`, which would otherwise take "refresh" for an invoice id.
        Route("/v{version}/invoices/refresh", create_refresh_job, methods=["POST"]),
        Route("/v{version}/invoices/refresh/{job_id}", get_refresh_job, methods=["GET"]),
        Route("/v{version}/invoices", list_invoices, methods=["GET"]),
        Route("/v{version}/invoices/{id}", get_invoice, methods=["GET"]),
        Route("/v{version}/invoices/{id}/refresh", refresh_invoice, methods=["POST"]),
        Route("/v{version}/invoices/{id}/lines", add_line, methods=["POST"]),
        Route("/v{version}/invoices/{id}/lines/{line_id}", adjust_line, methods=["PATCH"]),
        Route("/v{version}/invoices/{id}/lines/{line_id}", remove_line, methods=["DELETE"]),
        Route("/v{version}/invoices/{id}/lines/{line_id}/revert", revert_line, methods=["POST"]),
        # The vendor's paths without a version (or with an empty one) answer MISSING_VERSION (docs/api.md), not 404.
        *(
            Route(f"{prefix}/invoices{rest}", endpoint, methods=methods)
            for prefix in ("/v", "")
            for rest, endpoint, methods in (
                ("/refresh", create_refresh_job, ["POST"]),
                ("/refresh/{job_id}", get_refresh_job, ["GET"]),
                ("", list_invoices, ["GET"]),
                ("/{id}", get_invoice, ["GET"]),
                ("/{id}/refresh", refresh_invoice, ["POST"]),
                ("/{id}/lines", add_line, ["POST"]),
                ("/{id}/lines/{line_id}", adjust_line, ["PATCH"]),
                ("/{id}/lines/{line_id}", remove_line, ["DELETE"]),
                ("/{id}/lines/{line_id}/revert", revert_line, ["POST"]),
            )
        ),
    ]
