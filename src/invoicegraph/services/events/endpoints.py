"""A platform's webhook endpoints: made, listed, disabled and enabled, their secrets rotated (the CLI's `webhooks`).

A secret is returned once, when it is made (create, rotate-secret), and stored encrypted
(signing_secrets.py). Disabling an endpoint fails its pending deliveries (they can be re-sent with
`webhooks resend`) and stops new ones; enabling it again only concerns events written from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from invoicegraph.db.all_platforms import all_platforms
from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import WebhookDelivery, WebhookEndpoint
from invoicegraph.db.tables import Platform
from invoicegraph.ids import new_id
from invoicegraph.services.events.claims import FAILED, PENDING
from invoicegraph.services.events.model import EVENT_TYPES
from invoicegraph.services.events.signing_secrets import SecretBox, new_secret
from invoicegraph.services.events.targets import TargetPolicy, check_url

ENABLED, DISABLED = "ENABLED", "DISABLED"
MAX_DESCRIPTION = 255


class EndpointProblem(ValueError):
    """A request about endpoints that cannot be done (the message says why)."""


@dataclass(frozen=True, slots=True)
class NewSecret:
    endpoint_id: str
    secret: str


async def create_endpoint(
    database: Database,
    *,
    platform_id: str,
    url: str,
    event_types: list[str],
    box: SecretBox,
    policy: TargetPolicy,
    description: str | None = None,
) -> NewSecret:
    stored_url = check_url(url, policy)
    types = sorted(set(event_types or EVENT_TYPES))
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise EndpointProblem(f"unknown event type(s): {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise EndpointProblem(f"the description is longer than {MAX_DESCRIPTION} characters")
    secret = new_secret()
    sealed = box.seal(secret)
    now = datetime.now(UTC)
    endpoint_id = new_id("whep")
    async with database.write() as session:
        if await session.scalar(select(col(Platform.id)).where(col(Platform.id) == platform_id)) is None:
            raise EndpointProblem(f"unknown platform: {platform_id}")
        session.add(
            WebhookEndpoint(
                platform_id=platform_id,
                id=endpoint_id,
                url=stored_url,
                event_types=types,
                status=ENABLED,
                description=description,
                secret=sealed,
                created_at=now,
                updated_at=now,
            )
        )
    return NewSecret(endpoint_id, secret)


async def list_endpoints(database: Database, *, platform_id: str | None = None) -> list[dict[str, Any]]:
    """Endpoints (never their secrets), of one platform or of all."""
    async with database.read() as session:
        return await endpoints_of(session, platform_id)


async def endpoints_of(session: AsyncSession, platform_id: str | None) -> list[dict[str, Any]]:
    statement = select(WebhookEndpoint).order_by(col(WebhookEndpoint.platform_id), col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
    statement = all_platforms(statement) if platform_id is None else statement.where(col(WebhookEndpoint.platform_id) == platform_id)
    return [endpoint_row(endpoint) for endpoint in (await session.scalars(statement)).all()]


def endpoint_row(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "platform_id": endpoint.platform_id,
        "id": endpoint.id,
        "url": endpoint.url,
        "event_types": list(endpoint.event_types),
        "status": endpoint.status,
        "description": endpoint.description,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at if endpoint.previous_secret is not None else None,
    }


async def disable_endpoint(database: Database, endpoint_id: str) -> int:
    """Disable an endpoint; returns how many pending deliveries it failed."""
    now = datetime.now(UTC)
    async with database.write() as session:
        endpoint = await _endpoint(session, endpoint_id)
        endpoint.status, endpoint.updated_at = DISABLED, now
        result = await session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.platform_id) == endpoint.platform_id,
                col(WebhookDelivery.endpoint_id) == endpoint.id,
                col(WebhookDelivery.status) == PENDING,
            )
            .values(status=FAILED, finished_at=now, last_error="the endpoint was disabled")
        )
    return int(getattr(result, "rowcount", 0) or 0)


async def enable_endpoint(database: Database, endpoint_id: str) -> None:
    async with database.write() as session:
        endpoint = await _endpoint(session, endpoint_id)
        endpoint.status, endpoint.updated_at = ENABLED, datetime.now(UTC)


async def rotate_secret(database: Database, endpoint_id: str, *, box: SecretBox, keep_previous: timedelta) -> NewSecret:
    """A new secret signs from now on; the old one also signs for `keep_previous` (zero: not at all)."""
    secret = new_secret()
    now = datetime.now(UTC)
    async with database.write() as session:
        endpoint = await _endpoint(session, endpoint_id)
        keep = keep_previous > timedelta(0)
        endpoint.previous_secret = endpoint.secret if keep else None
        endpoint.previous_secret_expires_at = now + keep_previous if keep else None
        endpoint.secret = box.seal(secret)
        endpoint.updated_at = now
    return NewSecret(endpoint_id, secret)


async def _endpoint(session: AsyncSession, endpoint_id: str) -> WebhookEndpoint:
    """An endpoint by its id alone: the operator's command line acts on every platform."""
    found = (await session.scalars(all_platforms(select(WebhookEndpoint).where(col(WebhookEndpoint.id) == endpoint_id)))).first()
    if found is None:
        raise EndpointProblem(f"no webhook endpoint {endpoint_id}")
    return found
