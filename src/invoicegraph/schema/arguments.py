"""Helpers for field arguments."""

from __future__ import annotations

import strawberry

DEFAULT_PAGE_SIZE = 25


def page_size(first: int | None) -> int:
    """`first: Int = 25` is nullable in the SDL; an explicit null means the default."""
    return DEFAULT_PAGE_SIZE if first is None or first is strawberry.UNSET else first
