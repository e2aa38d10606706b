from __future__ import annotations

import pytest

from invoicegraph.schema.build import BillingSchema, build_schema


@pytest.fixture(scope="session")
def schema() -> BillingSchema:
    return build_schema()
