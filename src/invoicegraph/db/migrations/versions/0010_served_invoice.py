"""the invoice's REST body stored in the shape it is served

`GET /v1/invoices/{id}` answered by decoding the invoice's document, projecting it into the vendor's
shape and encoding it again, about a fifth of the request's CPU. `served` keeps the body's bytes with
places for the live records it embeds, `served_places` where those places are (records/served.py).
Both are written with every write of the row; this fills them for the rows already stored
(db/served_fill.py, in batches). A row without them is served from its document as before.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from invoicegraph.db.served_fill import fill_served

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("invoice") as batch:
        batch.add_column(sa.Column("served", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("served_places", _JSON, nullable=True))
    fill_served(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("invoice") as batch:
        batch.drop_column("served_places")
        batch.drop_column("served")
