"""`Row`: one object as the service reads and answers it, a dict in the vendor's snake_case JSON shape.

The reads (`db/`) build rows, services and resolvers pass them on, and the dict-backed schema types
read their keys. The billing engine's own name for a stored object's fields is `billing/fields.py`'s
`Fields`; the engine imports nothing from here.
"""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]
