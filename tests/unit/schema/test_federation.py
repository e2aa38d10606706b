"""`_entities` resolves dict rows to their types, stays platform-scoped, and is limited."""

from __future__ import annotations

from typing import Any

from invoicegraph.schema.build import BillingSchema
from tests.unit.schema.support import FakeLoaders, customer_row, invoice_row, make_context, principal

ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Invoice { id status customer { id } }
    ... on Customer { id reference }
    ... on BillingEntity { id legalName }
  }
}
"""


def loaders() -> FakeLoaders:
    return FakeLoaders(
        {
            "invoice_by_id": {"inv_1": invoice_row()},
            "customer_by_id": {"cus_1": customer_row("cus_1")},
            "billing_entity_by_id": {"be_1": {"id": "be_1", "legal_name": "Seller B.V."}},
        }
    )


def reps(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"representations": [{"__typename": typename, "id": id} for typename, id in pairs]}


async def test_entities_resolve_dict_rows_in_order(schema: BillingSchema) -> None:
    context = make_context(loaders())
    variables = reps(("Customer", "cus_1"), ("Invoice", "inv_1"), ("BillingEntity", "be_1"), ("Invoice", "inv_other_platform"))

    result = await schema.execute(ENTITIES, variables, context_value=context)

    assert result.errors is None
    assert result.data == {
        "_entities": [
            {"__typename": "Customer", "id": "cus_1", "reference": "ref-cus_1"},
            {"__typename": "Invoice", "id": "inv_1", "status": "DRAFT", "customer": {"id": "cus_1"}},
            {"__typename": "BillingEntity", "id": "be_1", "legalName": "Seller B.V."},
            None,
        ]
    }


async def test_entities_of_one_type_are_loaded_in_one_batch(schema: BillingSchema) -> None:
    fake = loaders()

    await schema.execute(ENTITIES, reps(("Invoice", "inv_1"), ("Invoice", "inv_2"), ("Invoice", "inv_1")), context_value=make_context(fake))

    assert fake.batches["invoice_by_id"] == [["inv_1", "inv_2"]]


async def test_too_many_representations_are_refused_before_loading(schema: BillingSchema) -> None:
    fake = loaders()
    context = make_context(fake, max_entities=2)

    result = await schema.execute(ENTITIES, reps(*[("Invoice", f"inv_{n}") for n in range(3)]), context_value=context)

    assert result.data is None
    assert result.errors is not None
    error = result.errors[0]
    assert "_entities accepts at most 2 representations" in error.message
    assert error.extensions is not None
    assert error.extensions["code"] == "INVALID_REQUEST"
    assert error.extensions["type"] == "INVALID_REQUEST"
    assert fake.batches["invoice_by_id"] == []


async def test_entities_need_invoice_view(schema: BillingSchema) -> None:
    result = await schema.execute(
        ENTITIES, reps(("Invoice", "inv_1")), context_value=make_context(loaders(), who=principal({"INVOICE.REFRESH"}))
    )

    assert result.errors is not None
    assert result.errors[0].extensions is not None
    assert result.errors[0].extensions["code"] == "USER_NOT_ALLOWED"


async def test_service_sdl_needs_a_credential(schema: BillingSchema) -> None:
    anonymous = await schema.execute("{ _service { sdl } }", context_value=make_context(anonymous=True))
    allowed = await schema.execute("{ _service { sdl } }", context_value=make_context(who=principal(())))

    assert anonymous.errors is not None
    assert anonymous.errors[0].extensions is not None
    assert anonymous.errors[0].extensions["code"] == "UNAUTHORISED"
    assert allowed.errors is None
    sdl = allowed.data["_service"]["sdl"]  # type: ignore[index]
    assert 'type Invoice implements InvoiceContent & Node @key(fields: "id")' in sdl
    assert "type PageInfo @shareable" in sdl
