"""The pure billing engine (its rules: docs/billing-decisions.md).

Plain data in, plain data out: nothing here imports the database, HTTP, Starlette or Strawberry.
Money is `decimal.Decimal` only, times are timezone-aware. The entry points live in `engine`:
`rate_invoice` (a FULL re-rating of a STANDARD invoice) and `recompute_derived` (what every refresh
runs after its re-reads).
"""

from invoicegraph.billing.engine import DerivedInvoice, RatedInvoice, rate_invoice, recompute_derived
from invoicegraph.billing.inputs import DerivationInputs, RatingInputs

__all__ = [
    "DerivationInputs",
    "DerivedInvoice",
    "RatedInvoice",
    "RatingInputs",
    "rate_invoice",
    "recompute_derived",
]
