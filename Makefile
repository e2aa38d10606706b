# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export INVOICEGRAPH_DATABASE_URL ?= sqlite+aiosqlite:///./invoicegraph.db

.PHONY: run test check format lint typecheck venv schema docs clean bench soak fairness mutate

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

## The whole suite (after the checks), on every core, with the configuration that ships; then the
## integration tests again with every compiled plan compared against graphql-core (`verify`).
JOBS ?= auto
test: check
	@scripts/test-deps
	$(BIN)/python -m pytest -n $(JOBS) $(PYTEST_ARGS)
	INVOICEGRAPH_EXECUTION_PLANS=verify $(BIN)/python -m pytest -n $(JOBS) -q tests/integration

## Format check, lint, strict type check.
check: $(STAMP)
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

## GraphQL against the hand-written REST routes on PostgreSQL, same-run ratios (bench/README.md).
## `make bench QUICK=1` is the short run (about 8 minutes); BENCH_ARGS passes more flags to bench/run.py.
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	@command -v initdb >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/initdb ] || { apt-get update -qq && apt-get install -y -qq postgresql; }
	$(BIN)/python bench/run.py $(if $(QUICK),--quick) $(BENCH_ARGS)
	$(BIN)/python bench/import_memory.py $(if $(QUICK),--quick)
	$(BIN)/python bench/large_refresh.py $(if $(QUICK),--quick)

## Load and soak (opt-in, not part of make test): mixed load with memory watched.
soak: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

## Mutation testing of billing/ and db/usage_aggregation.py (mutmut, pinned in requirements.lock, installed
## with the venv; slow, not part of `make test`). Property tests run MUTATE_EXAMPLES examples per mutant.
## Prints the kill rate; survivors and equivalent mutants are listed in docs/mutation-testing.md.
MUTATE_EXAMPLES ?= 10
MUTATE_CHILDREN ?= 2
mutate: $(STAMP)
	rm -rf mutants
	INVOICEGRAPH_TEST_EXAMPLES=$(MUTATE_EXAMPLES) $(BIN)/mutmut run --max-children $(MUTATE_CHILDREN)
	$(BIN)/mutmut export-cicd-stats
	@$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); t = s['total'] - s['skipped']; k = s['killed'] + s['timeout']; print(f'mutants killed: {k} of {t} ({100 * k / t:.1f} %), survived: {s[\"survived\"]}, no tests: {s[\"no_tests\"]}')"
	$(BIN)/mutmut results

## Fairness (opt-in): one tenant's 32 heavy queries against another's latency, memory after (docs/security.md).
fairness: $(STAMP)
	@command -v initdb >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/initdb ] || { apt-get update -qq && apt-get install -y -qq postgresql; }
	$(BIN)/python bench/fairness.py $(FAIRNESS_ARGS)

## Regenerate the generated docs (docs/configuration.md, from the Settings class).
docs: $(STAMP)
	$(BIN)/python -m invoicegraph.settings_doc > docs/configuration.md

## Regenerate the committed SDLs after a schema change: the subgraph's and the client-facing one (clients/).
schema: $(STAMP)
	$(BIN)/invoicegraph export-schema > schema.graphql
	$(BIN)/invoicegraph export-schema --client > clients/schema.graphql
	$(BIN)/python -m invoicegraph.records.jsonschema > src/invoicegraph/records/import-schema.json

clean:
	rm -rf $(VENV) invoicegraph.db*
