#!/usr/bin/env bash
# Regenerates migration 0001 from the tables while the project has not been released yet (no
# deployed database to migrate). After the first release, add new revisions instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f src/invoicegraph/db/migrations/versions/0001_initial_schema.py
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from invoicegraph.db.migrate import alembic_config
command.revision(alembic_config(f"sqlite+aiosqlite:///{sys.argv[1]}/empty.db"), message="initial schema", autogenerate=True, rev_id="0001")
PY
sed -i 's/postgresql.JSONB(astext_type=Text())/postgresql.JSONB()/g; /^Create Date:/d' src/invoicegraph/db/migrations/versions/0001_initial_schema.py
rm -rf "$tmp"
