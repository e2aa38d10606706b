"""The invoice's REST body stored in the shape it is served, with gaps where live records go.

`GET /v1/invoices/{id}` answers the vendor's Invoice JSON (records/vendor_json.py). Everything in it
is a function of the invoice's row except the live records it embeds: the customers, meter values and
credit types it keeps by id, and the payment acceptor of each payment action. So every write of an
invoice row also stores `served_form` of it: the body's bytes with those places left empty, and where
each place is (a byte offset, what goes there, the ids). A read fills the places with the records as
they are now (`served_body`) and decodes nothing of the invoice: no JSON decoding of its document,
no projection into the vendor's shape, no encoding of it again.

The bytes are exactly `orjson.dumps(vendor_body(…))` of the same invoice and records: the property
tests hold the two together. `SERVED_FORMAT` names the shape: a change to the vendor projection bumps
it, and a row stored under another format, or written since by a release that does not store this form
(its version moved on), is answered from its document as before until it is filled (rest/vendor.py,
db/served_fill.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from invoicegraph.records.vendor_json import EMBEDDED_BY_ID, FIELDS, Body, embedded_ids, embedded_record, vendor_acceptor, vendor_body

# Bump with any change to what records/vendor_json.py makes of an invoice (tests/unit/records/test_served.py
# compares the two): a stored row of an older format is served from its document until
# `invoicegraph migrate` stores it again (db/served_fill.py).
SERVED_FORMAT = 1

# What fills a place: one of EMBEDDED_BY_ID's lists, or the payment acceptor of one payment action.
ACCEPTOR = "payment_acceptor"
# An action encoded with a null acceptor ends in this: the acceptor's place is just before "null}".
_NULL_ACCEPTOR_END = b"null}"

Place = tuple[int, str, list[str]]  # (byte offset, kind, ids)


def served_form(invoice: Body) -> tuple[bytes, dict[str, Any]]:
    """The vendor body of `invoice` without its live records, and the places they go.

    Returns the bytes and `{"format": SERVED_FORMAT, "version": …, "places": [[offset, kind, ids], …]}`
    (`version`: the invoice's, so that a write of the row that did not store its served form, by a
    release before it, is told apart), offsets
    ascending; `kind` is a key of EMBEDDED_BY_ID (ids: the invoice's ids for it, in order; an empty
    list is written as `[]`, with no place) or ACCEPTOR (ids: the one acceptor id of a payment action).
    An invoice with no places is served as stored, without a read of any record.
    """
    body = vendor_body(invoice, {name: [] for name in EMBEDDED_BY_ID}, {})
    parts: list[bytes] = [b"{"]
    size = 1
    places: list[Place] = []
    for index, name in enumerate(FIELDS):
        key = (b'"' if index == 0 else b',"') + name.encode() + b'":'
        parts.append(key)
        size += len(key)
        value = body[name]
        ids = embedded_ids(invoice, name) if name in EMBEDDED_BY_ID else None
        if ids:
            places.append((size, name, ids))
            continue
        if name == "payment_actions" and value:
            encoded, action_places = _actions(value, size)
            places += action_places
        else:
            encoded = orjson.dumps(value)
        parts.append(encoded)
        size += len(encoded)
    parts.append(b"}")
    return b"".join(parts), {"format": SERVED_FORMAT, "version": invoice.get("version"), "places": places}


def _actions(actions: list[Body], start: int) -> tuple[bytes, list[Place]]:
    """The payment actions (each with a null `payment_acceptor`, its last key) and the acceptors' places."""
    parts: list[bytes] = [b"["]
    size = start + 1
    places: list[Place] = []
    for index, action in enumerate(actions):
        if index:
            parts.append(b",")
            size += 1
        encoded = orjson.dumps(action)
        acceptor_id = action.get("payment_acceptor_id")
        if acceptor_id and encoded.endswith(_NULL_ACCEPTOR_END):
            head = encoded[: -len(_NULL_ACCEPTOR_END)]
            places.append((size + len(head), ACCEPTOR, [acceptor_id]))
            encoded = head + b"}"
        parts.append(encoded)
        size += len(encoded)
    parts.append(b"]")
    return b"".join(parts), places


def wanted_ids(places: list[Place]) -> dict[str, list[str]]:
    """The ids each kind of place asks for, in order, once each."""
    wanted: dict[str, dict[str, None]] = {}
    for _, kind, ids in places:
        wanted.setdefault(kind, {}).update(dict.fromkeys(ids))
    return {kind: list(ids) for kind, ids in wanted.items()}


def served_body(served: bytes, places: list[Place], found: Mapping[str, Mapping[str, Body]]) -> bytes:
    """The vendor body: `served` with each place filled from `found` (kind → id → live record).

    An embedded list keeps the records that exist, in the invoice's order; an action's acceptor that
    does not exist is null (as vendor_body does).
    """
    parts: list[bytes] = []
    last = 0
    for offset, kind, ids in places:
        parts.append(served[last:offset])
        records = found.get(kind, {})
        if kind == ACCEPTOR:
            record = records.get(ids[0])
            parts.append(b"null" if record is None else orjson.dumps(vendor_acceptor(record)))
        else:
            parts.append(orjson.dumps([embedded_record(records[i]) for i in ids if i in records]))
        last = offset
    parts.append(served[last:])
    return b"".join(parts)
