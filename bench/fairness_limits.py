"""The fairness limits (docs/security.md) raised out of the way for the benchmarks.

One credential drives every contestant far past the per-credential and per-platform limits; a refusal
is answered faster than the work, so counting one would inflate the figure. The limits are raised, not
turned off: their checks stay on every request's path and in its cost.
"""

from __future__ import annotations

RAISED: dict[str, float] = {
    "rate_limit_per_credential": 1e6,
    "rate_limit_per_platform": 1e6,
    "cost_limit_per_platform": 1e9,
    "max_in_flight_cost_per_platform": 1e9,
}


def raised_env() -> dict[str, str]:
    """RAISED as the servers' INVOICEGRAPH_ environment."""
    return {f"INVOICEGRAPH_{name.upper()}": str(int(value)) for name, value in RAISED.items()}
