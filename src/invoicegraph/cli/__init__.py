"""The `invoicegraph` command: one Typer app, its commands one module per group.

The commands are registered here, in one place and in the order `--help` lists them.
"""

from __future__ import annotations

import typer

from invoicegraph.cli import api_keys, data, server, webhooks

app = typer.Typer(
    name="invoicegraph",
    help="GraphQL API server for the invoices of a usage-based billing platform.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(api_keys.group, name="api-keys")
app.add_typer(webhooks.group, name="webhooks")
app.command()(server.serve)
app.command("migrate")(server.migrate_command)
app.command("import")(data.import_command)
app.command()(data.demo)
app.command()(data.generate)
app.command("export-schema")(server.export_schema)
app.command()(webhooks.deliver)
