"""Loader fields read live records through the request's DataLoaders, batched, misses skipped."""

from __future__ import annotations

from typing import Any

import pytest

from invoicegraph.schema.build import BillingSchema
from tests.unit.schema.support import FakeLoaders, customer_row, install, invoice_row, make_context

QUERY = """{
  invoice(id: "inv_1") {
    customer { id reference }
    billingEntity { id legalName }
    processingOnlyCustomers { id }
    forwardedFromCustomers { id }
    pricingPlanSubscriptions { id variant }
    paymentAcceptors { id }
    paymentActions { paymentAcceptorId paymentAcceptor { id } }
    meterValues { id reference }
    creditTypes { id }
    linkedInvoices { invoiceId invoice { id status } }
    coupons { couponId coupon { id name } }
    promotionCodes { promotionCode { id code } coupon { id } }
    periods { groups { lines { meterValue { reference definition { id reference } } } } }
  }
}"""


def tables() -> dict[str, dict[str, Any]]:
    return {
        "invoice_by_id": {"inv_0": invoice_row(id="inv_0", status="FINAL")},
        "customer_by_id": {"cus_1": customer_row("cus_1"), "cus_2": customer_row("cus_2")},
        "billing_entity_by_id": {"be_1": {"id": "be_1", "legal_name": "Seller B.V."}},
        "subscription_by_id": {"sub_1": {"id": "sub_1", "variant": "DEFAULT"}},
        "payment_acceptor_by_id": {"pa_1": {"id": "pa_1"}},
        "meter_value_by_id": {"mv_1": {"id": "mv_1", "reference": "api_calls"}},
        "coupon_by_id": {"cou_1": {"id": "cou_1", "name": "Spring"}},
        "promotion_code_by_id": {"pc_1": {"id": "pc_1", "code": "SPRING"}},
    }


@pytest.fixture
def invoice(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    row = invoice_row()

    async def resolve_invoice(info: Any, id: str) -> dict[str, Any] | None:
        return row

    install(monkeypatch, "invoicegraph.resolvers.invoices", resolve_invoice=resolve_invoice)
    return row


async def test_loader_fields_resolve_live_records_and_skip_misses(schema: BillingSchema, invoice: dict[str, Any]) -> None:
    loaders = FakeLoaders(tables())

    result = await schema.execute(QUERY, context_value=make_context(loaders))

    assert result.errors is None
    data = result.data["invoice"]  # type: ignore[index]
    assert data["customer"] == {"id": "cus_1", "reference": "ref-cus_1"}
    assert data["billingEntity"] == {"id": "be_1", "legalName": "Seller B.V."}
    assert data["processingOnlyCustomers"] == [{"id": "cus_2"}]  # cus_missing is skipped
    assert data["forwardedFromCustomers"] == [{"id": "cus_2"}]
    assert data["pricingPlanSubscriptions"] == [{"id": "sub_1", "variant": "DEFAULT"}]  # sub_gone is skipped
    assert data["paymentAcceptors"] == [{"id": "pa_1"}]
    assert data["paymentActions"] == [{"paymentAcceptorId": "pa_1", "paymentAcceptor": {"id": "pa_1"}}]
    assert data["meterValues"] == [{"id": "mv_1", "reference": "api_calls"}]
    assert data["creditTypes"] == []
    assert data["linkedInvoices"] == [
        {"invoiceId": "inv_0", "invoice": {"id": "inv_0", "status": "FINAL"}},
        {"invoiceId": "inv_elsewhere", "invoice": None},
    ]
    assert data["coupons"] == [{"couponId": "cou_1", "coupon": {"id": "cou_1", "name": "Spring"}}, {"couponId": None, "coupon": None}]
    assert data["promotionCodes"] == [{"promotionCode": {"id": "pc_1", "code": "SPRING"}, "coupon": {"id": "cou_1"}}]
    line = data["periods"][0]["groups"][0]["lines"][0]
    assert line["meterValue"] == {"reference": "api_calls", "definition": {"id": "mv_1", "reference": "api_calls"}}


async def test_each_loader_makes_one_batch_per_level(schema: BillingSchema, invoice: dict[str, Any]) -> None:
    loaders = FakeLoaders(tables())

    await schema.execute(QUERY, context_value=make_context(loaders))

    # customer, processingOnlyCustomers and forwardedFromCustomers share one batch (cached keys reused)
    assert loaders.batches["customer_by_id"] == [["cus_1", "cus_2", "cus_missing"]]
    assert loaders.batches["payment_acceptor_by_id"] == [["pa_1"]]
    assert loaders.batches["invoice_by_id"] == [["inv_0", "inv_elsewhere"]]
    assert loaders.batches["credit_type_by_id"] == []  # no ids, no query
    assert len(loaders.batches["meter_value_by_id"]) == 1
    assert len(loaders.batches["coupon_by_id"]) == 1
