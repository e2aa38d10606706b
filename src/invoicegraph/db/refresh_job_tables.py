"""The tables of bulk refresh jobs (docs/drafts.md, "Bulk refresh"), registered on the same MetaData.

A job is one row; the invoices it refreshes are its items, written with the job in one transaction,
so the set is fixed when the job is created. An item's outcome is written in the transaction that
refreshes its invoice: a crash loses neither a refresh nor its outcome, and never repeats one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from invoicegraph.db.tables import _instant, _json_list


class RefreshJob(SQLModel, table=True):
    __tablename__ = "refresh_job"
    __table_args__ = (
        # The runners' scan: jobs not finished, by status and lease (services/refresh_jobs/runner.py).
        Index("ix_refresh_job_due", "status", "lease_until"),
        Index("ix_refresh_job_platform", "platform_id", "status", "created_at"),
    )
    platform_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    # QUEUED, RUNNING or COMPLETED.
    status: str = Field(max_length=16)
    types: list[str] = _json_list()
    dry_run: bool
    # Who asked: the credential id (API key id or token subject), or `system:auto-refresh`.
    actor: str = Field(max_length=255)
    request_id: str = Field(max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=255)
    created_at: datetime = _instant()
    started_at: datetime | None = _instant(nullable=True)
    finished_at: datetime | None = _instant(nullable=True)
    # The process working the job and until when its claim holds; renewed while it works.
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = _instant(nullable=True)


class RefreshJobItem(SQLModel, table=True):
    __tablename__ = "refresh_job_item"
    __table_args__ = (Index("ix_refresh_job_item_pending", "platform_id", "job_id", "outcome", "position"),)
    platform_id: str = Field(primary_key=True, max_length=64)
    job_id: str = Field(primary_key=True, max_length=64)
    position: int = Field(primary_key=True)
    invoice_id: str = Field(max_length=64)
    # Null until processed; then CHANGED, UNCHANGED or FAILED (a dry run: whether it would change).
    outcome: str | None = Field(default=None, max_length=16)
    error_code: str | None = Field(default=None, max_length=64)
    error_message: str | None = Field(default=None, max_length=1000)
    finished_at: datetime | None = _instant(nullable=True)
