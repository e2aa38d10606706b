"""The docs stay true to the code: the README stays short, the refresh walk names code that exists,
every doc the code and the docs point at exists, and nothing cites the product spec (it is not in the
repository, so such a reference is dead for every reader)."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import typer

from invoicegraph.cli import app
from invoicegraph.records.pricing import MODEL_FIELDS

ROOT = Path(__file__).parent.parent.parent
DOCS = ROOT / "docs"
PACKAGE = ROOT / "src" / "invoicegraph"
README = ROOT / "README.md"
README_LIMIT = 8192

# Docs other branches are writing or rewriting right now: a link to one is fine before it lands, and
# such a page is not yet held to the rules below.
IN_PROGRESS = frozenset({"security.md", "events.md", "frontend.md", "browser.md"})

# Written with a character class so that this file does not match the searches it describes.
SPEC_PATHS = re.compile(r"shared/(sp[e]c|not[e]s|guid[e])|sk[e]tch")
SPEC_FILES = re.compile(r"(billing-engine|field-mapping|vendor-invoice|import-format|reliability-security|engineering)[.]md")
SECTION_MARK = "\N{SECTION SIGN}"
TEXT_SUFFIXES = frozenset({".py", ".md", ".json", ".mjs", ".sh", ".toml", ".graphql", ".txt"})

WALK_PAIR = re.compile(r"`([\w/]+\.py)` `([\w.]+)`")
DOC_PATH = re.compile(r"docs/([\w-]+\.md)")
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]*)`")


def _text_files(*folders: Path) -> Iterator[Path]:
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            skipped = {"node_modules", "__pycache__", "static"} & set(path.parts)
            if path.is_file() and path.suffix in TEXT_SUFFIXES and not skipped and path != Path(__file__):
                yield path


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


@cache
def _definitions(module: Path) -> frozenset[str]:
    """Top-level names of a module, and `Class.method` for the methods of its classes."""
    names: set[str] = set()
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names |= {f"{node.name}.{item.name}" for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)}
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return frozenset(names)


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_anchor(line.lstrip("#")) for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("#")}


def test_the_readme_fits_in_8_kib_and_starts_with_the_two_commands() -> None:
    readme = README.read_bytes()
    assert len(readme) <= README_LIMIT, f"README.md is {len(readme)} bytes; move detail to docs/ (at most {README_LIMIT})"
    quick_start = _section(readme.decode("utf-8"), "## Quick start")
    assert "make run" in quick_start
    assert "make test" in quick_start


def test_every_hop_of_the_refresh_walk_names_code_that_exists() -> None:
    architecture = (DOCS / "architecture.md").read_text(encoding="utf-8")
    walk = WALK_PAIR.findall(_section(architecture, "## The walk of a refresh"))
    # Both walks, end to end: the app, the GraphQL endpoint, the REST route, the service, the engine.
    for hop in [
        ("app.py", "create_app"),
        ("graphql/endpoint.py", "GraphQLEndpoint._mutate"),
        ("db/request.py", "RequestDatabase.unit_of_work"),
        ("rest/refresh.py", "_refresh"),
        ("db/engine.py", "Database.write"),
        ("services/refresh/service.py", "refresh"),
        ("billing/engine.py", "rate_invoice"),
        ("services/idempotency.py", "record"),
    ]:
        assert hop in walk, f"the walk lost {hop}"
    missing = [
        f"{file} {name}"
        for file, name in WALK_PAIR.findall(architecture)
        if not (PACKAGE / file).is_file() or name not in _definitions(PACKAGE / file)
    ]
    assert not missing, f"docs/architecture.md names code that does not exist: {missing}"


def test_every_doc_the_code_and_the_docs_point_at_exists() -> None:
    dead: list[str] = []
    for path in [README, *_text_files(PACKAGE, ROOT / "tests", DOCS)]:
        text = path.read_text(encoding="utf-8")
        named = set(DOC_PATH.findall(text))
        here = path.parent
        for link in LINK.findall(text):
            target, _, anchor = link.partition("#")
            if target.startswith(("http://", "https://")) or not (target.endswith(".md") or (not target and anchor)):
                continue
            page = (here / target).resolve() if target else path
            if page.name in IN_PROGRESS and not page.exists():
                continue
            if not page.is_file():
                dead.append(f"{path.relative_to(ROOT)}: {link}")
            elif anchor and anchor not in _anchors(page):
                dead.append(f"{path.relative_to(ROOT)}: {link} (no such heading)")
        dead += [f"{path.relative_to(ROOT)}: docs/{name}" for name in named - IN_PROGRESS if not (DOCS / name).is_file()]
    assert not dead, "dead references to docs:\n" + "\n".join(dead)


def test_every_file_and_folder_the_docs_name_exists() -> None:
    # history.md names what was removed, on purpose.
    pages = [README, *(page for page in sorted(DOCS.glob("*.md")) if page.name not in IN_PROGRESS | {"history.md"})]
    missing = []
    for page in pages:
        for path in CODE_PATH.findall(page.read_text(encoding="utf-8")):
            rooted = path.split("/", 1)[0] in {"src", "tests", "bench", "scripts", "docs"}
            written_by_bench = path.startswith("bench/") and not path.endswith((".py", "/", ".md"))
            if not (rooted or path.endswith(".py")) or written_by_bench:
                continue  # a media type or a route is not a file
            if not ((ROOT / path).exists() or (PACKAGE / path).exists()):
                missing.append(f"{page.relative_to(ROOT)}: {path}")
    assert not missing, "the docs name files that do not exist:\n" + "\n".join(missing)


def test_nothing_cites_the_product_spec() -> None:
    cited = [
        f"{path.relative_to(ROOT)}: {found.group(0)}"
        for path in [README, *_text_files(PACKAGE, ROOT / "tests", DOCS)]
        for found in [SPEC_PATHS.search(path.read_text(encoding="utf-8"))]
        if found is not None
    ]
    owned = [README, *(page for page in sorted(DOCS.glob("*.md")) if page.name not in IN_PROGRESS)]
    for path in [*owned, *_text_files(PACKAGE, ROOT / "tests")]:
        text = path.read_text(encoding="utf-8")
        cited += [f"{path.relative_to(ROOT)}: {name.group(0)}" for name in SPEC_FILES.finditer(text)]
        # A section mark names a section of some document; in code only an RFC's is a public one.
        marked = [line for line in text.splitlines() if SECTION_MARK in line and (path in owned or "RFC" not in line)]
        if marked:
            cited.append(f"{path.relative_to(ROOT)}: a {SECTION_MARK} section mark (whose document?): {marked[0].strip()[:80]}")
    assert not cited, "say the rule in the project's own words instead:\n" + "\n".join(cited)


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every leaf command of a Typer app (Typer carries its own copy of click: groups are told by `commands`)."""
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield path, command
        return
    for name, sub in subcommands.items():
        yield from _commands(sub, (*path, name))


