"""`ErrorCode` lists every code the service can put in `extensions.code`, and nothing else."""

from __future__ import annotations

import importlib
import pkgutil

import invoicegraph
from invoicegraph.errors import ApiError
from invoicegraph.schema.enums.errors import REST_ONLY_CODES, ErrorCode
from tests.support.api import Api


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_coded_error_of_the_service_is_an_error_code() -> None:
    # Given every module of the package loaded (an error class is defined where it is raised)
    for module in pkgutil.walk_packages(invoicegraph.__path__, "invoicegraph."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)

    # When the codes of every ApiError class are collected
    codes = {cls.code for cls in _subclasses(ApiError)} | {ApiError.code}

    # Then GraphQL's codes are exactly the enum's values, and the rest are REST's own
    assert codes - REST_ONLY_CODES == {member.value for member in ErrorCode}
    assert codes >= REST_ONLY_CODES


def test_the_schema_lists_the_codes() -> None:
    from invoicegraph.schema.build import build_schema

    sdl = str(build_schema())
    assert "enum ErrorCode {" in sdl
    assert all(f"  {member.value}\n" in sdl for member in ErrorCode)


async def test_the_server_lists_the_codes(api: Api) -> None:
    body = await api.graphql("{ errorCodes }")
    assert "errors" not in body, body["errors"]
    assert body["data"] == {"errorCodes": [member.name for member in ErrorCode]}
