"""JSON responses encoded with orjson."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JSONBody(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


# For a body already encoded (an invoice as stored, rest/vendor.py): JSONBody's media type.
JSON_MEDIA_TYPE = JSONBody.media_type