def test_the_cli_page_names_every_command_and_option() -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = list(_commands(typer.main.get_command(app)))
    assert len(commands) >= 9, commands  # serve … export-schema and the three api-keys commands
    missing: list[str] = []
    for path, command in commands:
        name = " ".join(("invoicegraph", *path))
        if f"`{name}" not in page:
            missing.append(name)
        for parameter in command.params:
            flags = [flag for flag in (*parameter.opts, *parameter.secondary_opts) if flag.startswith("-") and flag != "--help"]
            missing += [f"{name} {flag}" for flag in flags if f"`{flag}`" not in page and f"{flag} " not in page]
    assert not missing, f"docs/cli.md does not mention: {missing}"


def test_the_import_page_example_and_model_table_match_the_format() -> None:
    page = (DOCS / "importing.md").read_text(encoding="utf-8")
    example = re.search(r"A short file:\n\n```json\n(.*?)```", page, re.DOTALL)
    assert example is not None
    schema = json.loads((PACKAGE / "records" / "import-schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(example.group(1)), schema)
    rows = [line for line in page.splitlines() if line.startswith("| `") and "`model`" not in line]
    for model, (_, allowed) in MODEL_FIELDS.items():
        row = next((line for line in rows if f"`{model}`" in line.split("|")[1]), None)
        assert row is not None, f"docs/importing.md has no row for the {model} model"
        assert all(f"`{field}`" in row for field in allowed), f"the {model} row should name {sorted(allowed)}: {row}"
