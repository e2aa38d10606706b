"""The stored served form of an invoice, filled, is byte for byte the vendor body of it (records/served.py)."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicegraph.records.served import ACCEPTOR, SERVED_FORMAT, served_body, served_form, wanted_ids
from invoicegraph.records.vendor_json import EMBEDDED_BY_ID, FIELDS, acceptor_ids, embedded_ids, vendor_body

# Text with what moves byte offsets away from character offsets: accents, CJK, emoji, escapes.
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)
IDS = st.sampled_from(["rec_a", "rec_b", "rec_c", "rec_é", "rec_gone"])

PARTY = st.none() | st.fixed_dictionaries(
    {
        "id": TEXT,
        "type": st.sampled_from(["ORGANIZATION", "INDIVIDUAL"]),
        "legal_name": TEXT,
        "address": JSON,
        "tax_ids": st.lists(TEXT, max_size=2),
    }
)
LINE = st.fixed_dictionaries(
    {"id": TEXT, "description": TEXT, "product_id": TEXT, "amount": JSON},
    optional={"meter_value": st.none() | st.fixed_dictionaries({"id": TEXT, "meter_value_id": TEXT, "number": TEXT})},
)
PERIODS = st.lists(
    st.fixed_dictionaries({"start_at": TEXT, "groups": st.lists(st.fixed_dictionaries({"lines": st.lists(LINE, max_size=3)}), max_size=2)}),
    max_size=2,
)
ACTION = st.fixed_dictionaries(
    {"type": TEXT},
    optional={"payment_acceptor_id": st.none() | st.just("") | IDS, "payment_acceptor": JSON, "note": TEXT},
)
# The fields the projection maps (the rest are copied as they are).
SHAPED = {"customer_details", "billing_entity_details", "periods", "payment_actions", *EMBEDDED_BY_ID.values()}
INVOICE = st.fixed_dictionaries(
    {
        "customer_details": PARTY,
        "billing_entity_details": PARTY,
        "periods": st.none() | PERIODS,
        "payment_actions": st.none() | st.lists(ACTION, max_size=4),
        **{ids: st.none() | st.lists(IDS, max_size=4) for ids in EMBEDDED_BY_ID.values()},
    },
    optional={name: JSON for name in FIELDS if name not in SHAPED and name not in EMBEDDED_BY_ID},
)
RECORD = st.fixed_dictionaries({"platform_id": TEXT, "name": TEXT, "data": JSON})
# The live records that exist: some of the ids, each kind its own.
FOUND = st.fixed_dictionaries({kind: st.dictionaries(IDS, RECORD, max_size=5) for kind in (*EMBEDDED_BY_ID, ACCEPTOR)})


def _expected(invoice: dict[str, Any], found: dict[str, dict[str, dict[str, Any]]]) -> bytes:
    """What the projection makes of the invoice with these records (what REST served before)."""
    with_ids = {kind: {i: {**record, "id": i} for i, record in records.items()} for kind, records in found.items()}
    embedded = {name: [with_ids[name][i] for i in embedded_ids(invoice, name) if i in with_ids[name]] for name in EMBEDDED_BY_ID}
    acceptors = {i: with_ids[ACCEPTOR][i] for i in acceptor_ids(invoice) if i in with_ids[ACCEPTOR]}
    return orjson.dumps(vendor_body(invoice, embedded, acceptors))


def _filled(invoice: dict[str, Any], found: dict[str, dict[str, dict[str, Any]]]) -> bytes:
    served, shape = served_form(invoice)
    assert shape["format"] == SERVED_FORMAT
    # Stored as JSON and read back: the places survive the column's round trip.
    places = orjson.loads(orjson.dumps(shape))["places"]
    wanted = wanted_ids(places)
    with_ids = {kind: {i: {**record, "id": i} for i, record in found[kind].items() if i in wanted.get(kind, [])} for kind in found}
    return served_body(served, places, with_ids)


@settings(max_examples=300, deadline=None)
@given(INVOICE, FOUND)
def test_the_filled_form_is_the_projection_byte_for_byte(invoice: dict[str, Any], found: dict[str, dict[str, dict[str, Any]]]) -> None:
    assert _filled(invoice, found) == _expected(invoice, found)


@given(INVOICE)
def test_places_are_ascending_and_name_only_ids_the_invoice_keeps(invoice: dict[str, Any]) -> None:
    served, shape = served_form(invoice)
    offsets = [offset for offset, _, _ in shape["places"]]
    assert offsets == sorted(offsets)
    assert all(0 < offset < len(served) for offset in offsets)
    for _, kind, ids in shape["places"]:
        assert ids, "an empty list is written in place, not left to fill"
        kept = acceptor_ids(invoice) if kind == ACCEPTOR else embedded_ids(invoice, kind)
        assert set(ids) <= set(kept)


def test_an_invoice_without_live_records_is_served_as_stored() -> None:
    invoice = {"id": "invo_1", "notes": ["naïve — ✓"], "payment_actions": [{"type": "CARD", "payment_acceptor_id": None}]}
    served, shape = served_form(invoice)
    assert shape["places"] == []
    assert served == orjson.dumps(vendor_body(invoice, {name: [] for name in EMBEDDED_BY_ID}, {}))


def test_a_stored_acceptor_key_on_an_action_gives_way_to_the_live_acceptor() -> None:
    invoice = {"id": "invo_1", "payment_actions": [{"payment_acceptor": {"stale": True}, "payment_acceptor_id": "paya_1", "type": "CARD"}]}
    found = {ACCEPTOR: {"paya_1": {"id": "paya_1", "platform_id": "plat", "name": "Bank"}}}
    body = orjson.loads(_filled(invoice, {**{name: {} for name in EMBEDDED_BY_ID}, **found}))
    assert body["payment_actions"] == [
        {"payment_acceptor_id": "paya_1", "type": "CARD", "payment_acceptor": {"id": "paya_1", "name": "Bank"}}
    ]
