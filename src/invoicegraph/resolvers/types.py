"""Typing shorthands shared by the resolvers."""

from __future__ import annotations

import strawberry

from invoicegraph.graphql.context import RequestContext

Info = strawberry.Info[RequestContext, None]
