"""Permission names and role shortcuts (vendor's dotted strings)."""

from __future__ import annotations

from collections.abc import Iterable

INVOICE_VIEW = "INVOICE.VIEW"
INVOICE_REFRESH = "INVOICE.REFRESH"
INVOICE_PREVIEW = "INVOICE.PREVIEW"
# The platform's webhook endpoints and deliveries (docs/events.md): what its operators read.
WEBHOOK_VIEW = "WEBHOOK.VIEW"

ALL_PERMISSIONS = frozenset({INVOICE_VIEW, INVOICE_REFRESH, INVOICE_PREVIEW, WEBHOOK_VIEW})

# Role shortcuts a key may hold instead of (or beside) single permissions.
ROLES: dict[str, frozenset[str]] = {
    # The invoice graph, read-only. Webhook operations (WEBHOOK.VIEW) are granted by name or by ADMINISTRATOR.
    "READ_ONLY": frozenset({INVOICE_VIEW}),
    "ADMINISTRATOR": ALL_PERMISSIONS,
}


def expand(granted: Iterable[str]) -> frozenset[str]:
    """Permissions with role shortcuts replaced by what they stand for."""
    result: set[str] = set()
    for item in granted:
        result |= ROLES.get(item, frozenset({item}))
    return frozenset(result)
