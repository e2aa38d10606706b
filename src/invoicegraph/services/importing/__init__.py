"""The import service: `invoicegraph import FILE.json …` (docs/importing.md)."""

from invoicegraph.services.importing.compute import compute_open_invoices
from invoicegraph.services.importing.report import FileReport, ImportReport
from invoicegraph.services.importing.service import import_file, import_files

__all__ = ["FileReport", "ImportReport", "compute_open_invoices", "import_file", "import_files"]
