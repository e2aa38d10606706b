"""events: webhook endpoints, deliveries and attempts; the outbox keeps the invoice and the sent body

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import invoicegraph.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_ID = sqlmodel.sql.sqltypes.AutoString(length=64)
_INSTANT = invoicegraph.db.types.UtcDateTime(timezone=True)

# PostgreSQL tells every listening process about a committed event (services/events/notify.py `CHANNEL`):
# NOTIFY is transactional, so a rolled-back refresh announces nothing, and the trigger keeps the refresh's
# own statements as they are.
_NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION invoicegraph_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('invoicegraph_outbox', json_build_object('platform_id', NEW.platform_id, 'id', NEW.id)::text);
  RETURN NULL;
END $$
"""
_NOTIFY_TRIGGER = (
    "CREATE TRIGGER outbox_event_notify AFTER INSERT ON outbox_event FOR EACH ROW EXECUTE FUNCTION invoicegraph_outbox_notify()"
)


def upgrade() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("platform_id", _ID, nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("event_types", _JSON, nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("previous_secret", sa.Text(), nullable=True),
        sa.Column("previous_secret_expires_at", _INSTANT, nullable=True),
        sa.Column("created_at", _INSTANT, nullable=False),
        sa.Column("updated_at", _INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("platform_id", "id"),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("platform_id", _ID, nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.Column("event_id", _ID, nullable=False),
        sa.Column("endpoint_id", _ID, nullable=False),
        sa.Column("invoice_id", _ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _INSTANT, nullable=False),
        sa.Column("retry_until", _INSTANT, nullable=False),
        sa.Column("created_at", _INSTANT, nullable=False),
        sa.Column("finished_at", _INSTANT, nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.PrimaryKeyConstraint("platform_id", "id"),
    )
    with op.batch_alter_table("webhook_delivery") as batch:
        batch.create_index("ix_webhook_delivery_due", ["status", "next_attempt_at"], unique=False)
        batch.create_index("ix_webhook_delivery_event", ["platform_id", "event_id", "endpoint_id"], unique=True)
        batch.create_index("ix_webhook_delivery_order", ["platform_id", "endpoint_id", "invoice_id", "version"], unique=False)
    op.create_table(
        "webhook_attempt",
        sa.Column("platform_id", _ID, nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.Column("delivery_id", _ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", _INSTANT, nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.PrimaryKeyConstraint("platform_id", "id"),
    )
    with op.batch_alter_table("webhook_attempt") as batch:
        batch.create_index("ix_webhook_attempt_delivery", ["platform_id", "delivery_id", "number"], unique=False)
    with op.batch_alter_table("outbox_event") as batch:
        batch.add_column(sa.Column("invoice", _JSON, nullable=True))
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.add_column(sa.Column("dispatched_at", _INSTANT, nullable=True))
        batch.create_index("ix_outbox_event_dispatch", ["dispatched_at", "created_at"], unique=False)
        batch.create_index("ix_outbox_event_invoice", ["platform_id", "invoice_id", "version"], unique=False)
    # Events written before there were endpoints had no one to go to: they count as dispatched and
    # delivered when written (the retention purge then removes them like any other).
    op.execute("UPDATE /* all platforms */ outbox_event SET dispatched_at = created_at, delivered_at = COALESCE(delivered_at, created_at)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_NOTIFY_FUNCTION)
        op.execute(_NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outbox_event_notify ON outbox_event")
        op.execute("DROP FUNCTION IF EXISTS invoicegraph_outbox_notify()")
    with op.batch_alter_table("outbox_event") as batch:
        batch.drop_index("ix_outbox_event_invoice")
        batch.drop_index("ix_outbox_event_dispatch")
        batch.drop_column("dispatched_at")
        batch.drop_column("payload")
        batch.drop_column("invoice")
    op.drop_table("webhook_attempt")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_endpoint")
