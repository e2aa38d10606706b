"""What a refresh changed: whether anything stored differs, and the changed leaves as vendor JSON paths.

Two questions with two answers (docs/refresh.md):

- `differs` decides whether the refresh writes (version + 1, audit `changed`, the outbox event). It
  compares our whole invoice dicts, internal keys included: a refresh that only changes what the
  vendor JSON does not show (stored tax rates, a copy's `copied_at` or `tax_registrations`, a line's
  `product_id` / `tax_category`, who set a hold) is still saved.
- `vendor_changes` lists what changed as paths into the REST invoice body (GET /v1/invoices/{id}):
  it diffs the vendor projections of the two invoices (`records.vendor_json.vendor_projection`), so every path
  is one the body has (`customer.organization.registered_address.city`, not our
  `customer_details.address.city`) and `before` / `after` are the values found there. The embedded
  records we keep by id (`meter_values`, `credit_types`, `processing_only_customers`,
  `forwarded_from_customers`) show as `meter_values.N.id`: the invoice holds which records, not their
  live contents. Internal keys give no path, so `changed` may be true with no paths. A value that
  appeared or went away (a new line, a removed coupon) is listed leaf by leaf, null on the other side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from invoicegraph.records.vendor_json import vendor_projection

# Bookkeeping that changes because something else changed; never a change by itself.
IGNORED = frozenset({"version", "updated_at"})


@dataclass(frozen=True)
class Change:
    path: str
    before: Any
    after: Any


def _walk(path: str, before: Any, after: Any, out: list[Change]) -> None:
    # A value that appeared or went away is reported leaf by leaf with null on the other side, so a
    # path always ends at a leaf (a new line's `amount_excluding_tax.quantity`, an embedded record's
    # `id`); only when it has no non-null leaf is the value itself the change.
    if before == after:
        # Equal values have no changed leaf; comparing in C first skips walking the unchanged parts
        # (most of an invoice, and all of it when a refresh changes nothing).
        return
    present = after if before is None else before
    if (before is None) != (after is None) and isinstance(present, (dict, list)) and present:
        mark = len(out)
        empty: dict[str, Any] | list[Any] = {} if isinstance(present, dict) else []
        _walk(path, empty if before is None else before, empty if after is None else after, out)
        if len(out) == mark:
            out.append(Change(path, before, after))
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            if not path and key in IGNORED:
                continue
            _walk(f"{path}.{key}" if path else str(key), before.get(key), after.get(key), out)
        return
    if isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            _walk(
                f"{path}.{index}" if path else str(index),
                before[index] if index < len(before) else None,
                after[index] if index < len(after) else None,
                out,
            )
        return
    if before != after:
        out.append(Change(path, before, after))


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Every changed leaf of two dicts as they are, in a stable order (sorted keys, list positions ascending).

    A missing key and a null are the same; `version` and `updated_at` at the top are skipped.
    """
    out: list[Change] = []
    _walk("", before, after, out)
    return out


def differs(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether the stored invoice would change (internal keys included): the refresh writes then."""
    return bool(changes(before, after))


def vendor_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """The changed leaves of two invoice dicts, as paths and values of the vendor JSON (docs/refresh.md)."""
    return changes(vendor_projection(before), vendor_projection(after))
