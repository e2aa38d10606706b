"""Coupons and promotion codes (docs/billing-decisions.md): which apply, and the discount they give.

A coupon is attached to a subscription directly (`coupon_ids`) or through a promotion code
(`promotion_code_ids`); coupons of `coupon_ids` come first, each list in its order. A coupon applies
at most once per subscription and period (a second attachment of the same coupon is ignored).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, localcontext

from invoicegraph.billing.currency import convert
from invoicegraph.billing.distribution import distribute_proportionally
from invoicegraph.billing.inputs import BillingPeriod, Coupon, ExchangeRate, PromotionCode, Subscription
from invoicegraph.billing.money import CONTEXT, round_money


@dataclass(frozen=True)
class Attachment:
    coupon: Coupon
    promotion_code: PromotionCode | None = None


def attachments(
    subscription: Subscription,
    coupons: Mapping[str, Coupon],
    promotion_codes: Mapping[str, PromotionCode],
    customer_id: str,
) -> list[Attachment]:
    """The subscription's coupons in application order; unknown ids, inactive codes and codes limited to
    other customers are left out."""
    found: list[Attachment] = [Attachment(coupons[cid]) for cid in subscription.coupon_ids if cid in coupons]
    for code_id in subscription.promotion_code_ids:
        code = promotion_codes.get(code_id)
        if code is None or code.coupon_id not in coupons or code.status != "ACTIVE":
            continue
        if code.limited_to_customer_ids and customer_id not in code.limited_to_customer_ids:
            continue
        found.append(Attachment(coupons[code.coupon_id], code))
    unique: dict[str, Attachment] = {}
    for attachment in found:
        unique.setdefault(attachment.coupon.id, attachment)
    return list(unique.values())


@dataclass(frozen=True)
class PeriodFacts:
    """Where a period sits, for coupon durations."""

    index: int  # position of the period on the invoice
    start_at: datetime
    end_at: datetime
    invoice_id: str
    invoice_start_at: datetime  # start of the invoice's first period


def applies(attachment: Attachment, subscription: Subscription, period: PeriodFacts, redeemed: frozenset[str]) -> bool:
    coupon, code = attachment.coupon, attachment.promotion_code
    if coupon.status != "ACTIVE" or not _in_window(coupon.start_at, coupon.end_at, period.end_at):
        return False
    if not _below_limit(coupon.id, coupon.maximum_redemptions, coupon.number_of_redemptions, redeemed):
        return False
    if code is not None and not (
        _in_window(code.start_at, code.end_at, period.end_at)
        and _below_limit(code.id, code.maximum_redemptions, code.number_of_redemptions, redeemed)
    ):
        return False
    is_first_invoice = subscription.first_invoice_id in (None, period.invoice_id)
    if coupon.duration_type == "FOREVER":
        return True
    if coupon.duration_type == "PERIOD" and coupon.duration_period is not None:
        first_start = subscription.first_invoice_start_at or period.invoice_start_at
        return period.start_at < add_period(first_start, coupon.duration_period)
    # ONE_TIME (and a PERIOD without a length): the first period of the first invoice only.
    return is_first_invoice and period.index == 0


def _in_window(start_at: datetime | None, end_at: datetime | None, at: datetime) -> bool:
    return (start_at is None or start_at <= at) and (end_at is None or at < end_at)


def _below_limit(resource_id: str, maximum: int | None, count: int, redeemed: frozenset[str]) -> bool:
    # A redemption this invoice already holds does not count against it when it is re-rated.
    return maximum is None or count - (1 if resource_id in redeemed else 0) < maximum


def add_period(start: datetime, period: BillingPeriod) -> datetime:
    """`start` plus `period` on the calendar (month ends clamp: Jan 31 + 1 month = Feb 28/29)."""
    if period.type == "DAY":
        return start + timedelta(days=period.value)
    if period.type == "WEEK":
        return start + timedelta(weeks=period.value)
    months = period.value * (12 if period.type == "YEAR" else 1)
    if period.type not in ("MONTH", "YEAR"):
        raise ValueError(f"unknown period type {period.type!r}")
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class EligibleLine:
    """A REVENUE line as coupons see it."""

    product_id: str | None
    pricing_item_id: str | None
    product_category_id: str | None
    tax_category: str
    amount: Decimal


@dataclass(frozen=True)
class DiscountPart:
    """One DISCOUNT line: a coupon's discount on the eligible lines of one tax category."""

    attachment: Attachment
    tax_category: str
    amount: Decimal  # <= 0, in the billing currency
    pricing_currency: str | None = None  # the coupon's currency when it differs from the billing one
    pricing_amount: Decimal | None = None
    rate: ExchangeRate | None = None


