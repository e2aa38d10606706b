"""Pytest plugin (pyproject addopts): the whole suite runs with execution plans in `verify` mode.

Every GraphQL result a plan completes, in this process and in the servers the end-to-end tests start
(they inherit the environment), is completed by graphql-core as well and compared byte for byte
(src/invoicegraph/execution/context.py); a difference fails the field, hence the test. The session
summary prints how many results were compared here, and a mismatch fails the session even if the
test that met it did not look at the errors.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("INVOICEGRAPH_EXECUTION_PLANS", "verify")

from invoicegraph.execution.context import PLAN_STATS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(
        f"execution plans ({os.environ['INVOICEGRAPH_EXECUTION_PLANS']}), in this process: {PLAN_STATS.completed} root "
        f"values completed by a plan, {PLAN_STATS.verified} compared with graphql-core, {PLAN_STATS.mismatched} "
        f"different, {PLAN_STATS.gave_up} handed back to graphql-core"
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if PLAN_STATS.mismatched:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
