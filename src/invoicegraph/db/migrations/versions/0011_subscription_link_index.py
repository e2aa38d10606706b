"""the index of invoices by subscription also holds the invoice's id

`ix_invoice_subscription_sub` was (platform, subscription). SQLite's planner, choosing between it and
the primary key (platform, invoice, subscription), which holds every column a lookup by subscription
reads, took the primary key and walked every invoice link of the platform for each refresh of an
invoice with subscriptions (its subscriptions' first invoices) and for each `pricingPlanSubscriptionId`
filter. With the invoice's id in it the index answers those reads alone, a seek on both backends.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX, TABLE = "ix_invoice_subscription_sub", "invoice_subscription"


def upgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, ["platform_id", "subscription_id", "invoice_id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, ["platform_id", "subscription_id"])