def is_eligible(coupon: Coupon, line: EligibleLine) -> bool:
    limits = (coupon.limited_to_product_ids, coupon.limited_to_product_item_ids, coupon.limited_to_product_category_ids)
    if not any(limits):
        return True
    return (
        line.product_id in coupon.limited_to_product_ids
        or line.pricing_item_id in coupon.limited_to_product_item_ids
        or line.product_category_id in coupon.limited_to_product_category_ids
    )


def discount_group(
    lines: Sequence[EligibleLine],
    applicable: Sequence[Attachment],
    currency: str,
    rates: Sequence[ExchangeRate],
    at: datetime,
) -> list[DiscountPart]:
    """Apply `applicable` in order, each to what remains of its eligible lines (never below zero).

    `lines` are the group's REVENUE lines. What remains eligible is the net of a coupon's eligible
    lines (a negative line, say a credit priced as a negative flat fee, counts against it), and no
    discount takes the group's net below zero (docs/billing-decisions.md). The discount is spread over the
    eligible lines that still have something left, in proportion to it.
    """
    remaining = [line.amount for line in lines]
    parts: list[DiscountPart] = []
    with localcontext(CONTEXT):
        for attachment in applicable:
            coupon = attachment.coupon
            covered = [i for i, line in enumerate(lines) if is_eligible(coupon, line)]
            eligible_total = sum((remaining[i] for i in covered), Decimal(0))
            cap = min(eligible_total, sum(remaining, Decimal(0)))  # never below zero: the group's net too
            eligible = [i for i in covered if remaining[i] > 0]
            if cap <= 0 or not eligible:
                continue
            converted_from: tuple[str | None, Decimal | None, ExchangeRate | None] = (None, None, None)
            missing_rate = False
            if coupon.discount_type == "PERCENTAGE" and coupon.percentage is not None:
                wanted = round_money(eligible_total * coupon.percentage / 100, currency)
            elif coupon.discount_type == "AMOUNT" and coupon.amount is not None:
                source_currency = coupon.amount_currency or currency
                conversion = convert(coupon.amount, source_currency, currency, rates, at)
                if conversion.needed:
                    converted_from = (source_currency, coupon.amount, conversion.rate)
                    missing_rate = conversion.missing
                wanted = round_money(conversion.amount, currency)
            else:
                continue  # USAGE discounts are not rated by this engine version
            discount = min(max(wanted, Decimal(0)), cap)
            categories: dict[str, list[int]] = {}
            for i in eligible:
                categories.setdefault(lines[i].tax_category, []).append(i)
            weights = [sum((remaining[i] for i in members), Decimal(0)) for members in categories.values()]
            shares = distribute_proportionally(discount, weights, currency)
            for (category, members), share in zip(categories.items(), shares, strict=True):
                line_shares = distribute_proportionally(share, [remaining[i] for i in members], currency)
                for i, taken in zip(members, line_shares, strict=True):
                    remaining[i] -= taken
                if share or missing_rate:
                    parts.append(DiscountPart(attachment, category, round_money(-share, currency), *converted_from))
    return parts
