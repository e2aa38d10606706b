"""Signatures as docs/events.md describes them: HMAC-SHA256 of `timestamp.body`, checked for age."""

from __future__ import annotations

import hashlib
import hmac
import time

from invoicegraph.services.events.signing import signature_header, verify
from tests.support.receiver import documented_verify

SECRET = "whsec_test-secret"
BODY = b'{"id":"evnt_1","type":"INVOICE.UPDATED"}'


def test_the_header_carries_the_timestamp_and_the_hmac_of_timestamp_dot_body() -> None:
    header = signature_header([SECRET], 1764950400, BODY)
    expected = hmac.new(SECRET.encode(), b"1764950400." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1764950400,v1={expected}"


def test_a_receiver_accepts_a_fresh_signature_with_either_secret_during_a_rotation() -> None:
    now = int(time.time())
    header = signature_header(["whsec_new", SECRET], now, BODY)
    assert header.count("v1=") == 2
    assert verify(header, BODY, SECRET)
    assert verify(header, BODY, "whsec_new")
    assert documented_verify(header, BODY, SECRET)
    assert documented_verify(header, BODY, "whsec_new")


def test_a_receiver_refuses_another_body_another_secret_or_an_old_timestamp() -> None:
    now = int(time.time())
    header = signature_header([SECRET], now, BODY)
    assert not verify(header, BODY + b" ", SECRET)
    assert not verify(header, BODY, "whsec_other")
    replayed = signature_header([SECRET], now - 301, BODY)
    assert not verify(replayed, BODY, SECRET)
    assert not documented_verify(replayed, BODY, SECRET)
    assert not verify("v1=abc", BODY, SECRET)
    assert not verify("t=abc,v1=abc", BODY, SECRET)
