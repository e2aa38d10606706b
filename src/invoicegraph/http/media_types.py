"""The two response media types of GraphQL over HTTP, and which one a client's Accept header prefers."""

from __future__ import annotations

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
_EXACT = 2  # specificity of a media range naming the type (vs 1 for `type/*`, 0 for `*/*`)


def prefers_graphql_response_json(accept: str | None) -> bool:
    """True when the Accept header ranks application/graphql-response+json at least as high as JSON.

    No Accept header, `*/*` or `application/*` alone mean application/json (the spec's legacy
    default, which every existing client expects). An explicit graphql-response+json wins a tie
    with an explicit application/json, as the spec recommends to servers that support both.
    """
    if not accept:
        return False
    ranked = _media_ranges(accept)
    ours = _quality(ranked, GRAPHQL_RESPONSE_JSON)
    theirs = _quality(ranked, APPLICATION_JSON)
    if ours[1] < _EXACT or ours[0] <= 0:
        return False  # only when named: a wildcard alone means application/json
    # Compare (quality, specificity): on equal quality the more specific range wins, then ours.
    return ours >= theirs


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())  # float-ok: an HTTP Accept q-value
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return ranges


def _quality(ranges: list[tuple[str, float]], media_type: str) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching `media_type`; (0, 0) when none does."""
    main = media_type.split("/", 1)[0]
    best: tuple[int, float] | None = None
    for media, quality in ranges:
        specificity = _EXACT if media == media_type else 1 if media == f"{main}/*" else 0 if media == "*/*" else -1
        if specificity >= 0 and (best is None or specificity > best[0]):
            best = (specificity, quality)
    if best is None:
        return (0.0, 0)
    return (best[1], best[0])
