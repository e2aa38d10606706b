"""The process's memory: the collector tuned for serving, and memory given back after a burst.

A burst of heavy answers (each materialises its rows, its result tree and its encoded body) raises a
process's resident memory; once they are done, Python frees the objects but its allocators keep the
memory: cyclic garbage waits for a full collection (rare while the process is idle, the collector being
tuned for serving, `tune_collector`), and glibc's malloc keeps freed heap pages for reuse instead of returning
them. Measured after 16 concurrent heavy queries (bench/fairness.py): 124 MB before, 225 MB after, 217 MB
after a full collection, 198 MB after `malloc_trim(0)`. What is left is pymalloc arenas still holding a
few live objects each; bounding the burst (middleware/limits.py) is what bounds that.

`return_memory` is a maintenance job (services/maintenance.py) that runs in every process while it is
idle: a full collection, then `malloc_trim(0)` where the C library is glibc (a no-op elsewhere).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None (musl, macOS: nothing to call)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def return_memory() -> bool:
    """Collect every generation, then hand free heap pages back; True when malloc_trim released any."""
    gc.collect()
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False


def tune_collector() -> None:
    """Keep the collector off the request path.

    A GraphQL response allocates many short-lived objects, so the default first-generation threshold
    (700) runs collections several times per request. Everything built at startup (schema, caches,
    modules) lives forever: freezing it keeps full collections from walking it again and again.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
