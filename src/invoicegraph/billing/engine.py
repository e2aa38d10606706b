"""The engine's entry points: `rate_invoice` (FULL re-rating) and `recompute_derived` (every refresh).

`rate_invoice` rebuilds the periods -> groups -> lines of a STANDARD invoice from its subscriptions:
one group per subscription (in the invoice's subscription order) in every period, one REVENUE line per
pricing item (in the plan's order), then the DISCOUNT lines of the coupons that apply. It then runs
`recompute_derived` with every tax rate looked up afresh (FULL includes TAX_RATES).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from invoicegraph.billing import shapes
from invoicegraph.billing.coupons import Attachment, DiscountPart, EligibleLine, PeriodFacts, applies, attachments, discount_group
from invoicegraph.billing.currency import convert, unique_used_rates, used_rate_dict
from invoicegraph.billing.derive import DerivedInvoice, recompute_derived
from invoicegraph.billing.inputs import (
    BillingPeriod,
    DerivationInputs,
    InvoicePeriodInput,
    PricingItem,
    PricingPlan,
    RatingInputs,
    Subscription,
)
from invoicegraph.billing.money import CONTEXT, amount, format_decimal, round_money
from invoicegraph.billing.pricing import price

__all__ = ["DerivedInvoice", "RatedInvoice", "rate_invoice", "recompute_derived"]

_DEFAULT_PERIOD = BillingPeriod("MONTH", 1)


@dataclass(frozen=True)
class RatedInvoice:
    derived: DerivedInvoice
    meter_value_ids: list[str]  # meter values the lines are based on (sorted)
    coupons: list[dict[str, Any]]  # InvoiceCoupon, in application order
    promotion_codes: list[dict[str, Any]]  # InvoicePromotionCode, in application order
    used_exchange_rates: list[dict[str, Any]]  # UsedExchangeRate, each once
    has_usage_based_pricing: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.derived.as_dict(),
            "meter_value_ids": self.meter_value_ids,
            "coupons": self.coupons,
            "promotion_codes": self.promotion_codes,
            "used_exchange_rates": self.used_exchange_rates,
            "has_usage_based_pricing": self.has_usage_based_pricing,
        }


def rate_invoice(inputs: RatingInputs) -> RatedInvoice:
    with localcontext(CONTEXT):
        return _Rater(inputs).run()


class _Rater:
    def __init__(self, inputs: RatingInputs) -> None:
        self.inputs = inputs
        self.currency = inputs.billing_currency
        self.plans = {plan.id: plan for plan in inputs.pricing_plans}
        self.products = {product.id: product for product in inputs.products}
        self.meter_values = {value.id: value for value in inputs.meter_values}
        self.coupons = {coupon.id: coupon for coupon in inputs.coupons}
        self.codes = {code.id: code for code in inputs.promotion_codes}
        self.applied_coupons: dict[str, dict[str, Any]] = {}
        self.applied_codes: dict[str, dict[str, Any]] = {}

    def run(self) -> RatedInvoice:
        inputs = self.inputs
        periods = [self._period(index, period) for index, period in enumerate(inputs.periods)]
        derived = recompute_derived(
            periods,
            DerivationInputs(
                billing_currency=self.currency,
                pricing_amount_type=inputs.pricing_amount_type,
                tax=inputs.tax,
                tax_rate_table=inputs.tax_rates,
                relookup_tax_rates=True,
                paid_amount=inputs.paid_amount,
                invoice_type="STANDARD",
                exchange_rates=inputs.exchange_rates,
            ),
        )
        lines = [line for p in derived.periods for g in p["groups"] for line in g["lines"]]
        meter_ids = sorted({line["meter_value"]["id"] for line in lines if line.get("meter_value")})
        rates = unique_used_rates(rate for line in lines for rate in line["details"]["used_exchange_rates"])
        return RatedInvoice(
            derived=derived,
            meter_value_ids=meter_ids,
            coupons=list(self.applied_coupons.values()),
            promotion_codes=list(self.applied_codes.values()),
            used_exchange_rates=rates,
            has_usage_based_pricing=bool(meter_ids),
        )

    def _period(self, index: int, period: InvoicePeriodInput) -> dict[str, Any]:
        first_sub = self.inputs.subscriptions[0].billing_period if self.inputs.subscriptions else None
        billing_period = period.billing_period or self.inputs.billing_period or first_sub or _DEFAULT_PERIOD
        groups = [
            self._group(index, period, order, subscription, billing_period) for order, subscription in enumerate(self.inputs.subscriptions)
        ]
        return shapes.period(period_order=index, currency=self.currency, source=period, billing_period=billing_period, groups=groups)

    def _group(
        self, index: int, period: InvoicePeriodInput, order: int, sub: Subscription, billing_period: BillingPeriod
    ) -> dict[str, Any]:
        plan = self.plans.get(sub.pricing_plan_id)
        if plan is None:
            raise ValueError(f"subscription {sub.id}: pricing plan {sub.pricing_plan_id} is not among the inputs")
        lines: list[dict[str, Any]] = []
        eligible: list[EligibleLine] = []
        for item in plan.items:
            line = self._revenue_line(index, period, sub, plan, item, len(lines))
            if line is not None:
                lines.append(line)
                product = self.products.get(item.product_id)
                eligible.append(
                    EligibleLine(
                        item.product_id,
                        item.id,
                        product.category_id if product else None,
                        line["tax_category"],
                        Decimal(line["amount_excluding_tax"]["quantity"]),
                    )
                )
        facts = PeriodFacts(index, period.start_at, period.end_at, self.inputs.invoice_id, self.inputs.periods[0].start_at)
        applicable = [
            attachment
            for attachment in attachments(sub, self.coupons, self.codes, self.inputs.customer_id)
            if applies(attachment, sub, facts, self.inputs.redeemed_by_this_invoice)
        ]
        for attachment in applicable:
            self._record_applied(attachment)
        for part in discount_group(eligible, applicable, self.currency, self.inputs.exchange_rates, period.end_at):
            lines.append(self._discount_line(index, sub, part, len(lines)))
        return shapes.group(
            group_order=order,
            currency=self.currency,
            subscription_id=sub.id,
            pricing_id=plan.id,
            pricing_name=plan.name,
            billing_period=sub.billing_period if sub.billing_period not in (None, billing_period) else None,
            lines=lines,
        )

    def _revenue_line(
        self, index: int, period: InvoicePeriodInput, sub: Subscription, plan: PricingPlan, item: PricingItem, order: int
    ) -> dict[str, Any] | None:
        usage_based = item.meter_value_id is not None
        quantity = self.inputs.usage.get((index, item.id), Decimal(0)) if usage_based else Decimal(1)
        if usage_based and quantity.is_zero() and not self.inputs.add_zero_meter_value_invoice_lines:
            return None
        raw = price(item, quantity)
        conversion = convert(raw, plan.currency, self.currency, self.inputs.exchange_rates, period.end_at)
        stated = round_money(conversion.amount, self.currency)
        details = shapes.price_details(
            amount(stated, self.currency),
            pricing_currency=plan.currency if conversion.needed else None,
            pricing_amount=amount(raw, plan.currency) if conversion.needed else None,
            used_exchange_rates=[used_rate_dict(conversion.rate)] if conversion.rate else [],
        )
        product = self.products.get(item.product_id)
        return shapes.line(
            id=shapes.line_id(self.inputs.invoice_id, index, sub.id, item.id),
            line_order=order,
            kind="REVENUE",
            stated=stated,
            currency=self.currency,
            description=item.description or (product.name if product else None),
            product_id=item.product_id,
            tax_category=product.tax_category if product else "STANDARD",
            details=details,
            pricing_item_id=item.id,
            pricing_type=item.model,
            conditions=(
                {"name": None, "meter_properties": [c.as_dict() for c in item.conditions], "expression": None} if item.conditions else None
            ),
            meter_value=self._meter_snapshot(item, quantity, plan.currency) if usage_based else None,
        )

    def _meter_snapshot(self, item: PricingItem, quantity: Decimal, pricing_currency: str) -> dict[str, Any]:
        meter_id = item.meter_value_id or ""
        known = self.meter_values.get(meter_id)
        kind = known.type if known else "NUMBER"
        return {
            "id": meter_id,
            "reference": known.reference if known else meter_id,
            "type": kind,
            "number": format_decimal(quantity) if kind != "AMOUNT" else None,
            "amount": amount(quantity, pricing_currency) if kind == "AMOUNT" else None,
        }

    def _discount_line(self, index: int, sub: Subscription, part: DiscountPart, order: int) -> dict[str, Any]:
        coupon, code = part.attachment.coupon, part.attachment.promotion_code
        pricing_amount = None
        if part.pricing_currency is not None and part.pricing_amount is not None:
            pricing_amount = amount(-part.pricing_amount, part.pricing_currency)
        details = shapes.price_details(
            amount(part.amount, self.currency),
            pricing_currency=part.pricing_currency,
            pricing_amount=pricing_amount,
            used_exchange_rates=[used_rate_dict(part.rate)] if part.rate else [],
        )
        return shapes.line(
            id=shapes.line_id(self.inputs.invoice_id, index, sub.id, "coupon", coupon.id, code.id if code else "", part.tax_category),
            line_order=order,
            kind="DISCOUNT",
            stated=part.amount,
            currency=self.currency,
            description=coupon.name if code is None else f"{coupon.name} ({code.code})",
            product_id=None,
            tax_category=part.tax_category,
            details=details,
            discount_type=coupon.discount_type,
            coupon_data={"coupon_id": coupon.id, "promotion_code_id": code.id if code else None},
        )

    def _record_applied(self, attachment: Attachment) -> None:
        coupon, code = attachment.coupon, attachment.promotion_code
        self.applied_coupons.setdefault(coupon.id, {"coupon_id": coupon.id, "coupon_name": coupon.name})
        if code is not None:
            self.applied_codes.setdefault(
                code.id,
                {"promotion_code_details": {"promotion_code_id": code.id, "code": code.code}, "coupon_id": coupon.id},
            )
