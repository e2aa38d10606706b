"""Permission names: only the known ones grant anything."""

from __future__ import annotations

from invoicegraph.auth.permissions import ALL_PERMISSIONS, expand, unknown


def test_roles_expand_and_unknown_names_grant_nothing() -> None:
    assert expand(["ADMINISTRATOR"]) == ALL_PERMISSIONS
    assert expand(["READ_ONLY", "openid", "INVOICE.DELETE", "invoice.refresh"]) == {"INVOICE.VIEW"}
    assert expand(["crm.read"]) == frozenset()


def test_unknown_lists_each_unknown_name_once_in_order() -> None:
    assert unknown(["INVOICE.VIEW", "X.Y", "READ_ONLY", "X.Y", "ROOT"]) == ["X.Y", "ROOT"]
