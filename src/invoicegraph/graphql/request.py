"""A GraphQL-over-HTTP request read into its parameters, or refused with the error that names the problem.

- `GET /graphql?query=…&variables=…&operationName=…&extensions=…`: queries only (the endpoint refuses a
  mutation over GET with 405 once it knows the operation);
- `POST /graphql` with `Content-Type: application/json` and one JSON object: anything else is refused
  (a form or multipart body can be sent cross-site without a CORS preflight: the classic CSRF shape,
  415), as is a JSON array (batching: a way around rate and alias limits, 400) and a JSON scalar;
- `query`, `operationName`, `documentId` must be strings, `variables`, `extensions` objects (or absent, or null);
  a parameter given twice, a key given twice in the body, or nesting past the parser's depth limit
  is refused (strict_json.py). Unknown body keys are ignored, as GraphQL over HTTP allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from invoicegraph import strict_json
from invoicegraph.errors import InvalidField, LimitExceeded, MethodNotAllowed, UnsupportedMediaType

JSON_MEDIA_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None
    method: str
    # A persisted document's id (`documentId`, GraphQL over HTTP's persisted documents), e.g. "sha256:…".
    document_id: str | None = None

    def with_query(self, query: str) -> GraphQLRequest:
        return GraphQLRequest(query, self.variables, self.operation_name, self.extensions, self.method, self.document_id)


def get_mutation() -> MethodNotAllowed:
    """GET must stay safe: a mutation over GET is 405 with `Allow: POST` (GraphQL over HTTP)."""
    return MethodNotAllowed("Mutations are not allowed over GET; send them with POST.", field="query", headers={"Allow": "POST"})


async def read_request(request: Request) -> GraphQLRequest:
    """The request's GraphQL parameters; raises the coded ApiError that refuses it."""
    if request.method == "GET":
        return _from_query_string(request)
    if request.method != "POST":
        raise MethodNotAllowed("GraphQL is served over GET and POST only.", headers={"Allow": "GET, POST"})
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        raise UnsupportedMediaType(
            "A GraphQL POST must be JSON (Content-Type: application/json); form and multipart bodies are refused.", field="Content-Type"
        )
    raw = await request.body()
    if raw.lstrip()[:1] == b"[":
        raise LimitExceeded("Batching is off: send one GraphQL operation per request, not a JSON array.", field="body")
    body = _json(raw, "body")
    if not isinstance(body, dict):
        raise InvalidField("The request body must be a JSON object with `query`.", field="body")
    return _parameters(body, "POST")


def _from_query_string(request: Request) -> GraphQLRequest:
    parameters: dict[str, Any] = {}
    for name, value in request.query_params.multi_items():
        if name in parameters:
            raise InvalidField(f"The query parameter {name} is given twice.", field=name)
        parameters[name] = _json(value, name) if name in ("variables", "extensions") and value else value
    return _parameters(parameters, "GET")


def _json(raw: bytes | str, field: str) -> Any:
    try:
        return strict_json.loads(raw)
    except strict_json.MalformedJSON as error:
        raise InvalidField(str(error) if field == "body" else f"`{field}` is not valid JSON: {error}", field=field) from None


def _parameters(values: dict[str, Any], method: str) -> GraphQLRequest:
    query, variables = values.get("query"), values.get("variables")
    operation_name, extensions = values.get("operationName"), values.get("extensions")
    document_id = values.get("documentId")
    if query is not None and not isinstance(query, str):
        raise InvalidField("`query` must be a string (the GraphQL document).", field="query")
    if variables is not None and not isinstance(variables, dict):
        raise InvalidField("`variables` must be a JSON object.", field="variables")
    if operation_name is not None and not isinstance(operation_name, str):
        raise InvalidField("`operationName` must be a string.", field="operationName")
    if extensions is not None and not isinstance(extensions, dict):
        raise InvalidField("`extensions` must be a JSON object.", field="extensions")
    if document_id is not None and not isinstance(document_id, str):
        raise InvalidField('`documentId` must be a string such as "sha256:<hex>".', field="documentId")
    return GraphQLRequest(query or None, variables, operation_name or None, extensions, method, document_id or None)
