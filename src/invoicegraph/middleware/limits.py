"""Fairness: what one caller may take of a process, so that one tenant cannot stall the others.

Per process, in memory, checked before a request does any work:

- **requests in flight**: at most `INVOICEGRAPH_MAX_IN_FLIGHT_PER_CREDENTIAL` per credential and
  `INVOICEGRAPH_MAX_IN_FLIGHT_PER_PLATFORM` per platform run at once; one more is refused at once (never
  queued: a flood costs its sender, not everyone's queue);
- **request rate**: a token bucket per credential and one per platform
  (`INVOICEGRAPH_RATE_LIMIT_PER_CREDENTIAL`, `INVOICEGRAPH_RATE_LIMIT_PER_PLATFORM`, requests per second;
  bursts of twice that);
- **cost**: a GraphQL operation weighs its complexity (the fields its answer can hold, what
  `INVOICEGRAPH_MAX_COMPLEXITY` bounds). A platform's operations running at once may weigh at most
  `INVOICEGRAPH_MAX_IN_FLIGHT_COST_PER_PLATFORM` together (any number of light ones, a couple of heavy
  ones; one alone always runs), and each is charged to the platform's bucket of
  `INVOICEGRAPH_COST_LIMIT_PER_PLATFORM` per second, so heavy queries run out long before light ones
  (graphql/endpoint.py charges it once the document validated). A heavy answer is built in steps that
  hold the event loop for up to a few hundred milliseconds each: how many run at once is what decides
  the others' latency;
- **failed credentials**: `INVOICEGRAPH_AUTH_FAILURES_PER_MINUTE` per client address; past it, a request
  from that address that presents a credential is refused before the credential is looked up, unless the
  same credential was accepted from it within the last minutes (clients behind one proxy keep working);
- **a deadline** (`INVOICEGRAPH_REQUEST_TIMEOUT_SECONDS`): a request still running then is answered with a
  retryable 503 at once, and its work is cancelled behind the answer.

A limit refuses with HTTP 429, the code TOO_MANY_REQUESTS and `Retry-After` (when the bucket will hold
enough again), rendered by middleware/refusal.py like every refusal. The probes and /metrics are exempt.

Everything here is per process: behind a load balancer, N processes give a caller up to N times these
budgets. Nothing is shared through the database (that would cost a round trip per request); size the
settings per process, or enforce a deployment-wide budget at the gateway (docs/security.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicegraph.auth.principal import Principal
from invoicegraph.errors import ApiError, RetryableError
from invoicegraph.middleware.refusal import send_refusal
from invoicegraph.settings import Settings

# Routes no limit applies to: the probes and the metrics (the access log still counts them).
_EXEMPT = ("/healthz", "/readyz", "/metrics", "/static/")
# How many buckets (per credential, platform or address) a process keeps: the least recently used go
# first. A bucket that is dropped starts full again when its key comes back: lenient, never stricter.
MAX_BUCKETS = 100_000
# How long a credential accepted from an address stays welcome while that address is throttled.
ACCEPTED_MEMORY_SECONDS = 600.0


class TooManyRequests(ApiError):
    code = "TOO_MANY_REQUESTS"
    type = "INVALID_REQUEST"
    http_status = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))  # whole seconds, rounded up
        super().__init__(message, headers={"Retry-After": str(self.retry_after)})

    def to_extensions(self) -> dict[str, Any]:
        return {**super().to_extensions(), "retryable": True, "retryAfter": self.retry_after}


@dataclass(slots=True)
class TokenBucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    stamp: float

    def take(self, amount: float, now: float) -> float:
        """Take `amount` (0 when all it has may be taken): 0.0 when taken, else the seconds until it could be."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        wanted = min(amount, self.capacity)  # more than a full bucket: it waits for a full one
        if self.tokens >= wanted:
            self.tokens -= wanted
            return 0.0
        return (wanted - self.tokens) / self.rate


