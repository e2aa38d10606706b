"""Pydantic models of the import records: the validated, normalized vendor-shaped documents.

`model_dump(mode="json")` of a record is the dict stored in its table's `data` column and read by
the GraphQL layer (snake_case GraphQL field names, lists never null, amounts as
{"quantity", "currency"} strings, instants as "YYYY-MM-DDTHH:MM:SSZ").
"""

from invoicegraph.records.file import FORMAT, SECTIONS, ImportFile
from invoicegraph.records.invoice_document import invoice_dict_to_row_values
from invoicegraph.records.problems import Problem

__all__ = ["FORMAT", "SECTIONS", "ImportFile", "Problem", "invoice_dict_to_row_values"]
