"""The JSON Schema of the import file, generated from the same models the import validates with.

The shipped `import-schema.json` is this output; a test fails when they differ
(`python -m invoicegraph.records.jsonschema > src/invoicegraph/records/import-schema.json`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from invoicegraph.records.file import ImportFile

SCHEMA_PATH = Path(__file__).with_name("import-schema.json")


def import_schema() -> dict[str, Any]:
    schema = ImportFile.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render() -> str:
    return json.dumps(import_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
