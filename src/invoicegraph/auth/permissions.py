"""Permission names and role shortcuts (vendor's dotted strings)."""

from __future__ import annotations

from collections.abc import Iterable

INVOICE_VIEW = "INVOICE.VIEW"
INVOICE_REFRESH = "INVOICE.REFRESH"
INVOICE_PREVIEW = "INVOICE.PREVIEW"
# Editing a draft's lines (docs/drafts.md): adjust, remove, revert.
INVOICE_LINE_EDIT = "INVOICE.LINE.EDIT"

ALL_PERMISSIONS = frozenset({INVOICE_VIEW, INVOICE_REFRESH, INVOICE_PREVIEW, INVOICE_LINE_EDIT})

# Role shortcuts a key may hold instead of (or beside) single permissions.
ROLES: dict[str, frozenset[str]] = {
    "READ_ONLY": frozenset(p for p in ALL_PERMISSIONS if p.endswith(".VIEW")),
    "ADMINISTRATOR": ALL_PERMISSIONS,
}


def expand(granted: Iterable[str]) -> frozenset[str]:
    """Permissions with role shortcuts replaced by what they stand for."""
    result: set[str] = set()
    for item in granted:
        result |= ROLES.get(item, frozenset({item}))
    return frozenset(result)
