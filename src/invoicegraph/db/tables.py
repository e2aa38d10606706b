"""The database tables (SQLModel).

Every tenant table's primary key starts with `platform_id` (non-null, indexed by the key): ids come
from import files, so two platforms may use the same id without ever colliding, and a query that
forgets the platform cannot find the other tenant's row by id alone. Records keep their whole
normalized vendor-shaped document in `data`; a few columns are lifted out for filtering and joins.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, LargeBinary, Table, text
from sqlmodel import Field, SQLModel

from invoicegraph.db.types import JsonType, Money, UtcDateTime

# Tables without a platform_id column, on purpose: the tenant itself and the credentials that span
# tenants. A test fails when any other table lacks a non-null, indexed platform_id.
GLOBAL_TABLES = frozenset({"platform", "api_key", "alembic_version"})


def _json() -> Any:
    return Field(default_factory=dict, sa_type=JsonType, nullable=False)


def _json_list() -> Any:
    return Field(default_factory=list, sa_type=JsonType, nullable=False)


def _now() -> datetime:
    return datetime.now(UTC)


def _instant(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UtcDateTime, nullable=nullable, index=index)


class Platform(SQLModel, table=True):
    __tablename__ = "platform"
    id: str = Field(primary_key=True, max_length=64)
    name: str
    default_billing_entity_id: str | None = None
    settings: dict[str, Any] = _json()
    created_at: datetime = _instant()


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    id: str = Field(primary_key=True, max_length=64)
    name: str
    # The first characters of the key, shown in listings so a person can tell keys apart.
    key_prefix: str = Field(max_length=16)
    # SHA-256 of the whole key. Keys carry ≥ 32 random bytes, so a fast hash is enough (no
    # dictionary to attack); the key itself is never stored.
    key_hash: str = Field(max_length=64, unique=True, index=True)
    status: str = Field(default="ACTIVE", max_length=16)
    permissions: list[str] = _json_list()
    expires_at: datetime | None = _instant(nullable=True)
    last_used_at: datetime | None = _instant(nullable=True)
    created_at: datetime = _instant()


class ApiKeyPlatform(SQLModel, table=True):
    """The platforms an API key may act on."""

    __tablename__ = "api_key_platform"
    platform_id: str = Field(primary_key=True, max_length=64)
    api_key_id: str = Field(primary_key=True, max_length=64, index=True)


class TenantRecord(SQLModel):
    """Columns shared by the imported configuration records."""

    platform_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    data: dict[str, Any] = _json()
    updated_at: datetime = _instant()


def _changed(table: str) -> Index:
    """(platform, updated_at): the latest change of a platform's records in one seek (Invoice.staleSources
    asks it of every table a refresh reads; without it each ask walks all the platform's records)."""
    return Index(f"ix_{table}_changed", "platform_id", "updated_at")


class BillingEntity(TenantRecord, table=True):
    __tablename__ = "billing_entity"
    __table_args__ = (_changed("billing_entity"),)


class Customer(TenantRecord, table=True):
    __tablename__ = "customer"


class PaymentAcceptor(TenantRecord, table=True):
    __tablename__ = "payment_acceptor"
    __table_args__ = (_changed("payment_acceptor"),)
    billing_entity_id: str | None = None


class Product(TenantRecord, table=True):
    __tablename__ = "product"
    __table_args__ = (_changed("product"),)


class Meter(TenantRecord, table=True):
    __tablename__ = "meter"
    __table_args__ = (_changed("meter"),)


class MeterValue(TenantRecord, table=True):
    __tablename__ = "meter_value"
    __table_args__ = (_changed("meter_value"),)
    meter_id: str


class CreditType(TenantRecord, table=True):
    __tablename__ = "credit_type"


class PricingPlan(TenantRecord, table=True):
    __tablename__ = "pricing_plan"
    __table_args__ = (_changed("pricing_plan"),)


class Subscription(TenantRecord, table=True):
    __tablename__ = "subscription"
    __table_args__ = (Index("ix_subscription_customer", "platform_id", "customer_id"), _changed("subscription"))
    customer_id: str


class Coupon(TenantRecord, table=True):
    __tablename__ = "coupon"
    __table_args__ = (_changed("coupon"),)


class PromotionCode(TenantRecord, table=True):
    __tablename__ = "promotion_code"
    __table_args__ = (_changed("promotion_code"),)
    coupon_id: str


class TaxRate(TenantRecord, table=True):
    __tablename__ = "tax_rate"
    __table_args__ = (Index("ix_tax_rate_lookup", "platform_id", "country", "category"), _changed("tax_rate"))
    country: str = Field(max_length=2)
    category: str = Field(max_length=32)


