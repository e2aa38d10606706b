"""The safety net itself: which statements it refuses, and that it is installed on every engine."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.support.tenant_guard import TenantGuard, tenant_tables, unscoped_table


@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        ("SELECT invoice.id FROM invoice WHERE invoice.platform_id = ? AND invoice.id IN (?, ?)", None),
        ("SELECT count(*) AS count_1 FROM invoice", "invoice"),
        ("SELECT invoice.id FROM invoice JOIN customer ON customer.id = invoice.customer_id WHERE invoice.platform_id = $1", "customer"),
        (
            "SELECT i.id FROM invoice AS i JOIN customer AS c ON c.platform_id = i.platform_id AND c.id = i.customer_id WHERE i.platform_id = $1",
            None,
        ),
        ("SELECT a.id FROM invoice AS a, customer WHERE a.platform_id = ?", "customer"),
        ("UPDATE invoice SET version=? WHERE invoice.id = ?", "invoice"),
        ("UPDATE invoice SET version=? WHERE invoice.platform_id = ? AND invoice.id = ?", None),
        ("DELETE FROM idempotency_record WHERE idempotency_record.created_at < ?", "idempotency_record"),
        ("INSERT INTO usage_event (platform_id, reference, value) VALUES (?, ?, ?)", None),
        ("INSERT INTO usage_event (reference, value) VALUES (?, ?)", "usage_event"),
        ("SELECT platform.id FROM platform", None),
        (
            "SELECT api_key.id, api_key_platform.platform_id FROM api_key LEFT OUTER JOIN api_key_platform ON api_key_platform.api_key_id = api_key.id",
            None,
        ),
        ("CREATE TABLE invoice (platform_id VARCHAR NOT NULL)", None),
        ("UPDATE alembic_version SET version_num='0002'", None),
    ],
)
def test_statements(statement: str, refused: str | None) -> None:
    assert unscoped_table(statement) == refused


def test_every_tenant_table_is_watched() -> None:
    assert {"invoice", "customer", "usage_event", "idempotency_record", "refresh_record"} <= tenant_tables()
    assert not {"platform", "api_key", "alembic_version"} & tenant_tables()


def test_the_guard_is_installed_for_every_test(tenant_guard: TenantGuard) -> None:
    assert event.contains(Engine, "before_cursor_execute", tenant_guard)