@dataclass
class Buckets:
    """Token buckets by key, the least recently used dropped beyond MAX_BUCKETS."""

    rate: float
    capacity: float
    clock: Callable[[], float]
    _buckets: OrderedDict[str, TokenBucket] = field(default_factory=OrderedDict)

    def take(self, key: str, amount: float = 1.0) -> float:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.capacity, self.capacity, now)
            if len(self._buckets) > MAX_BUCKETS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket.take(amount, now)

    def empty(self, key: str) -> float:
        """Seconds until `key` has a token again (0.0 when it has one), taking nothing."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        now = self.clock()
        tokens = min(bucket.capacity, bucket.tokens + (now - bucket.stamp) * bucket.rate)
        return 0.0 if tokens >= 1 else (1 - tokens) / bucket.rate


class CallerLimits:
    """The limits of one process (one per app), shared by its middleware and its GraphQL endpoint."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.in_flight: dict[str, int] = {}
        self.cost_in_flight: dict[str, int] = {}
        self.per_credential = Buckets(settings.rate_limit_per_credential, 2 * settings.rate_limit_per_credential, clock)
        self.per_platform = Buckets(settings.rate_limit_per_platform, 2 * settings.rate_limit_per_platform, clock)
        # A full bucket always admits one maximal operation, whatever the rate.
        cost_capacity = max(float(settings.max_complexity), 2 * settings.cost_limit_per_platform)  # float-ok: a request budget, not money
        self.cost = Buckets(settings.cost_limit_per_platform, cost_capacity, clock)
        failures = settings.auth_failures_per_minute
        self.failures = Buckets(failures / 60, failures, clock)
        self.accepted: OrderedDict[str, float] = OrderedDict()

    def admit(self, principal: Principal | None, address: str) -> Callable[[], None]:
        """Count a request in; the returned function counts it out. Raises TooManyRequests instead."""
        settings = self.settings
        if principal is None:  # anonymous: `__typename` and (in development) introspection, by address
            keys = [(f"address:{address}", settings.max_in_flight_per_credential, self.per_credential)]
        else:
            keys = [
                (f"credential:{principal.credential_id}", settings.max_in_flight_per_credential, self.per_credential),
                (f"platform:{principal.platform_id}", settings.max_in_flight_per_platform, self.per_platform),
            ]
        for key, most, _ in keys:
            if self.in_flight.get(key, 0) >= most:
                raise TooManyRequests(f"Too many requests at once for this {_kind(key)}: at most {most} run together.", retry_after=1)
        for key, _, buckets in keys:
            wait = buckets.take(key)
            if wait:
                raise TooManyRequests(f"Too many requests for this {_kind(key)}; retry after the Retry-After seconds.", retry_after=wait)
        for key, _, _ in keys:
            self.in_flight[key] = self.in_flight.get(key, 0) + 1

        def release() -> None:
            for key, _, _ in keys:
                left = self.in_flight[key] - 1
                if left:
                    self.in_flight[key] = left
                else:
                    del self.in_flight[key]

        return release

    def charge(self, principal: Principal, cost: int) -> Callable[[], None]:
        """Admit a GraphQL operation of complexity `cost` for its platform: within the platform's cost running
        at once and its cost rate. Returns what ends the operation's share; raises TooManyRequests instead."""
        key = f"platform:{principal.platform_id}"
        running = self.cost_in_flight.get(key, 0)
        most = self.settings.max_in_flight_cost_per_platform
        if running and running + cost > most:  # alone, any operation within the complexity limit may run
            raise TooManyRequests(
                f"This platform's operations running now ask for {running:,} fields, and this one for {cost:,} more: at most "
                f"{most:,} run together; retry after the Retry-After seconds, or ask for less.",
                retry_after=1,
            )
        wait = self.cost.take(key, float(cost))  # float-ok: a request budget, not money
        if wait:
            raise TooManyRequests(
                f"This platform's queries have asked for too much lately (this one: {cost:,} fields); "
                "retry after the Retry-After seconds, or ask for less.",
                retry_after=wait,
            )
        self.cost_in_flight[key] = running + cost

        def release() -> None:
            left = self.cost_in_flight[key] - cost
            if left:
                self.cost_in_flight[key] = left
            else:
                del self.cost_in_flight[key]

        return release

    # --- failed credentials ------------------------------------------------------------------------

    def refuses_credential_from(self, address: str, credential: str) -> float:
        """Seconds to wait when `address` spent its failures (0.0: let the credential be checked)."""
        wait = self.failures.empty(f"address:{address}")
        if not wait:
            return 0.0
        accepted = self.accepted.get(credential)
        return 0.0 if accepted is not None and self.clock() - accepted < ACCEPTED_MEMORY_SECONDS else wait

    def note_failure(self, address: str) -> None:
        self.failures.take(f"address:{address}")

    def note_accepted(self, credential: str) -> None:
        self.accepted[credential] = self.clock()
        self.accepted.move_to_end(credential)
        if len(self.accepted) > MAX_BUCKETS:
            self.accepted.popitem(last=False)


