"""Read replicas: which server a request reads from, decided once per request.

A deployment may give the service read replicas (PostgreSQL streaming standbys) beside the primary
(`INVOICEGRAPH_READ_REPLICA_URLS`). `Database.for_request()` hands each request a `Route`:

- a request that must see the primary (a mutation, a REST POST, or the `x-read-consistency: primary`
  header) is routed to the primary from the start;
- any other request decides at its first read: the next usable replica in turn, else the primary.
  Every later read of the request (its DataLoaders included) uses the same server, so a response never
  mixes a replica's data with the primary's. Writing after reading from a replica is a bug, refused
  with `RoutingError`.

A replica is usable when it answered its last health check, within `max_lag` of the primary. The check
runs at most once per `check_interval` per process (concurrent requests share the one in flight) and
measures lag as the primary sees it: zero when the standby has replayed the primary's current WAL
position, else the age of the last transaction it replayed. A replica that fails to connect is down
for `retry_after` seconds. Each pass-over is counted (`skips`, the metric
`invoicegraph_db_replica_skipped_total`). A client therefore reads data at most
`max_lag + check_interval` old; docs/scaling.md states the consistency model.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

if TYPE_CHECKING:
    from invoicegraph.db.statements import StatementCounter

# The documented header for read-your-writes: `x-read-consistency: primary` reads from the primary.
CONSISTENCY_HEADER = "x-read-consistency"
PRIMARY = "primary"
_log = logging.getLogger("invoicegraph.db")
SkipReason = Literal["down", "lagging"]

_PRIMARY_POSITION = text("SELECT pg_current_wal_lsn()::text")
# Lag in seconds as the primary sees it; NULL when unknown (a standby that replayed nothing yet).
_STANDBY_LAG = text(
    """
    SELECT CASE
      WHEN NOT pg_is_in_recovery() THEN 0
      WHEN CAST(CAST(:position AS text) AS pg_lsn) IS NOT NULL AND pg_last_wal_replay_lsn() >= CAST(CAST(:position AS text) AS pg_lsn) THEN 0
      ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
    END
    """
)


class RoutingError(RuntimeError):
    """A request tried to write after reading from a replica (a bug: it would mix two servers)."""


def wants_primary(header_value: str | None) -> bool:
    """True when the request's `x-read-consistency` header asks for the primary."""
    return header_value is not None and header_value.strip().lower() == PRIMARY


@dataclass(eq=False)
class Replica:
    """One read replica: its engine, its statement counter, and what the last health check said."""

    name: str  # host:port, the metric's label (never the URL: it may carry a password)
    engine: AsyncEngine
    counter: StatementCounter
    sessions: async_sessionmaker[AsyncSession]
    lag: float | None = None  # seconds behind the primary at the last check; None: unknown
    checked_at: float = -math.inf  # time.monotonic() of the last check
    down_until: float = -math.inf
    _check: asyncio.Task[None] | None = field(default=None, repr=False)

    def mark_down(self, retry_after: float, error: BaseException) -> None:
        self.down_until = time.monotonic() + retry_after
        self.lag = None
        self.checked_at = -math.inf  # measured again once the back-off is over
        _log.warning("read replica %s is down, skipped for %.0f s: %r", self.name, retry_after, error)


@dataclass(eq=False)
class ReplicaSet:
    """The replicas of a process, their health, and the skips counted so far."""

    replicas: list[Replica]
    primary: AsyncEngine
    max_lag: float
    check_interval: float
    retry_after: float
    timeout: float
    skips: Counter[tuple[str, str]] = field(default_factory=Counter)  # (replica, reason) → count
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    async def choose(self) -> Replica | None:
        """The next usable replica (its connection just proven), or None: read from the primary."""
        if not self.replicas:
            return None
        start = next(self._turn)
        for offset in range(len(self.replicas)):
            replica = self.replicas[(start + offset) % len(self.replicas)]
            reason = await self._unusable(replica)
            if reason is None:
                try:
                    # Connect now, while falling back is still possible (nothing read yet); the
                    # connection goes back to the pool for the request's sessions.
                    async with asyncio.timeout(self.timeout), replica.engine.connect():
                        pass
                except Exception as error:  # any failure to connect: the replica is down for a while
                    replica.mark_down(self.retry_after, error)
                    reason = "down"
                else:
                    return replica
            self.skips[(replica.name, reason)] += 1
        return None

    async def check(self) -> None:
        """Measure every replica now (routing does it by itself, at most every `check_interval`)."""
        for replica in self.replicas:
            await self._measure(replica)

    async def _unusable(self, replica: Replica) -> SkipReason | None:
        now = time.monotonic()
        if now < replica.down_until:
            return "down"
        if now - replica.checked_at >= self.check_interval:
            if replica._check is None or replica._check.done():
                # In a fresh context: the check's statements belong to no request's count or trace.
                replica._check = asyncio.get_running_loop().create_task(self._measure(replica), context=contextvars.Context())
            await asyncio.shield(replica._check)
        if time.monotonic() < replica.down_until:
            return "down"
        if replica.lag is None or replica.lag > self.max_lag:
            return "lagging"
        return None

    async def _measure(self, replica: Replica) -> None:
        position: str | None = None
        try:
            async with asyncio.timeout(self.timeout), self.primary.connect() as connection:
                position = (await connection.execute(_PRIMARY_POSITION)).scalar_one()
        except Exception:  # noqa: S110  (primary unreachable: judge the standby by its replay time alone)
            pass
        try:
            async with asyncio.timeout(self.timeout), replica.engine.connect() as connection:
                lag = (await connection.execute(_STANDBY_LAG, {"position": position})).scalar_one()
        except Exception as error:  # any failure: the replica is down for a while
            replica.mark_down(self.retry_after, error)
        else:
            replica.lag = None if lag is None else float(lag)  # float-ok: replication lag in seconds, not money
            replica.down_until = -math.inf
            replica.checked_at = time.monotonic()


@dataclass(eq=False)
class Route:
    """Where one request reads: undecided, the primary, or one replica (fixed at its first read)."""

    primary_required: bool
    replica: Replica | None = None
    decided: bool = False
    _choosing: asyncio.Future[Replica | None] | None = field(default=None, repr=False)

    async def settle(self, replicas: ReplicaSet) -> None:
        """Decide at the first read; reads that start together (sibling loaders) share the decision."""
        if self.decided:
            return
        if self._choosing is None:
            self._choosing = asyncio.ensure_future(replicas.choose())
        replica = await asyncio.shield(self._choosing)
        if not self.decided:
            self.replica, self.decided = replica, True

    def use_primary(self) -> None:
        """From now on this request uses the primary; refused once it has read from a replica."""
        if self.replica is not None:
            raise RoutingError(f"this request already read from replica {self.replica.name}; it cannot use the primary too")
        self.primary_required = True
        self.decided = True

    @property
    def target(self) -> str | None:
        """`primary`, a replica's name, or None before the first read."""
        if self.replica is not None:
            return self.replica.name
        return PRIMARY if self.decided else None
