"""bulk refresh jobs and their items; a refresh record names its job

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import invoicegraph.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_INSTANT = invoicegraph.db.types.UtcDateTime(timezone=True)


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "refresh_job",
        sa.Column("platform_id", _text(64), nullable=False),
        sa.Column("id", _text(64), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("types", _JSON, nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("actor", _text(255), nullable=False),
        sa.Column("request_id", _text(64), nullable=False),
        sa.Column("idempotency_key", _text(255), nullable=True),
        sa.Column("created_at", _INSTANT, nullable=False),
        sa.Column("started_at", _INSTANT, nullable=True),
        sa.Column("finished_at", _INSTANT, nullable=True),
        sa.Column("lease_owner", _text(64), nullable=True),
        sa.Column("lease_until", _INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("platform_id", "id"),
    )
    with op.batch_alter_table("refresh_job") as batch:
        batch.create_index("ix_refresh_job_due", ["status", "lease_until"], unique=False)
        batch.create_index("ix_refresh_job_platform", ["platform_id", "status", "created_at"], unique=False)
    op.create_table(
        "refresh_job_item",
        sa.Column("platform_id", _text(64), nullable=False),
        sa.Column("job_id", _text(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("invoice_id", _text(64), nullable=False),
        sa.Column("outcome", _text(16), nullable=True),
        sa.Column("error_code", _text(64), nullable=True),
        sa.Column("error_message", _text(1000), nullable=True),
        sa.Column("finished_at", _INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("platform_id", "job_id", "position"),
    )
    with op.batch_alter_table("refresh_job_item") as batch:
        batch.create_index("ix_refresh_job_item_pending", ["platform_id", "job_id", "outcome", "position"], unique=False)
    with op.batch_alter_table("refresh_record") as batch:
        batch.add_column(sa.Column("job_id", _text(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("refresh_record") as batch:
        batch.drop_column("job_id")
    with op.batch_alter_table("refresh_job_item") as batch:
        batch.drop_index("ix_refresh_job_item_pending")
    op.drop_table("refresh_job_item")
    with op.batch_alter_table("refresh_job") as batch:
        batch.drop_index("ix_refresh_job_platform")
        batch.drop_index("ix_refresh_job_due")
    op.drop_table("refresh_job")