def _kind(key: str) -> str:
    return {"address": "client", "credential": "credential", "platform": "platform"}[key.split(":", 1)[0]]


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _exempt(scope: Scope) -> bool:
    return scope["type"] != "http" or str(scope["path"]).startswith(_EXEMPT)


class CredentialFailureThrottle:
    """Outside the auth middleware: counts refused credentials per client address, and refuses an address
    that spent its budget before its credential is looked up (see the module text)."""

    def __init__(self, app: ASGIApp, *, limits: CallerLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _exempt(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        presented = headers.get("x-api-key") or headers.get("authorization")
        if presented is None:
            await self.app(scope, receive, send)
            return
        address = _address(scope)
        credential = hashlib.sha256(presented.encode("latin-1")).hexdigest()
        wait = self.limits.refuses_credential_from(address, credential)
        if wait:
            message = "Too many refused credentials from this client; retry after the Retry-After seconds."
            await send_refusal(scope, send, TooManyRequests(message, retry_after=wait))
            return
        status = 0

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, watched)
        if status == 401:
            self.limits.note_failure(address)
        elif getattr(scope.get("state", {}).get("auth"), "principal", None) is not None:
            self.limits.note_accepted(credential)


class RequestLimitsMiddleware:
    """Inside the auth middleware (it needs the principal): in flight, rate, and the request deadline."""

    def __init__(self, app: ASGIApp, *, limits: CallerLimits, deadline: float) -> None:
        self.app = app
        self.limits = limits
        self.deadline = deadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _exempt(scope):
            await self.app(scope, receive, send)
            return
        principal = getattr(scope.get("state", {}).get("auth"), "principal", None)
        try:
            release = self.limits.admit(principal, _address(scope))
        except TooManyRequests as refused:
            await send_refusal(scope, send, refused)
            return
        await self._before_deadline(scope, receive, send, release)

    async def _before_deadline(self, scope: Scope, receive: Receive, send: Send, release: Callable[[], None]) -> None:
        """Run the request; at the deadline answer a retryable 503 at once and cancel it behind the answer.

        The work runs in the request's own task under one timer: a task per request (and `asyncio.wait`
        around it) was about 5 % of a REST GET's CPU. When the timer fires it sends the answer from a
        task of its own, so the answer does not wait for the work's clean-up, and cancels the work
        where it runs. The request's slot is released when its work has really stopped (its clean-up
        may outlast the answer), so a caller whose requests run into the deadline cannot run more than
        its share at once.
        """
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        if task is None:  # an ASGI server runs every request in a task
            raise RuntimeError("a request runs in a task")
        fired = answered = started = False
        answer: asyncio.Task[None] | None = None

        async def guarded(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the deadline's answer went out: the request's own, late, goes nowhere
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        def at_deadline() -> None:
            nonlocal fired, answered, answer
            fired = True
            if not started:
                answered = True
                error = RetryableError(
                    f"The request did not finish within {self.deadline:g} s (INVOICEGRAPH_REQUEST_TIMEOUT_SECONDS); retry, or ask for less."
                )
                answer = loop.create_task(send_refusal(scope, send, error))
            task.cancel()

        timer = loop.call_later(self.deadline, at_deadline)
        try:
            await self.app(scope, receive, guarded)
        except BaseException:
            # Cancelled from elsewhere too (the server's shutdown): that cancellation goes on. Otherwise
            # a request cancelled at its deadline may end with any error: it is answered (or cut) already.
            if not fired or task.uncancel() > 0:
                raise
        else:
            if fired:
                task.uncancel()  # the work finished despite the cancellation: it is answered already
        finally:
            timer.cancel()
            release()
        if answer is not None:
            await answer
