"""Fuzzing runs on SQLite only (bounded in time); the tenant-isolation fixtures are shared."""

from __future__ import annotations

import pytest

from tests.security.tenancy.conftest import tenants

__all__ = ["tenants"]


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
