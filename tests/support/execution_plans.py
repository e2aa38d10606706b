"""Pytest plugin (pyproject addopts): the execution plan mode a run uses, and what verify mode found.

The suite runs what ships (`INVOICEGRAPH_EXECUTION_PLANS=on`, the default). `make test` then runs the
integration tests again with `INVOICEGRAPH_EXECUTION_PLANS=verify`: every GraphQL result a plan
completes is completed by graphql-core as well and compared byte for byte
(src/invoicegraph/execution/context.py); a difference fails the field, hence the test, and the session.
"""

from __future__ import annotations

import os

import pytest

from invoicegraph.execution.context import PLAN_STATS


def _verify() -> bool:
    return os.environ.get("INVOICEGRAPH_EXECUTION_PLANS") == "verify"


def pytest_report_header() -> str:
    return f"execution plans: {os.environ.get('INVOICEGRAPH_EXECUTION_PLANS', 'on')}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if _verify() and not hasattr(config, "workerinput") and PLAN_STATS.verified:  # under xdist, the workers count
        terminalreporter.write_line(
            f"execution plans (verify), in this process: {PLAN_STATS.verified} compared with graphql-core, "
            f"{PLAN_STATS.mismatched} different, {PLAN_STATS.gave_up} handed back to graphql-core"
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if PLAN_STATS.mismatched:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
