"""Worked examples that tell a rule from its nearest wrong variant (each fails if the rule is flipped).

The spec's own example of three 0.05 lines gives the same tax whether it is rounded per group or per
line (0.0315 -> 0.03; 0.0105 -> 0.01 three times). These do not.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from invoicegraph.billing import rate_invoice
from invoicegraph.billing.inputs import Coupon, Product, PromotionCode

from .factories import PRODUCTS, derive, flat, lines_of, q, rate, rating_inputs, tax_facts


def test_excluding_tax_rounds_the_group_once_not_each_line() -> None:
    # Three 0.03 lines at 21 %: round(0.09 × 0.21 = 0.0189) = 0.02. Per line: round(0.0063) = 0.01, three times 0.03.
    invoice = derive(["0.03", "0.03", "0.03"])
    assert q(invoice.tax_summary["tax_amount"]) == "0.02"
    lines = invoice.periods[0]["groups"][0]["lines"]
    # The two cents go to the first two lines (equal remainders: the earlier line first).
    assert [q(line["tax_categories"][0]["tax_amount"]) for line in lines] == ["0.01", "0.01", "0.00"]
    assert [q(line["amount_including_tax"]) for line in lines] == ["0.04", "0.04", "0.03"]


def test_including_tax_rounds_the_net_and_the_tax_is_what_is_left() -> None:
    # A gross 0.03 at 20 % (GB): net = round(0.03 / 1.20 = 0.025) = 0.03 (half up), tax = 0.03 - 0.03 = 0.00.
    # Rounding the tax instead (0.03 × 20/120 = 0.005 -> 0.01) would give net 0.02.
    invoice = derive(["0.03"], tax=tax_facts("GB", "GB"), pricing_amount_type="INCLUDING_TAX")
    summary = invoice.tax_summary
    assert (q(summary["base_amount"]), q(summary["tax_amount"]), q(summary["total_amount"])) == ("0.03", "0.00", "0.03")


def test_a_coupon_limited_to_a_product_category_discounts_only_that_category() -> None:
    # 10 % off products of category pcat_hosting: the 100.00 line only, -10.00 (every line would give -15.00).
    products = (*PRODUCTS, Product("prod_host", "Hosting", "STANDARD", category_id="pcat_hosting"))
    coupon = Coupon("coup_1", "10% off hosting", "ACTIVE", "PERCENTAGE", percentage=D("10"), duration_type="FOREVER")
    limited = replace(coupon, limited_to_product_category_ids=("pcat_hosting",))
    inputs = rating_inputs([flat("100.00", "pitm_host", "prod_host"), flat("50.00")], coupons=[limited], coupon_ids=["coup_1"])
    rated = rate_invoice(replace(inputs, products=products))
    assert [q(line["amount_excluding_tax"]) for line in lines_of(rated)] == ["100.00", "50.00", "-10.00"]


def test_a_coupon_attached_twice_applies_once_as_its_first_attachment() -> None:
    # Directly (coupon_ids) and through a promotion code: the direct attachment comes first and wins.
    coupon = Coupon("coup_1", "10% off", "ACTIVE", "PERCENTAGE", percentage=D("10"), duration_type="FOREVER")
    code = PromotionCode("prom_1", "TENOFF", "coup_1")
    rated = rate([flat("100.00")], coupons=[coupon], promotion_codes=[code], coupon_ids=["coup_1"], promotion_code_ids=["prom_1"])
    discounts = [line for line in lines_of(rated) if line["type"] == "DISCOUNT"]
    assert [(q(d["amount_excluding_tax"]), d["coupon_data"], d["description"]) for d in discounts] == [
        ("-10.00", {"coupon_id": "coup_1", "promotion_code_id": None}, "10% off")
    ]
    assert rated.promotion_codes == []
