"""The tables of events and their webhook deliveries (docs/events.md), registered on the same MetaData.

An outbox event is written in the transaction of the change it announces; the dispatcher turns each
into one delivery per subscribed endpoint, and every attempt to send one is kept (services/events/).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from invoicegraph.db.tables import _instant, _json_list
from invoicegraph.db.types import JsonType


class OutboxEvent(SQLModel, table=True):
    """Events for delivery, written in the transaction of the change they announce (docs/events.md)."""

    __tablename__ = "outbox_event"
    __table_args__ = (
        Index("ix_outbox_event_created", "platform_id", "created_at"),
        # The dispatcher's scan: events not yet turned into deliveries, oldest first (services/events/dispatch.py).
        Index("ix_outbox_event_dispatch", "dispatched_at", "created_at"),
        # An invoice's earlier events not yet dispatched hold back its later deliveries (services/events/claims.py).
        Index("ix_outbox_event_invoice", "platform_id", "invoice_id", "version"),
    )
    platform_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    event_type: str = Field(max_length=64)
    invoice_id: str = Field(max_length=64)
    version: int
    changed_paths: list[str] = _json_list()
    changes: list[Any] = _json_list()
    # The invoice as this version left it (our dict shape): a webhook's `data.invoice` and a subscription's
    # root value. Null for events written before it was kept (they are sent with the invoice as it is).
    invoice: dict[str, Any] | None = Field(default=None, sa_type=JsonType, nullable=True)
    # The webhook body, made once when the event is dispatched: every attempt to every endpoint sends these bytes.
    payload: str | None = Field(default=None, sa_type=Text, nullable=True)
    created_at: datetime = _instant()
    # When the event was turned into one delivery per subscribed endpoint (null: not yet).
    dispatched_at: datetime | None = _instant(nullable=True)
    # When every delivery of the event succeeded (at dispatch when no endpoint wanted it).
    delivered_at: datetime | None = _instant(nullable=True)


class WebhookEndpoint(SQLModel, table=True):
    """A platform's webhook receiver (services/events/endpoints.py)."""

    __tablename__ = "webhook_endpoint"
    platform_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    url: str = Field(max_length=2048)
    event_types: list[str] = _json_list()
    # ENABLED or DISABLED.
    status: str = Field(max_length=16)
    description: str | None = Field(default=None, max_length=255)
    # The signing secret, encrypted with the service's key (services/events/secrets.py), never in clear.
    secret: str = Field(sa_type=Text)
    # After a rotation, the old secret also signs until it expires, so receivers can switch without a gap.
    previous_secret: str | None = Field(default=None, sa_type=Text, nullable=True)
    previous_secret_expires_at: datetime | None = _instant(nullable=True)
    created_at: datetime = _instant()
    updated_at: datetime = _instant()


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: PENDING until an attempt succeeds (SUCCEEDED) or retries run out (FAILED)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # What is due, on every platform (services/events/claims.py).
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        # Version order per invoice and endpoint: an earlier pending delivery holds back the later ones.
        Index("ix_webhook_delivery_order", "platform_id", "endpoint_id", "invoice_id", "version"),
        Index("ix_webhook_delivery_event", "platform_id", "event_id", "endpoint_id", unique=True),
    )
    platform_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(max_length=64)
    endpoint_id: str = Field(max_length=64)
    invoice_id: str = Field(max_length=64)
    version: int
    status: str = Field(max_length=16)
    attempts: int = 0
    # When the next attempt may start; while an attempt runs, the end of its lease.
    next_attempt_at: datetime = _instant()
    # After this, a failed attempt is the last one: the delivery is FAILED.
    retry_until: datetime = _instant()
    created_at: datetime = _instant()
    finished_at: datetime | None = _instant(nullable=True)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)


class WebhookAttempt(SQLModel, table=True):
    """One HTTP request of a delivery: when, how long, what came back."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_delivery", "platform_id", "delivery_id", "number"),)
    platform_id: str = Field(primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    delivery_id: str = Field(max_length=64)
    number: int
    started_at: datetime = _instant()
    latency_ms: int
    # SUCCEEDED or FAILED.
    outcome: str = Field(max_length=16)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
