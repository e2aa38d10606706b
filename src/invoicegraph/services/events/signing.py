"""Webhook signatures, as Stripe signs: an HMAC-SHA256 of `timestamp.body` in a header with the timestamp.

    Invoicegraph-Signature: t=1764950400,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

The key is the endpoint's signing secret (`whsec_…`, the whole string as UTF-8 bytes). The timestamp is
the attempt's, in Unix seconds, and is part of what is signed: a receiver that refuses timestamps older
than a few minutes refuses a replayed request. Right after a secret rotation the header carries one `v1=`
per secret still valid (the new one first), so a receiver may verify with either (docs/events.md).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

SIGNATURE_HEADER = "Invoicegraph-Signature"
EVENT_ID_HEADER = "Invoicegraph-Event-Id"
EVENT_TYPE_HEADER = "Invoicegraph-Event-Type"
# What docs/events.md recommends a receiver accepts between the signed timestamp and its own clock.
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `timestamp.body` keyed with `secret`."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """The header value: `t=<timestamp>` and one `v1=<signature>` per secret."""
    return ",".join([f"t={timestamp}", *(f"v1={signature(secret, timestamp, body)}" for secret in secrets)])


def verify(header: str, body: bytes, secret: str, *, now: float | None = None, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: a `v1` matches the body signed with `secret`, and the timestamp is recent."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
