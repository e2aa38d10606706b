"""Permission checks for GraphQL fields (docs/api.md).

Each check reads the request's Principal from `info.context`. No principal means the request is
anonymous (a refused credential or platform never gets this far): UNAUTHORISED. A principal without
the permission gets USER_NOT_ALLOWED. The checks raise the coded errors themselves, so `extensions.code` reaches the client
(the endpoint codes them: graphql/errors.py).

Attach them with `requires(...)`, which adds Strawberry's PermissionExtension without printing a schema
directive per permission class (the SDL is the committed contract, schema.graphql, and a gateway would not know those
directives).
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from invoicegraph.auth.principal import Principal
from invoicegraph.errors import Unauthorised, UserNotAllowed
from invoicegraph.schema.loading import Info

INVOICE_VIEW = "INVOICE.VIEW"
INVOICE_REFRESH = "INVOICE.REFRESH"
INVOICE_PREVIEW = "INVOICE.PREVIEW"
INVOICE_LINE_EDIT = "INVOICE.LINE.EDIT"
WEBHOOK_VIEW = "WEBHOOK.VIEW"


def require_principal(info: Info) -> Principal:
    """The caller's Principal, or the coded error that explains why there is none."""
    principal = info.context.principal
    if principal is None:
        raise Unauthorised("Authentication required: send an X-API-KEY header or an Authorization bearer token.")
    return principal


def require_any(info: Info, permissions: tuple[str, ...]) -> Principal:
    principal = require_principal(info)
    if not any(principal.has(permission) for permission in permissions):
        needed = " or ".join(permissions)
        raise UserNotAllowed(f"This operation requires the {needed} permission.")
    return principal


class _RequirePermissions(BasePermission):
    """Grants when the principal has any one of `permissions` (empty: any valid credential)."""

    permissions: ClassVar[tuple[str, ...]] = ()

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if self.permissions:
            require_any(info, self.permissions)
        else:
            require_principal(info)
        return True


class RequireCredential(_RequirePermissions):
    """Any valid credential with a platform (federation's `_service`)."""


class RequireInvoiceView(_RequirePermissions):
    permissions = (INVOICE_VIEW,)


class RequireInvoiceRefresh(_RequirePermissions):
    permissions = (INVOICE_REFRESH,)


class RequireRefreshPreview(_RequirePermissions):
    permissions = (INVOICE_REFRESH, INVOICE_PREVIEW)


class RequireRefreshJobView(_RequirePermissions):
    # Following a bulk refresh job: who may create one, or who may read the invoices it names.
    permissions = (INVOICE_REFRESH, INVOICE_VIEW)


class RequireLineEdit(_RequirePermissions):
    permissions = (INVOICE_LINE_EDIT,)


class RequireWebhookView(_RequirePermissions):
    permissions = (WEBHOOK_VIEW,)


def requires(*permissions: type[BasePermission]) -> list[FieldExtension]:
    """Field extensions that check `permissions` before the resolver runs (no SDL directive)."""
    return [PermissionExtension(permissions=[cls() for cls in permissions], use_directives=False)]
