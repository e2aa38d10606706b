# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export INVOICEGRAPH_DATABASE_URL ?= sqlite+aiosqlite:///./invoicegraph.db

.PHONY: run test check format lint typecheck venv schema clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

## Run the service with the demo data on the embedded SQLite database.
run: $(STAMP)
	$(BIN)/invoicegraph demo
	@$(BIN)/python -m invoicegraph.welcome
	$(BIN)/invoicegraph serve --host 127.0.0.1 --port 8000

## The whole suite (after the checks).
test: check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Format check, lint, strict type check.
check: $(STAMP)
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

## Regenerate the committed SDL after a schema change.
schema: $(STAMP)
	$(BIN)/invoicegraph export-schema > schema.graphql

clean:
	rm -rf $(VENV) invoicegraph.db*