class ExchangeRate(TenantRecord, table=True):
    __tablename__ = "exchange_rate"
    __table_args__ = (
        Index("ix_exchange_rate_lookup", "platform_id", "base_currency", "currency", "rate_timestamp"),
        _changed("exchange_rate"),
    )
    base_currency: str = Field(max_length=3)
    currency: str = Field(max_length=3)
    rate_timestamp: datetime = _instant()


class UsageEvent(SQLModel, table=True):
    """One usage event; unique per (platform, reference), which is also its id."""

    __tablename__ = "usage_event"
    __table_args__ = (
        Index("ix_usage_event_aggregation", "platform_id", "customer_id", "meter_value_id", "timestamp"),
        # The late-usage marker (db/stale_reads.py): a customer's latest received event in one index seek.
        Index("ix_usage_event_received", "platform_id", "customer_id", "received_at"),
    )
    platform_id: str = Field(primary_key=True, max_length=64)
    reference: str = Field(primary_key=True, max_length=255)
    customer_id: str = Field(max_length=64)
    meter_value_id: str = Field(max_length=64)
    timestamp: datetime = _instant()
    value: Decimal = Field(sa_type=Money, nullable=False)
    properties: dict[str, Any] = _json()
    # When the service stored the event: the change marker of late usage (docs/drafts.md, staleSources).
    received_at: datetime = Field(default=None, sa_type=UtcDateTime, nullable=False, sa_column_kwargs={"default": _now})


class Invoice(SQLModel, table=True):
    """An invoice: lifted columns plus `document`, the rest of the vendor Invoice JSON."""

    __tablename__ = "invoice"
    __table_args__ = (
        Index("ix_invoice_customer", "platform_id", "customer_id", "invoice_date"),
        Index("ix_invoice_date", "platform_id", "invoice_date", "id"),
        Index("ix_invoice_status", "platform_id", "status"),
        # An invoice number is the legal number of an issued invoice: one invoice per number and platform.
        # Drafts have none (NULL), so the index covers numbered invoices only (partial on both backends).
        Index(
            "ux_invoice_number",
            "platform_id",
            "invoice_number",
            unique=True,
            sqlite_where=text("invoice_number IS NOT NULL"),
            postgresql_where=text("invoice_number IS NOT NULL"),
        ),
    )
    platform_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    version: int = Field(default=1, nullable=False)
    invoice_number: str | None = None
    status: str = Field(max_length=16)
    type: str = Field(max_length=32)
    customer_id: str = Field(max_length=64)
    billing_entity_id: str = Field(max_length=64)
    billing_currency: str = Field(max_length=3)
    invoice_date: datetime | None = _instant(nullable=True)
    due_date: datetime | None = _instant(nullable=True)
    on_hold: bool = False
    paid: bool = False
    invoice_amount_including_tax: Decimal = Field(default=Decimal(0), sa_type=Money, nullable=False)
    paid_invoice_amount: Decimal = Field(default=Decimal(0), sa_type=Money, nullable=False)
    created_at: datetime = _instant()
    updated_at: datetime = _instant()
    document: dict[str, Any] = _json()
    # The REST body in the shape it is served, with places for the live records it embeds, and where
    # they are (records/served.py): written with every write of the row, read by `GET /v1/invoices/{id}`.
    # NULL for a row not written since they were added (it is served from `document`).
    served: bytes | None = Field(default=None, sa_type=LargeBinary, nullable=True)
    served_places: dict[str, Any] | None = Field(default=None, sa_type=JsonType, nullable=True)


class InvoiceSubscription(SQLModel, table=True):
    """Which subscriptions an invoice bills (for the `pricingPlanSubscriptionId` filter)."""

    __tablename__ = "invoice_subscription"
    # With the invoice's id, the index alone answers a lookup by subscription (migration 0011).
    __table_args__ = (Index("ix_invoice_subscription_sub", "platform_id", "subscription_id", "invoice_id"),)
    platform_id: str = Field(primary_key=True, max_length=64)
    invoice_id: str = Field(primary_key=True, max_length=64)
    subscription_id: str = Field(primary_key=True, max_length=64)


class InvoicePayment(SQLModel, table=True):
    """A payment received against an invoice. A refresh never changes payments."""

    __tablename__ = "invoice_payment"
    __table_args__ = (Index("ix_invoice_payment_invoice", "platform_id", "invoice_id"),)
    platform_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    invoice_id: str = Field(max_length=64)
    amount: Decimal = Field(sa_type=Money, nullable=False)
    currency: str = Field(max_length=3)
    received_at: datetime = _instant()
    data: dict[str, Any] = _json()


