"""Query parameters of the REST routes: each route names the ones it takes, and each is read strictly.

A parameter a route does not take is `INVALID_FIELD` naming it: a misspelt filter (`?customerid=…`)
must not silently list every invoice, nor a misspelt `?dryrun=true` run a real, audited refresh. A value
that is not exactly what the parameter takes is `INVALID_FIELD` naming the parameter, never a guess and
never a 500. Messages show what was sent through `reflected()` (JSON, shortened).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime

from starlette.requests import Request

from invoicegraph.billing.instants import parse_instant
from invoicegraph.errors import InvalidField, reflected
from invoicegraph.services.refresh.types import checked_id_length

# OFFSET is a signed 64-bit integer on SQLite and PostgreSQL: a page beyond it cannot be asked for.
MAX_OFFSET = 2**63 - 1
_BOOLEANS = {"true": True, "false": False}


def reject_unknown(request: Request, allowed: Collection[str]) -> None:
    """Refuse the first (by name) query parameter the route does not take."""
    unknown = sorted(set(request.query_params) - set(allowed))
    if unknown:
        takes = ", ".join(f"`{name}`" for name in sorted(allowed))
        raise InvalidField(f"Unknown query parameter {reflected(unknown[0])}; this route takes {takes}.", field=unknown[0])


def one(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise InvalidField(f"`{name}` may be given once.", field=name)
    return values[0] if values else None


def whole_number(request: Request, name: str, *, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum`, in ASCII digits only.

    Python's int() also takes "５" (full-width), "٢" (Arabic-Indic), "5_0" and surrounding spaces; a
    client that sends those has a bug we should report, not a number we should guess.
    """
    raw = one(request, name)
    if raw is None:
        return default
    digits = raw.lstrip("0") or "0"
    # More digits than `maximum` has is out of range: no need to convert (int() refuses > 4,300 digits).
    if raw.isascii() and raw.isdigit() and len(digits) <= len(str(maximum)) and 1 <= int(digits) <= maximum:
        return int(digits)
    raise InvalidField(f"`{name}` must be a whole number from 1 to {maximum} (ASCII digits), got {reflected(raw)}.", field=name)


def page_number(request: Request, limit: int) -> int:
    """`page` (from 1), bounded so that its offset, (page - 1) × limit, fits OFFSET's 64 bits."""
    return whole_number(request, "page", default=1, maximum=MAX_OFFSET // limit + 1)


def boolean(request: Request, name: str) -> bool | None:
    raw = one(request, name)
    if raw is None:
        return None
    if raw.lower() not in _BOOLEANS:
        raise InvalidField(f"`{name}` must be true or false, got {reflected(raw)}.", field=name)
    return _BOOLEANS[raw.lower()]


def identifier(request: Request, name: str) -> str | None:
    """An id filter: not empty, and no longer than any id can be (else it could only ever match nothing)."""
    raw = one(request, name)
    if raw is None:
        return None
    if not raw.strip():
        raise InvalidField(f"`{name}` must not be empty.", field=name)
    return checked_id_length(raw, name)


# RFC 3339 with whole seconds and an offset ("T" and "Z" may be lower case, as RFC 3339 allows).
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})", re.IGNORECASE)


def _instant(text: str) -> datetime:
    if _INSTANT.fullmatch(text) is None:
        raise ValueError(text)
    return parse_instant(text.upper())


def instant_range(request: Request, name: str) -> tuple[datetime | None, datetime | None]:
    """A half-open range `name=[from,to]` of RFC 3339 instants: `from` included, `to` excluded.

    The vendor's date-range form (docs/rest.md) with the GraphQL filter's meaning
    (`DateTimeRange`: [from, to)), so that a month is `[2026-11-01T00:00:00Z,2026-12-01T00:00:00Z]`
    and consecutive ranges never count an invoice twice. Either bound may be left empty (open).
    """
    raw = one(request, name)
    if raw is None:
        return None, None
    form = f"`{name}` must be [from,to] with RFC 3339 instants (whole seconds, with Z or an offset; send + as %2B)"
    if not (raw.startswith("[") and raw.endswith("]")) or raw.count(",") != 1:
        raise InvalidField(f"{form}, got {reflected(raw)}.", field=name)
    bounds: list[datetime | None] = []
    for part in raw[1:-1].split(","):
        try:
            bounds.append(_instant(part.strip()) if part.strip() else None)
        except ValueError:
            raise InvalidField(f"{form}, got {reflected(part)}.", field=name) from None
    start, end = bounds
    if start is not None and end is not None and end <= start:
        raise InvalidField(f"`{name}`: `to` must be after `from` (`to` is excluded).", field=name)
    return start, end
