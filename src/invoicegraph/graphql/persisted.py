"""Persisted documents: trusted documents by `documentId`, Apollo's automatic persisted queries, an allow-list.

**Trusted documents** (`INVOICEGRAPH_TRUSTED_DOCUMENTS_FILE`): the documents a frontend was built with,
by their SHA-256. The file is GraphQL Code Generator's persisted-documents manifest (`{"<sha256 hex>":
"<document>"}`, client preset with `persistedDocuments: {hashAlgorithm: "sha256"}`), the same map
with `sha256:`-prefixed keys, or an Apollo persisted query manifest (`operations` of `{id, body}`).
The service refuses to start (one line, no traceback: cli/server.py) when a key is not the SHA-256 of its
document, and says so plainly when the manifest was made with another hash (SHA-1 is codegen's
default). A client names one:

- by **`documentId`** in the body or the query string (GraphQL over HTTP's persisted documents:
  `{"documentId": "sha256:<hex>", "variables": …}`; a bare hex digest is taken too); an unknown id is
  PERSISTED_QUERY_NOT_FOUND, a malformed one INVALID_FIELD, and `documentId` with `query` is refused;
- or by Apollo's **APQ** extension, `extensions.persistedQuery = {"version": 1, "sha256Hash": …}`.

**APQ** (Apollo Client's persisted-queries link, Apollo Server and Router): a hash the server does not
know answers PERSISTED_QUERY_NOT_FOUND; the client sends it again with the query, which registers it.
The store is per process, bounded (least recently used out), and **per platform**: a registration
serves only the platform that made it, so one tenant cannot learn which documents another runs; an
anonymous caller can neither register nor look up (UNAUTHORISED), so the store is no oracle. A hash
sent with a query must be the SHA-256 of that query (else INVALID_FIELD, nothing stored), so no
client can change what another's hash stands for. Trusted documents resolve for every caller (they
are the application's, not a tenant's).

With `INVOICEGRAPH_TRUSTED_DOCUMENTS_REQUIRED=true`, only trusted documents run: any other, sent as
text or by hash, is PERSISTED_QUERY_NOT_IN_LIST (an unknown hash stays NOT_FOUND), and APQ is off.
With APQ off (`INVOICEGRAPH_PERSISTED_QUERIES=false`) an untrusted hash answers
PERSISTED_QUERY_NOT_SUPPORTED, on which Apollo's link stops sending hashes.

Under `application/json` these errors answer 200 like every GraphQL request error; under
`application/graphql-response+json` they carry their status (404 not found, 403 not in the list, 401
anonymous, 400 otherwise), as Apollo Router does.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

import orjson

from invoicegraph.errors import ApiError, InvalidField, Unauthorised
from invoicegraph.graphql.request import GraphQLRequest
from invoicegraph.settings import Settings

APQ_VERSION = 1
APQ_CACHE_SIZE = 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
_HASH_FIELD = "extensions.persistedQuery.sha256Hash"
_DOCUMENT_ID = re.compile(r"(?:sha256:)?([0-9a-fA-F]{64})")
# Other hashes a manifest may have been made with, by the length of their hex digest.
_OTHER_HASHES = {32: "MD5", 40: "SHA-1", 96: "SHA-384", 128: "SHA-512"}


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


class TrustedDocumentsError(ValueError):
    """A trusted documents file the service cannot start with; the message is one line for the operator."""


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def _entries(raw: Any, path: str | Path) -> list[tuple[Any, Any]]:
    if isinstance(raw, dict) and isinstance(raw.get("operations"), list):
        return [(op.get("id"), op.get("body")) for op in raw["operations"] if isinstance(op, dict)]
    if isinstance(raw, dict):
        return list(raw.items())
    raise TrustedDocumentsError(f"trusted documents file {path}: expected a JSON object of sha256 → document")


def _digest_of(key: str, path: str | Path) -> str:
    """The hex SHA-256 a manifest key names (`<hex>` or `sha256:<hex>`); refuses other hashes by name."""
    algorithm, _, digest = key.rpartition(":")
    if algorithm and algorithm.lower() != "sha256":
        raise TrustedDocumentsError(
            f"trusted documents file {path}: its hashes are {algorithm}; this service takes SHA-256 only "
            '(GraphQL Code Generator: persistedDocuments: { hashAlgorithm: "sha256" })'
        )
    if len(digest) in _OTHER_HASHES and re.fullmatch(r"[0-9a-fA-F]+", digest):
        raise TrustedDocumentsError(
            f"trusted documents file {path}: its hashes look like {_OTHER_HASHES[len(digest)]} ({len(digest)} hex digits); "
            'this service takes SHA-256 only (GraphQL Code Generator: persistedDocuments: { hashAlgorithm: "sha256" })'
        )
    return digest.lower()


def load_trusted_documents(path: str | Path) -> dict[str, str]:
    """The trusted documents of a file, by hex SHA-256 (see the module text for the formats).

    Raises TrustedDocumentsError (the service does not start) on anything unexpected: a key that is
    not the document's SHA-256, or a manifest made with another hash.
    """
    try:
        raw = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as problem:
        raise TrustedDocumentsError(f"trusted documents file {path}: {problem}") from problem
    documents: dict[str, str] = {}
    for key, document in _entries(raw, path):
        if not isinstance(key, str) or not isinstance(document, str):
            raise TrustedDocumentsError(f"trusted documents file {path}: every entry needs a hash and a document text")
        digest = _digest_of(key, path)
        if document_hash(document) != digest:
            raise TrustedDocumentsError(f"trusted documents file {path}: {key} is not the SHA-256 of its document")
        documents[digest] = document
    return documents


class PersistedQueries:
    """Turns a request's document id or hash into its document (or refuses it); one per app."""

    def __init__(self, *, apq: bool, trusted: dict[str, str] | None = None, required: bool = False, size: int = APQ_CACHE_SIZE) -> None:
        if required and trusted is None:
            raise TrustedDocumentsError("INVOICEGRAPH_TRUSTED_DOCUMENTS_REQUIRED needs INVOICEGRAPH_TRUSTED_DOCUMENTS_FILE")
        self.trusted = trusted or {}
        self.required = required
        self.apq = apq and not required
        self.size = size
        # (platform, hash) → document: a registration serves the platform that made it, no other.
        self._stored: OrderedDict[tuple[str, str], str] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings) -> PersistedQueries:
        trusted = load_trusted_documents(settings.trusted_documents_file) if settings.trusted_documents_file else None
        return cls(apq=settings.persisted_queries, trusted=trusted, required=settings.trusted_documents_required)

    def resolve(self, request: GraphQLRequest, platform_id: str | None = None) -> GraphQLRequest:
        """The request with its document in `query`; raises a coded ApiError to refuse it.

        `platform_id` is the caller's (None: anonymous), which keys the APQ store.
        """
        if request.document_id is not None:
            return self._by_document_id(request)
        extensions = request.extensions
        persisted = extensions.get("persistedQuery") if extensions else None
        if persisted is None:
            if self.required and request.query is not None and document_hash(request.query) not in self.trusted:
                raise PersistedQueryNotInList("The document is not in the list of trusted documents.", field="query")
            return request
        digest = self._digest(persisted)
        if request.query is None:
            document = self.trusted.get(digest) or self._lookup(platform_id, digest)
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
        self._store(platform_id, digest, request.query)
        return request

    def _by_document_id(self, request: GraphQLRequest) -> GraphQLRequest:
        if request.query is not None:
            raise InvalidField("Send either `query` or `documentId`, not both.", field="documentId")
        match = _DOCUMENT_ID.fullmatch(request.document_id or "")
        if match is None:
            raise InvalidField(
                '`documentId` must be "sha256:" followed by the 64 hex digits of the document\'s SHA-256.', field="documentId"
            )
        document = self.trusted.get(match.group(1).lower())
        if document is None:
            raise PersistedQueryNotFound("No trusted document has this documentId.", field="documentId")
        return request.with_query(document)

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

    def _lookup(self, platform_id: str | None, digest: str) -> str | None:
        if not self.apq:
            return None
        if platform_id is None:
            raise Unauthorised("Automatic persisted queries need a credential.", field=_HASH_FIELD)
        document = self._stored.get((platform_id, digest))
        if document is not None:
            self._stored.move_to_end((platform_id, digest))
        return document

    def _store(self, platform_id: str | None, digest: str, document: str) -> None:
        if platform_id is None:
            raise Unauthorised("Automatic persisted queries need a credential.", field=_HASH_FIELD)
        self._stored[(platform_id, digest)] = document
        self._stored.move_to_end((platform_id, digest))
        while len(self._stored) > self.size:
            self._stored.popitem(last=False)
