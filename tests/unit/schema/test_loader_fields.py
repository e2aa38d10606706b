"""Loader fields read live records through the request's DataLoaders, batched, misses skipped."""

from __future__ import annotations

from invoicegraph.db.engine import Database
from tests.support.api import Api
from tests.support.data import INVOICE_ID
from tests.unit.schema.support import DATA_TABLES, FINAL_ID, GONE_CUSTOMER, parameter_values, reads_of

QUERY = """query ($id: ID!) {
  invoice(id: $id) {
    customer { id reference }
    billingEntity { id legalName }
    processingOnlyCustomers { id }
    forwardedFromCustomers { id }
    pricingPlanSubscriptions { id variant }
    paymentAcceptors { id }
    paymentActions { paymentAcceptorId paymentAcceptor { id } }
    meterValues { id reference }
    creditTypes { id }
    linkedInvoices { id invoice { id status } }
    coupons { couponId coupon { id name } }
    promotionCodes { promotionCode { id code } coupon { id } }
    periods { groups { lines { meterValue { reference definition { id reference } } } } }
  }
}"""


async def test_loader_fields_resolve_live_records_and_skip_misses(api: Api) -> None:
    # Given the FINAL invoice of the data set, which names a processing-only customer that no longer exists
    body = await api.graphql(QUERY, {"id": FINAL_ID})

    assert "errors" not in body, body["errors"]
    data = body["data"]["invoice"]
    assert data["customer"] == {"id": "cust_globex", "reference": "globex"}
    assert data["billingEntity"] == {"id": "enti_nl", "legalName": "Acme Cloud B.V."}
    assert data["processingOnlyCustomers"] == [{"id": "cust_initech"}]  # cust_gone is skipped
    assert data["forwardedFromCustomers"] == [{"id": "cust_initech"}]
    assert data["pricingPlanSubscriptions"] == [{"id": "psub_globex", "variant": "DEFAULT"}]
    assert data["paymentAcceptors"] == [{"id": "paya_bank"}]
    assert data["paymentActions"] == [{"paymentAcceptorId": "paya_bank", "paymentAcceptor": {"id": "paya_bank"}}]
    assert data["meterValues"] == [{"id": "metv_calls", "reference": "calls"}]
    assert data["creditTypes"] == []
    assert data["linkedInvoices"] == [{"id": INVOICE_ID, "invoice": {"id": INVOICE_ID, "status": "DRAFT"}}]
    assert data["coupons"] == [
        {"couponId": "coup_launch", "coupon": {"id": "coup_launch", "name": "Launch 20%"}},
        {"couponId": None, "coupon": None},  # a coupon named on the invoice without an id
    ]
    assert data["promotionCodes"] == [{"promotionCode": {"id": "prom_ten", "code": "TENOFF"}, "coupon": {"id": "coup_launch"}}]
    line = data["periods"][0]["groups"][0]["lines"][0]
    assert line["meterValue"] == {"reference": "calls", "definition": {"id": "metv_calls", "reference": "calls"}}


async def test_the_loaders_of_one_level_share_one_batch(api: Api, database: Database) -> None:
    with reads_of(database, "customer") as customer_reads, reads_of(database, DATA_TABLES) as data_reads:
        body = await api.graphql(QUERY, {"id": FINAL_ID})

    assert "errors" not in body, body["errors"]
    # The invoice, then one round for every live record it names (customers, billing entity,
    # subscriptions, acceptors, meter values, linked invoices, coupons, promotion codes), whatever the
    # number of fields and ids asked for.
    assert len(data_reads) == 2, [read["statement"][:80] for read in data_reads]
    (customers,) = customer_reads
    # customer, processingOnlyCustomers and forwardedFromCustomers: each id once, the missing one too
    asked = [value for value in parameter_values(customers["parameters"]) if isinstance(value, str) and value.startswith("cust_")]
    assert sorted(asked) == sorted({"cust_globex", "cust_initech", GONE_CUSTOMER})
