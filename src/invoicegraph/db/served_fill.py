"""Storing the served form of invoice rows that lack one of the current format (records/served.py).

Every write of an invoice stores its served form; this fills the rows written before that, under an
older `SERVED_FORMAT`, or since by a release that does not store it (the row's version moved on).
Migration 0010 runs it when it adds the columns, and `invoicegraph migrate` after every migration run
(db/migrate.py `fill_served_forms`), so a change of the format needs no migration of its own. Until a
row is filled, `GET /v1/invoices/{id}` answers it from its document (one more read), so filling can
lag without any answer changing.
"""

from __future__ import annotations

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.engine import Connection
from sqlmodel import col

from invoicegraph.db.all_platforms import all_platforms
from invoicegraph.db.invoice_reads import INVOICE_COLUMNS, served_columns
from invoicegraph.db.tables import Invoice
from invoicegraph.records.served import SERVED_FORMAT

BATCH = 500


def fill_served(connection: Connection, batch: int = BATCH) -> int:
    """Store the served form of each invoice row without a current one, `batch` rows per statement; the count."""
    shape = col(Invoice.served_places)
    stale = or_(
        col(Invoice.served).is_(None),
        shape["format"].as_integer().is_distinct_from(SERVED_FORMAT),
        shape["version"].as_integer().is_distinct_from(col(Invoice.version)),
    )
    pending = all_platforms(select(*INVOICE_COLUMNS).where(stale).order_by(col(Invoice.platform_id), col(Invoice.id)).limit(batch))
    write = (
        update(Invoice)
        .where(col(Invoice.platform_id) == bindparam("in_platform"), col(Invoice.id) == bindparam("invoice_id"))
        .values(served=bindparam("new_served"), served_places=bindparam("new_served_places"))
    )
    filled = 0
    while rows := connection.execute(pending).all():
        forms = []
        for row in rows:
            served = served_columns(dict(row._mapping))
            forms.append(
                {
                    "in_platform": row.platform_id,
                    "invoice_id": row.id,
                    "new_served": served["served"],
                    "new_served_places": served["served_places"],
                }
            )
        connection.execute(write, forms)
        filled += len(rows)
    return filled
