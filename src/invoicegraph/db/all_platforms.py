"""Statements that serve every platform on purpose, marked as such.

Every other statement on a tenant table names its platform (a foreign id must look like a missing one).
A few background jobs work for all platforms at once: the event dispatcher and the delivery claims
(services/events/), and the retention purge. Their statements carry this SQL comment, so a reader, a
log or `pg_stat_statements` tells them apart, and the tests' tenant guard (tests/support/tenant_guard.py)
lets exactly these through.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.sql.selectable import HasPrefixes

ALL_PLATFORMS = "/* all platforms */"

_Statement = TypeVar("_Statement", bound=HasPrefixes)


def all_platforms(statement: _Statement) -> _Statement:
    """`statement` marked as reading or writing the rows of every platform (`SELECT /* all platforms */ …`)."""
    marked: _Statement = statement.prefix_with(ALL_PLATFORMS)
    return marked