class InvoiceLink(SQLModel, table=True):
    """A link between two invoices (a credit invoice and its original, …)."""

    __tablename__ = "invoice_link"
    __table_args__ = (Index("ix_invoice_link_linked", "platform_id", "linked_invoice_id"),)
    platform_id: str = Field(primary_key=True, max_length=64)
    invoice_id: str = Field(primary_key=True, max_length=64)
    linked_invoice_id: str = Field(primary_key=True, max_length=64)
    type: str | None = None


class RefreshRecord(SQLModel, table=True):
    """Append-only audit of refreshes (docs/refresh.md). There is no update or delete path in code."""

    __tablename__ = "refresh_record"
    __table_args__ = (Index("ix_refresh_record_invoice", "platform_id", "invoice_id", "created_at"),)
    platform_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    invoice_id: str = Field(max_length=64)
    credential_id: str = Field(max_length=255)
    request_id: str = Field(max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=255)
    # The bulk refresh job that ran this refresh (services/refresh_jobs/), if one did.
    job_id: str | None = Field(default=None, max_length=64)
    types: list[str] = _json_list()
    status_before: str = Field(max_length=16)
    status_after: str = Field(max_length=16)
    currency: str = Field(max_length=3)
    total_before: Decimal = Field(sa_type=Money, nullable=False)
    total_after: Decimal = Field(sa_type=Money, nullable=False)
    version_before: int
    version_after: int
    changed: bool
    changed_paths: list[str] = _json_list()
    # Each changed path with its value before and after (vendor JSON paths, as `changed_paths`).
    changes: list[Any] = _json_list()
    created_at: datetime = _instant()


class InvoiceAuditRecord(SQLModel, table=True):
    """Append-only audit of changes to a locked (FINAL, EMPTY) invoice that are not refreshes: the
    payments an import records (services/importing/payments.py). There is no update or delete path."""

    __tablename__ = "invoice_audit_record"
    __table_args__ = (Index("ix_invoice_audit_record_invoice", "platform_id", "invoice_id", "created_at"),)
    platform_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    invoice_id: str = Field(max_length=64)
    # What happened (PAYMENTS_RECORDED) and who did it (`import:<file name>`).
    action: str = Field(max_length=32)
    actor: str = Field(max_length=255)
    status: str = Field(max_length=16)
    version_before: int
    version_after: int
    # Each changed path with its value before and after, as refresh records keep them.
    changes: list[Any] = _json_list()
    created_at: datetime = _instant()


class LineEditRecord(SQLModel, table=True):
    """Append-only audit of line edits (docs/drafts.md): who changed which line of which invoice, how.

    The edit itself lives with the invoice (`line_adjustments` in its document), where every refresh
    reads it; this is the history, never updated or deleted by code.
    """

    __tablename__ = "line_edit_record"
    __table_args__ = (Index("ix_line_edit_record_invoice", "platform_id", "invoice_id", "created_at"),)
    platform_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    invoice_id: str = Field(max_length=64)
    line_id: str = Field(max_length=64)
    # ADJUST, REMOVE or REVERT.
    action: str = Field(max_length=16)
    credential_id: str = Field(max_length=255)
    request_id: str = Field(max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=255)
    # The adjustment as stored after the edit (null for REVERT) and the one it replaced (null if none).
    adjustment: dict[str, Any] | None = Field(default=None, sa_type=JsonType, nullable=True)
    replaced: dict[str, Any] | None = Field(default=None, sa_type=JsonType, nullable=True)
    version_before: int
    version_after: int
    changes: list[Any] = _json_list()
    created_at: datetime = _instant()


class IdempotencyRecord(SQLModel, table=True):
    """A stored response for an `Idempotency-Key`, scoped to platform and credential."""

    __tablename__ = "idempotency_record"
    __table_args__ = (Index("ix_idempotency_record_created", "platform_id", "created_at"),)
    platform_id: str = Field(primary_key=True, max_length=64)
    credential_id: str = Field(primary_key=True, max_length=255)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    # DONE: written with its response, in the same transaction as the work (services/idempotency.py).
    # Releases before the unit of work could leave IN_FLIGHT records without a response: free keys.
    state: str = Field(max_length=16)
    response_status: int | None = None
    response_body: str | None = None
    response_headers: dict[str, Any] = _json()
    created_at: datetime = _instant()


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model (typed: SQLModel's `__table__` is invisible to mypy)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


# Registered here so that every user of the MetaData (Alembic, the schema comparison) sees them.
from invoicegraph.db import event_tables as _event_tables  # noqa: E402, F401
from invoicegraph.db import refresh_job_tables as _refresh_job_tables  # noqa: E402, F401
