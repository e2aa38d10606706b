"""Persisted queries: Apollo's automatic persisted queries (APQ) and an allow-list of trusted documents.

APQ (the protocol of Apollo Client's persisted-queries link, Apollo Server and Router): a request carries
`extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex SHA-256 of the query text>"}`.

- hash alone, known here → the stored document is executed (no query text on the wire; the parser and
  validation caches are hit by the same text every time);
- hash alone, unknown → the error `PersistedQueryNotFound` (code PERSISTED_QUERY_NOT_FOUND); the client
  sends the hash again with the query, which registers it;
- hash and query → the hash must be the SHA-256 of the query text (else INVALID_FIELD, nothing stored);
- a version other than 1, or a malformed hash → INVALID_FIELD naming the field.

The APQ store is per process, bounded (least recently used out), and holds documents only: no data, no
tenant. A hash is only ever stored with the text it is the hash of, so no client can change what
another's hash stands for.

Trusted documents (production option): `INVOICEGRAPH_TRUSTED_DOCUMENTS_FILE` names a JSON map of
SHA-256 → document (or an Apollo persisted query manifest, whose operations carry `id` and `body`); the
service refuses to start if a key is not the hash of its document. Their hashes always resolve. With
`INVOICEGRAPH_TRUSTED_DOCUMENTS_REQUIRED=true`, only those documents run: any other, sent as text or by
hash, is refused with PERSISTED_QUERY_NOT_IN_LIST (a hash it does not know stays NOT_FOUND), and APQ
registration is off. With APQ off (`INVOICEGRAPH_PERSISTED_QUERIES=false`) a hash that is not trusted
answers PERSISTED_QUERY_NOT_SUPPORTED, on which Apollo's link stops sending hashes.

Under `application/json` these errors answer 200 like every GraphQL request error; under
`application/graphql-response+json` they carry their status (404 not found, 403 not in the list, 400
otherwise), as Apollo Router does.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

import orjson

from invoicegraph.errors import ApiError, InvalidField
from invoicegraph.graphql.request import GraphQLRequest
from invoicegraph.settings import Settings

APQ_VERSION = 1
APQ_CACHE_SIZE = 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
_HASH_FIELD = "extensions.persistedQuery.sha256Hash"


class PersistedQueryNotFound(ApiError):
    code = "PERSISTED_QUERY_NOT_FOUND"
    type = "INVALID_REQUEST"
    http_status = 404


class PersistedQueryNotSupported(ApiError):
    code = "PERSISTED_QUERY_NOT_SUPPORTED"
    type = "INVALID_REQUEST"
    http_status = 400


class PersistedQueryNotInList(ApiError):
    code = "PERSISTED_QUERY_NOT_IN_LIST"
    type = "INVALID_REQUEST"
    http_status = 403


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def load_trusted_documents(path: str | Path) -> dict[str, str]:
    """The trusted documents of a file: `{sha256: document}` or an Apollo persisted query manifest.

    Raises ValueError (the app does not start) on anything unexpected, a key that is not the
    document's hash included.
    """
    try:
        raw = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as problem:
        raise ValueError(f"trusted documents file {path}: {problem}") from problem
    if isinstance(raw, dict) and isinstance(raw.get("operations"), list):
        pairs = [(op.get("id"), op.get("body")) for op in raw["operations"] if isinstance(op, dict)]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        raise ValueError(f"trusted documents file {path}: expected a JSON object of sha256 → document")
    documents: dict[str, str] = {}
    for key, document in pairs:
        if not isinstance(key, str) or not isinstance(document, str):
            raise ValueError(f"trusted documents file {path}: every entry needs a hash and a document text")
        if document_hash(document) != key.lower():
            raise ValueError(f"trusted documents file {path}: {key} is not the SHA-256 of its document")
        documents[key.lower()] = document
    return documents


class PersistedQueries:
    """Turns a request's hash into its document (or refuses it); one per app."""

    def __init__(self, *, apq: bool, trusted: dict[str, str] | None = None, required: bool = False, size: int = APQ_CACHE_SIZE) -> None:
        if required and trusted is None:
            raise ValueError("INVOICEGRAPH_TRUSTED_DOCUMENTS_REQUIRED needs INVOICEGRAPH_TRUSTED_DOCUMENTS_FILE")
        self.trusted = trusted or {}
        self.required = required
        self.apq = apq and not required
        self.size = size
        self._stored: OrderedDict[str, str] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings) -> PersistedQueries:
        trusted = load_trusted_documents(settings.trusted_documents_file) if settings.trusted_documents_file else None
        return cls(apq=settings.persisted_queries, trusted=trusted, required=settings.trusted_documents_required)

    def resolve(self, request: GraphQLRequest) -> GraphQLRequest:
        """The request with its document in `query`; raises a coded ApiError to refuse it."""
        extensions = request.extensions
        persisted = extensions.get("persistedQuery") if extensions else None
        if persisted is None:
            if self.required and request.query is not None and document_hash(request.query) not in self.trusted:
                raise PersistedQueryNotInList("The document is not in the list of trusted documents.", field="query")
            return request
        digest = self._digest(persisted)
        if request.query is None:
            document = self.trusted.get(digest) or self._lookup(digest)
            if document is None:
                if not self.apq and not self.required:
                    raise PersistedQueryNotSupported("PersistedQueryNotSupported", field=_HASH_FIELD)
                raise PersistedQueryNotFound("PersistedQueryNotFound", field=_HASH_FIELD)
            return request.with_query(document)
        if document_hash(request.query) != digest:
            raise InvalidField("provided sha does not match query", field=_HASH_FIELD)
        if digest in self.trusted:
            return request
        if self.required:
            raise PersistedQueryNotInList("The document is not in the list of trusted documents.", field="query")
        if not self.apq:
            raise PersistedQueryNotSupported("PersistedQueryNotSupported", field=_HASH_FIELD)
        self._store(digest, request.query)
        return request

    @staticmethod
    def _digest(persisted: Any) -> str:
        if not isinstance(persisted, dict):
            raise InvalidField("`extensions.persistedQuery` must be an object.", field="extensions.persistedQuery")
        if persisted.get("version") != APQ_VERSION:
            raise InvalidField("Unsupported persisted query version; use 1.", field="extensions.persistedQuery.version")
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest.lower()):
            raise InvalidField("`sha256Hash` must be the hex SHA-256 of the query text.", field=_HASH_FIELD)
        return digest.lower()

    def _lookup(self, digest: str) -> str | None:
        if not self.apq:
            return None
        document = self._stored.get(digest)
        if document is not None:
            self._stored.move_to_end(digest)
        return document

    def _store(self, digest: str, document: str) -> None:
        self._stored[digest] = document
        self._stored.move_to_end(digest)
        while len(self._stored) > self.size:
            self._stored.popitem(last=False)
