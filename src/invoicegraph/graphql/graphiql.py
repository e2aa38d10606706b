"""The GraphiQL page, with its scripts and styles served by this service (no CDN)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def graphiql_page() -> str:
    return (files("invoicegraph") / "static" / "graphiql" / "index.html").read_text(encoding="utf-8")
