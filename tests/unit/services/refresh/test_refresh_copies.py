"""What a refresh computes around the engine: the footnote, custom field ids, the local amounts' rates."""

from __future__ import annotations

from typing import Any

from .support_refresh import invoice, party, refresh, sources, total

SE_RATE = {
    "id": "txrt_se",
    "country": "SE",
    "category": "STANDARD",
    "percentage": "25",
    "name": "Moms",
    "valid_from": "1990-07-01T00:00:00Z",
}
EUR_SEK = {
    "id": "fxrt_1",
    "base_currency": "EUR",
    "currency": "SEK",
    "rate": "11.2345",
    "rate_timestamp": "2026-11-28T00:00:00Z",
    "source": "ECB",
}
SE_ENTITY = party("enti_1", "NL", tax_registrations=[{"id": "txrg_se", "registered_address": {"country": "SE"}}])


def local_total(stored: dict[str, Any]) -> str:
    return str(stored["tax_summary"]["local_amounts"]["total_amount"]["quantity"])


def test_9_19_the_platform_footnote_is_the_invoice_footnote_unless_it_has_its_own() -> None:
    found = sources("NL", "NL", currency="EUR", platform_settings={"footnote": "Thank you."})
    stored = refresh(invoice("EUR"), found)
    assert stored["footnote"] == "Thank you."
    # It follows the platform's default, on any refresh.
    changed = sources("NL", "NL", currency="EUR", platform_settings={"footnote": "Pay within 30 days."})
    assert refresh(stored, changed, "PO_NUMBER")["footnote"] == "Pay within 30 days."
    assert refresh(stored, sources("NL", "NL", currency="EUR"), "PO_NUMBER")["footnote"] is None
    # The invoice's own footnote wins and stays.
    own = refresh(invoice("EUR", footnote="Net 14."), found)
    assert own["footnote"] == "Net 14."
    assert refresh(own, changed, "PO_NUMBER")["footnote"] == "Net 14."


def test_custom_field_ids_name_the_field_given_or_derived_from_its_reference() -> None:
    customer = party("cust_1", "NL", custom_fields=[{"reference": "cost_center", "value": "CC-42"}, {"id": "cfld_given", "reference": "x"}])
    subscription = {"custom_fields": [{"reference": "cost_center", "value": "CC-7"}]}
    stored = refresh(invoice("EUR"), sources("NL", "NL", currency="EUR", customer=customer, subscription=subscription), "CUSTOM_FIELD")
    derived_id = stored["custom_fields"][0]["id"]
    assert derived_id.startswith("cfld_")
    assert len(derived_id) == len("cfld_") + 24
    assert stored["custom_fields"][1]["id"] == "cfld_given"
    # The same field on another record has the same id: it is the field's id, not the value's.
    assert stored["other_custom_fields"][0]["id"] == derived_id
    assert stored["other_custom_fields"][0]["resource"] == {"type": "PRICING_PLAN_SUBSCRIPTION", "id": "psub_1"}


def test_local_amounts_keep_their_rate_until_a_full_refresh() -> None:
    found = sources("NL", "SE", currency="EUR", entity=SE_ENTITY, tax_rates=[SE_RATE], exchange_rates=[EUR_SEK])
    stored = refresh(invoice("EUR"), found)
    assert (total(stored), local_total(stored)) == ("125.00", "1404.31")  # 125.00 × 11.2345 = 1404.3125
    # A rate of Nov 30 is now the latest before the period's end: only FULL reads it (125.00 × 11.5 = 1437.50).
    newer = {**EUR_SEK, "id": "fxrt_2", "rate": "11.5", "rate_timestamp": "2026-11-30T00:00:00Z"}
    moved = sources("NL", "SE", currency="EUR", entity=SE_ENTITY, tax_rates=[SE_RATE], exchange_rates=[EUR_SEK, newer])
    assert local_total(refresh(stored, moved, "TAX_RATES")) == "1404.31"
    assert local_total(refresh(stored, moved, "FULL")) == "1437.50"


def test_a_missing_local_rate_holds_the_invoice() -> None:
    found = sources("NL", "SE", currency="EUR", entity=SE_ENTITY, tax_rates=[SE_RATE])
    stored = refresh(invoice("EUR"), found)
    assert stored["on_hold"] is True
    assert stored["tax_summary"]["local_amounts"] is None
    assert [entry["status"] for entry in stored["validation_result"]] == ["ERROR"]
    fixed = refresh(
        stored, sources("NL", "SE", currency="EUR", entity=SE_ENTITY, tax_rates=[SE_RATE], exchange_rates=[EUR_SEK]), "PO_NUMBER"
    )
    assert fixed["on_hold"] is False
    assert local_total(fixed) == "1404.31"
