"""Typing shorthands shared by the resolvers."""

from __future__ import annotations

from typing import Any

import strawberry

from invoicegraph.graphql.context import RequestContext

Info = strawberry.Info[RequestContext, None]
Row = dict[str, Any]
