"""`invoicegraph deliver` and `invoicegraph webhooks`: the endpoints of the platforms, and their deliveries."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from invoicegraph.cli.output import console, errors, print_rows
from invoicegraph.cli.resources import checked_settings, open_database

if TYPE_CHECKING:
    from invoicegraph.db.engine import Database

group = typer.Typer(help="Webhook endpoints of the platforms, and their deliveries (docs/events.md).", no_args_is_help=True)


def deliver(
    once: Annotated[bool, typer.Option(help="Send what is due now, wait for the answers, and exit.")] = False,
) -> None:
    """Deliver webhooks until stopped (Ctrl-C, SIGTERM): dispatch committed events, send due deliveries.

    Every `serve` process does this too (INVOICEGRAPH_DELIVER_IN_SERVE); any number of processes may.
    """
    from invoicegraph.services.events.background import EventWork

    settings = checked_settings()

    async def run() -> None:
        database = open_database()
        work = EventWork(database, settings, deliver=True)
        try:
            if once:
                console.print(f"{await work.deliver_due()} events and deliveries handled")
                return
            stopped = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signal_number in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signal_number, stopped.set)
            work.start()
            errors.print("delivering webhooks; Ctrl-C stops")
            await stopped.wait()
            await work.stop()
        finally:
            await database.dispose()

    asyncio.run(run())


@group.command("create")
def webhooks_create(
    platform: Annotated[str, typer.Option("--platform", "-p", help="The platform whose events go to this endpoint.")],
    url: Annotated[str, typer.Option(help="Where the events are POSTed (https://…).")],
    event: Annotated[list[str] | None, typer.Option("--event", help="Event type to send (repeat for several). Default: all.")] = None,
    description: Annotated[str | None, typer.Option(help="A note people recognise the endpoint by.")] = None,
) -> None:
    """Create an endpoint. Its signing secret is printed once and stored encrypted."""
    from invoicegraph.services.events.endpoints import create_endpoint
    from invoicegraph.services.events.signing_secrets import SecretBox
    from invoicegraph.services.events.targets import TargetPolicy

    settings = checked_settings()
    made = _run_endpoint_command(
        lambda database: create_endpoint(
            database,
            platform_id=platform,
            url=url,
            event_types=event or [],
            description=description,
            box=SecretBox.from_settings(settings),
            policy=TargetPolicy.from_settings(settings),
        )
    )
    console.print(f"id:     {made.endpoint_id}", markup=False, highlight=False)
    console.print(f"secret: {made.secret}", markup=False, highlight=False)
    errors.print("Store the signing secret now: it is shown only once.")


@group.command("list")
def webhooks_list(
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="Only this platform's endpoints.")] = None,
) -> None:
    """List endpoints (never their secrets)."""
    from invoicegraph.services.events.endpoints import list_endpoints

    found = _run_endpoint_command(lambda database: list_endpoints(database, platform_id=platform))
    print_rows(("platform_id", "id", "url", "event_types", "status", "description", "created_at", "previous_secret_expires_at"), found)


@group.command("disable")
def webhooks_disable(endpoint_id: Annotated[str, typer.Argument(help="The endpoint's id (whep_…).")]) -> None:
    """Disable an endpoint: nothing more is sent to it; its pending deliveries fail (re-send them with `resend`)."""
    from invoicegraph.services.events.endpoints import disable_endpoint

    failed = _run_endpoint_command(lambda database: disable_endpoint(database, endpoint_id))
    console.print(f"disabled {endpoint_id} ({failed} pending deliveries failed)")


@group.command("enable")
def webhooks_enable(endpoint_id: Annotated[str, typer.Argument(help="The endpoint's id (whep_…).")]) -> None:
    """Enable a disabled endpoint again (for events from now on)."""
    from invoicegraph.services.events.endpoints import enable_endpoint

    _run_endpoint_command(lambda database: enable_endpoint(database, endpoint_id))
    console.print(f"enabled {endpoint_id}")


@group.command("rotate-secret")
def webhooks_rotate_secret(
    endpoint_id: Annotated[str, typer.Argument(help="The endpoint's id (whep_…).")],
    keep_previous_hours: Annotated[
        float, typer.Option(min=0, help="Hours the old secret also signs, so receivers can switch without a gap (0: not at all).")
    ] = 24,
) -> None:
    """Give an endpoint a new signing secret, printed once."""
    from invoicegraph.services.events.endpoints import rotate_secret
    from invoicegraph.services.events.signing_secrets import SecretBox

    box = SecretBox.from_settings(checked_settings())
    made = _run_endpoint_command(
        lambda database: rotate_secret(database, endpoint_id, box=box, keep_previous=timedelta(hours=keep_previous_hours))
    )
    console.print(f"secret: {made.secret}", markup=False, highlight=False)
    errors.print("Store the signing secret now: it is shown only once.")


@group.command("deliveries")
def webhooks_deliveries(
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="Only this platform's deliveries.")] = None,
    event: Annotated[str | None, typer.Option(help="Only this event's deliveries (evnt_…).")] = None,
    endpoint: Annotated[str | None, typer.Option(help="Only this endpoint's deliveries (whep_…).")] = None,
    status: Annotated[str | None, typer.Option(help="PENDING, SUCCEEDED or FAILED.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 50,
    attempts: Annotated[bool, typer.Option(help="List every attempt (status, latency, error) instead.")] = False,
) -> None:
    """List deliveries, newest first, or their attempts."""
    from invoicegraph.services.events.deliveries import STATUSES, DeliveryFilter, list_deliveries

    if status is not None and status not in STATUSES:
        errors.print(f"[red]--status must be one of {', '.join(STATUSES)}[/red]")
        raise typer.Exit(2)
    where = DeliveryFilter(event_id=event, endpoint_id=endpoint, statuses=(status,) if status else ())
    found = _run_endpoint_command(lambda database: list_deliveries(database, platform_id=platform, where=where, limit=limit))
    if attempts:
        rows = [{"delivery_id": d["id"], "event_id": d["event_id"], **a} for d in found for a in d["attempts"]]
        print_rows(("delivery_id", "event_id", "number", "started_at", "outcome", "status_code", "latency_ms", "error"), rows)
        return
    print_rows(
        (
            "platform_id",
            "id",
            "event_id",
            "endpoint_id",
            "invoice_id",
            "version",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_error",
        ),
        found,
    )


@group.command("resend")
def webhooks_resend(
    event_id: Annotated[str, typer.Argument(help="The event's id (evnt_…).")],
    endpoint: Annotated[str | None, typer.Option(help="Only to this endpoint (whep_…).")] = None,
) -> None:
    """Send a finished event again (its failed or succeeded deliveries), with a new retry window."""
    from invoicegraph.services.events.deliveries import resend

    retry_for = timedelta(hours=checked_settings().webhook_retry_hours)
    queued = _run_endpoint_command(lambda database: resend(database, event_id, retry_for=retry_for, endpoint_id=endpoint))
    if not queued:
        errors.print(f"[red]no finished delivery of {event_id} to send again[/red]")
        raise typer.Exit(1)
    console.print(f"queued {queued} deliveries of {event_id}")


_Result = TypeVar("_Result")


def _run_endpoint_command(action: Callable[[Database], Awaitable[_Result]]) -> _Result:
    """Run one webhook command against the database; a refused request is a clean error line and exit 1."""
    from invoicegraph.services.events.endpoints import EndpointProblem
    from invoicegraph.services.events.signing_secrets import SecretUnavailable

    async def run() -> _Result:
        database = open_database()
        try:
            return await action(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except (EndpointProblem, SecretUnavailable, ValueError) as problem:
        errors.print(f"[red]{problem}[/red]", highlight=False)
        raise typer.Exit(1) from problem
