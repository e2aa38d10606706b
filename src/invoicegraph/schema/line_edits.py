"""The line-edit mutations' arguments and root resolvers (docs/drafts.md): plain values for `resolvers/`."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from invoicegraph.rows import Row
from invoicegraph.schema.loading import Info

InvoiceIdArg = Annotated[strawberry.ID, strawberry.argument(description="Id of the OPEN or DRAFT invoice.")]
LineIdArg = Annotated[strawberry.ID, strawberry.argument(description="Id of the line (InvoiceLine.id).")]


@strawberry.input(
    description=(
        "A line's new values. One way to price: `amount`, or `quantity` with `unitPrice`\n"
        "(the amount is their product, rounded to the currency's minor unit); or neither,\n"
        "to change only the description. Decimals are strings."
    ),
)
class InvoiceLineAdjustmentInput:
    quantity: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="Quantity, zero or more; with unitPrice.",
    )
    unit_price: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="Price of one unit, in the invoice's currency; with quantity.",
    )
    amount: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="The line's stated amount (excluding or including tax, as the invoice prices), in the invoice's currency.",
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Text printed for the line, 1 to 1000 characters.",
    )

    def as_raw(self) -> dict[str, object]:
        """Given values as the service's checks take them (decimals as their text)."""
        raw: dict[str, object] = {}
        for name in ("quantity", "unit_price", "amount", "description"):
            value = getattr(self, name)
            if value is strawberry.UNSET or value is None:
                continue
            raw[name] = format(value, "f") if isinstance(value, Decimal) else value
        return raw


@strawberry.input(
    description=(
        "A line a person adds to an invoice: a REVENUE line of a product, priced by `amount` or\n"
        "`quantity` × `unitPrice`, taxed by the product's tax category, in the group of a\n"
        "subscription in a period. Decimals are strings."
    ),
)
class AddInvoiceLineInput(InvoiceLineAdjustmentInput):
    product_id: strawberry.ID = strawberry.field(
        description="The product charged; its tax category taxes the line. Absent description: its name.",
    )
    subscription_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The subscription whose group takes the line. Absent: the invoice's first subscription.",
    )
    period_order: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The period (periodOrder) that takes the line. Absent: the first, 0.",
    )


async def mutation_add_invoice_line(
    info: Info,
    invoice_id: InvoiceIdArg,
    input: Annotated[AddInvoiceLineInput, strawberry.argument(description="The line to add.")],
) -> Row:
    from invoicegraph.resolvers.line_edits import resolve_line_addition

    subscription = None if input.subscription_id in (None, strawberry.UNSET) else str(input.subscription_id)
    period = None if input.period_order in (None, strawberry.UNSET) else input.period_order
    return await resolve_line_addition(info, invoice_id, str(input.product_id), subscription, period, input.as_raw())


async def mutation_adjust_invoice_line(
    info: Info,
    invoice_id: InvoiceIdArg,
    line_id: LineIdArg,
    input: Annotated[InvoiceLineAdjustmentInput, strawberry.argument(description="The line's new values.")],
) -> Row:
    from invoicegraph.resolvers.line_edits import resolve_line_edit

    return await resolve_line_edit(info, invoice_id, line_id, "ADJUST", input.as_raw())


async def mutation_remove_invoice_line(info: Info, invoice_id: InvoiceIdArg, line_id: LineIdArg) -> Row:
    from invoicegraph.resolvers.line_edits import resolve_line_edit

    return await resolve_line_edit(info, invoice_id, line_id, "REMOVE", None)


async def mutation_revert_invoice_line(info: Info, invoice_id: InvoiceIdArg, line_id: LineIdArg) -> Row:
    from invoicegraph.resolvers.line_edits import resolve_line_edit

    return await resolve_line_edit(info, invoice_id, line_id, "REVERT", None)


_ERRORS = (
    "Requires the INVOICE.LINE.EDIT permission. Optional `Idempotency-Key` header, as for\n"
    "refreshInvoice. Codes: RESOURCE_NOT_FOUND (no such invoice on the platform, or no such\n"
    "line on it), INVALID_OPERATION (the invoice is FINAL, EMPTY or VOID; the line is not\n"
    "rated from a pricing item; nothing to revert), INVALID_FIELD / MISSING_FIELD (a value,\n"
    "named in `field`), IDEMPOTENCY_CHECK_FAILED, INTERNAL_ERROR (retryable when the invoice\n"
    "lock was not obtained in time). Nothing is written on failure."
)
ADD_DESCRIPTION = (
    "Adds a line to an OPEN or DRAFT invoice and returns the saved invoice: a REVENUE line of\n"
    "a product (taxed by its tax category), kept by every later refresh, FULL included, which\n"
    "also applies the subscription's coupons to it. Edit it with adjustInvoiceLine, drop it\n"
    "with removeInvoiceLine or revertInvoiceLine. Its `adjustment` has no original amount.\n\n" + _ERRORS
)
ADJUST_DESCRIPTION = (
    "Edits one line of an OPEN or DRAFT invoice and returns the saved invoice. The edit is\n"
    "kept apart from the computed line, keyed to its subscription, pricing item and period:\n"
    "every later refresh (FULL included) computes the line again and re-applies the edit.\n"
    "Tax and totals are recomputed now; coupon discounts follow the adjusted amount at the\n"
    "next FULL refresh. The line shows the edit in `adjustment`. Adjusting an adjusted line\n"
    "replaces its adjustment. Emits INVOICE.UPDATED; audited.\n\n" + _ERRORS
)
REMOVE_DESCRIPTION = (
    "Removes one computed line from an OPEN or DRAFT invoice, kept removed by every later\n"
    "refresh (stored as an adjustment; revertInvoiceLine brings it back). Returns the saved\n"
    "invoice.\n\n" + _ERRORS
)
REVERT_DESCRIPTION = (
    "Drops the adjustment (an edit or a removal) of a line and returns the invoice with the\n"
    "line as computed. Also how an orphaned adjustment (its line gone after a refresh, shown\n"
    "as a WARNING in validationResult) is dropped: name the line id it was made on.\n\n" + _ERRORS
)
