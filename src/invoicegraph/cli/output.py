"""Where the commands write: results on stdout, problems and notes on stderr; rows as a table or as TSV."""

from __future__ import annotations

import sys
from datetime import datetime

from rich.console import Console
from rich.table import Table

console = Console()
errors = Console(stderr=True)


def print_rows(columns: tuple[str, ...], records: list[dict[str, object]]) -> None:
    rows = [[_cell(record[column]) for column in columns] for record in records]
    if not sys.stdout.isatty():
        # Piped: tab-separated lines with a header, for scripts (a table would truncate).
        sys.stdout.write("\n".join("\t".join(row) for row in [list(columns), *rows]) + "\n")
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _cell(value: object) -> str:
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value if value is not None else "")
