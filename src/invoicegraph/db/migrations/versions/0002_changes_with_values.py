"""refresh records and outbox events keep each change's value before and after

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Existing rows get an empty list: their values were never kept (their paths still are).
    for table in ("refresh_record", "outbox_event"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("changes", _JSON, nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    for table in ("refresh_record", "outbox_event"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("changes")
