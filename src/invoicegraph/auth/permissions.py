"""Permission names and role shortcuts (vendor's dotted strings)."""

from __future__ import annotations

from collections.abc import Iterable

INVOICE_VIEW = "INVOICE.VIEW"
INVOICE_REFRESH = "INVOICE.REFRESH"
INVOICE_PREVIEW = "INVOICE.PREVIEW"
# Editing a draft's lines (docs/drafts.md): adjust, remove, revert.
INVOICE_LINE_EDIT = "INVOICE.LINE.EDIT"
# The platform's webhook endpoints and deliveries (docs/events.md): what its operators read.
WEBHOOK_VIEW = "WEBHOOK.VIEW"

ALL_PERMISSIONS = frozenset({INVOICE_VIEW, INVOICE_REFRESH, INVOICE_PREVIEW, INVOICE_LINE_EDIT, WEBHOOK_VIEW})

# Role shortcuts a key may hold instead of (or beside) single permissions.
ROLES: dict[str, frozenset[str]] = {
    # The invoice graph, read-only. Webhook operations (WEBHOOK.VIEW) are granted by name or by ADMINISTRATOR.
    "READ_ONLY": frozenset({INVOICE_VIEW}),
    "ADMINISTRATOR": ALL_PERMISSIONS,
}

# Every name a key may be granted: the permissions and the roles. Keys are checked against it when
# they are made (`invoicegraph api-keys create`, an import file).
GRANTABLE = frozenset(ALL_PERMISSIONS | ROLES.keys())


def unknown(granted: Iterable[str]) -> list[str]:
    """The names in `granted` that are neither a permission nor a role, in order, once each."""
    return [name for name in dict.fromkeys(granted) if name not in GRANTABLE]


def expand(granted: Iterable[str]) -> frozenset[str]:
    """Permissions with role shortcuts replaced by what they stand for; unknown names grant nothing.

    A token may carry scopes of other services (`openid`, `crm.read`), and a key stored by an older
    release may name a permission that was never checked: neither ever grants anything here.
    """
    result: set[str] = set()
    for item in granted:
        result |= ROLES.get(item, frozenset({item}) if item in ALL_PERMISSIONS else frozenset())
    return frozenset(result)
