"""an index on usage events by (platform, customer, received_at), for the late-usage marker

`Invoice.staleSources` asks, per customer of a page of invoices, when the latest usage event was
received. Without an index on `received_at` that is a walk over every event of the customer (0.3 s for
100,000 events on PostgreSQL, growing with them); with this one each customer's answer is one index
seek on both backends (db/stale_reads.py asks it as a per-customer `max`, which both planners answer
from the index's end).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_usage_event_received", "usage_event", ["platform_id", "customer_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_usage_event_received", table_name="usage_event")
