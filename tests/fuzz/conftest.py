"""Fuzzing runs on SQLite only (bounded in time); the tenant-isolation fixtures are shared."""

from __future__ import annotations

import pytest

from invoicegraph.settings import Settings
from tests.security.tenancy.conftest import tenants

__all__ = ["tenants"]


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The fuzzers send hundreds of requests as fast as they can with one key: above the per-credential
    rate the service would answer 429 (tested in tests/integration/middleware/test_limits.py), which is
    not what these tests look at."""
    return settings.model_copy(update={"rate_limit_per_credential": 1e6, "rate_limit_per_platform": 1e6, "cost_limit_per_platform": 1e9})
