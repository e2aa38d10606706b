"""Ids the service makes: records it writes (`rfsh_…`, `evnt_…`) and request ids (`reqr_…`).

Random, not sequential: an id tells nothing about how many others exist, on any platform.
"""

from __future__ import annotations

import re
import secrets

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"^reqr_[A-Za-z0-9_-]{1,64}$")


def new_id(prefix: str) -> str:
    """A new record id with the vendor's kind prefix (`rfsh_3f2a…`)."""
    return f"{prefix}_{secrets.token_hex(10)}"


def new_request_id() -> str:
    return "reqr_" + secrets.token_hex(12)


def request_id_of(incoming: str | None) -> str:
    """The client's `X-Request-ID` when it is one of ours in form (`reqr_…`), else a new one.

    Anything else a client sends is not echoed: it would reach log lines and error messages.
    """
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return new_request_id()
