"""Line adjustments in the pure engine (billing/adjustments.py): properties over generated invoices."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from invoicegraph.billing import RatingInputs, rate_invoice
from invoicegraph.billing.adjustments import ADJUST, REMOVE, Adjustment, LineKey, apply_to_stored, line_key, warnings
from invoicegraph.billing.money import round_money

from .test_properties import SETTINGS, invoices


def _keyed(periods: list[dict[str, Any]]) -> dict[LineKey, dict[str, Any]]:
    found = {}
    for period in periods:
        for group in period["groups"]:
            for line in group["lines"]:
                key = line_key(period, group, line)
                if key is not None:
                    found[key] = line
    return found


def _stated(inputs: RatingInputs) -> str:
    return "amount_excluding_tax" if inputs.pricing_amount_type == "EXCLUDING_TAX" else "amount_including_tax"


@st.composite
def adjusted_invoices(draw: st.DrawFn) -> tuple[RatingInputs, list[Adjustment]]:
    inputs = draw(invoices())
    keys = sorted(_keyed(rate_invoice(inputs).derived.periods), key=repr)
    chosen = draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
    adjustments = []
    for index, key in enumerate(chosen):
        action = draw(st.sampled_from((ADJUST, ADJUST, REMOVE)))
        priced = draw(st.sampled_from(("amount", "product", "description")))
        adjustments.append(
            Adjustment(
                id=f"ladj_{index}",
                key=key,
                line_id=f"invl_{index}",
                action=action,
                by="akey_test",
                at="2026-12-01T00:00:00Z",
                amount=Decimal(draw(st.integers(-10_000, 100_000))) / 100 if priced == "amount" else None,
                quantity=Decimal(draw(st.integers(0, 5_000))) if priced == "product" else None,
                unit_price=Decimal(draw(st.integers(0, 10_000))) / 1000 if priced == "product" else None,
                description=f"edited {index}" if priced == "description" else None,
            )
        )
    return inputs, adjustments


@SETTINGS
@given(adjusted_invoices())
def test_a_rating_applies_each_edit_to_its_line_and_orphans_none(case: tuple[RatingInputs, list[Adjustment]]) -> None:
    inputs, adjustments = case
    plain = _keyed(rate_invoice(inputs).derived.periods)
    rated = rate_invoice(replace(inputs, adjustments=tuple(adjustments)))
    lines = _keyed(rated.derived.periods)
    stated = _stated(inputs)
    for adjustment in adjustments:
        if adjustment.action == REMOVE:
            assert adjustment.key not in lines
            continue
        line = lines[adjustment.key]
        original = plain[adjustment.key][stated]
        assert line["adjustment"]["original_amount"] == original
        if adjustment.amount is not None:
            expected = round_money(adjustment.amount, inputs.billing_currency)
        elif adjustment.quantity is not None and adjustment.unit_price is not None:
            expected = round_money(adjustment.quantity * adjustment.unit_price, inputs.billing_currency)
        else:
            expected = Decimal(original["quantity"])
            assert line["description"] == adjustment.description
        assert Decimal(line[stated]["quantity"]) == expected
    assert [a.orphaned for a in rated.adjustments] == [False] * len(adjustments)
    assert warnings(rated.adjustments) == []


@SETTINGS
@given(adjusted_invoices())
def test_applying_to_stored_lines_again_changes_nothing_and_no_edit_restores_the_computation(
    case: tuple[RatingInputs, list[Adjustment]],
) -> None:
    inputs, adjustments = case
    stated, currency = _stated(inputs), inputs.billing_currency
    rated = rate_invoice(replace(inputs, adjustments=tuple(adjustments))).derived.periods
    assert apply_to_stored(rated, adjustments, stated, currency) == rated
    restored = _keyed(apply_to_stored(rated, [], stated, currency))
    plain = _keyed(rate_invoice(inputs).derived.periods)
    # Removed lines stay gone until the next re-rating; every other line is its computation again.
    for key, line in restored.items():
        assert "adjustment" not in line
        assert (line[stated], line["description"]) == (plain[key][stated], plain[key]["description"])


@SETTINGS
@given(invoices())
def test_an_edit_whose_line_is_not_rated_is_orphaned_and_named(inputs: RatingInputs) -> None:
    stray = Adjustment(
        id="ladj_stray",
        key=LineKey(0, "psub_gone", "pitm_gone"),
        line_id="invl_gone",
        action=ADJUST,
        by="akey_test",
        at="2026-12-01T00:00:00Z",
        amount=Decimal(1),
    )
    rated = rate_invoice(replace(inputs, adjustments=(stray,)))
    assert [a.orphaned for a in rated.adjustments] == [True]
    assert rated.derived.periods == rate_invoice(inputs).derived.periods
    (warning,) = warnings(rated.adjustments)
    assert warning["status"] == "WARNING"
    assert all(name in warning["details"] for name in ("ladj_stray", "invl_gone", "psub_gone", "pitm_gone"))
    assert Adjustment.from_fields(stray.as_fields()) == stray
