"""Which server ran what: the statement counters of a `Database`'s engines, primary and replicas.

`Database.counter` counts the primary's statements and each replica has its own (`Replica.counter`);
both include the routing's health checks, which run at a request's first read at most once per check
interval (the test settings make that once per `Database`): warm up with a request that reads before
counting. On a backend without replicas every statement is the primary's.
"""

from __future__ import annotations

from dataclasses import dataclass

from invoicegraph.db.engine import Database


@dataclass(frozen=True)
class Statements:
    """Statements counted on the primary and on the replicas (all of them together)."""

    primary: int
    replica: int

    @classmethod
    def of(cls, database: Database) -> Statements:
        return cls(database.counter.total, sum(replica.counter.total for replica in database.replicas.replicas))

    def __sub__(self, earlier: Statements) -> Statements:
        return Statements(self.primary - earlier.primary, self.replica - earlier.replica)

    @property
    def total(self) -> int:
        return self.primary + self.replica


def assert_read_where_routed(database: Database, spent: Statements, *, credential_checks: int = 1) -> None:
    """A query's (or REST GET's) statements ran where the routing sends them.

    With replicas, the primary ran only the credential check(s) and a replica everything else; without,
    the primary ran everything.
    """
    if database.replicas.replicas:
        assert spent.primary == credential_checks, f"only the credential check on the primary: {spent}"
        assert spent.replica > 0, f"the data from a replica: {spent}"
    else:
        assert spent.replica == 0, spent


def assert_written_on_primary(spent: Statements) -> None:
    """A mutation (or REST POST), the reads of its response included, ran on the primary alone."""
    assert spent.primary > 0, spent
    assert spent.replica == 0, f"a write request never reads a replica: {spent}"
