# Rights Portal — set-up, run and test. `make run` and `make test` work on a
# fresh clone: they create .venv (installing uv into .tools/ when it is not on
# PATH), install the locked dependencies and compile the translations.

SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
LOCALE_DIRS := $(wildcard */locale)

.PHONY: help install messages run serve test test-fast lint format bench load clean demo-connector

help:
	@echo "make run    - install, migrate, load demo data, serve http://127.0.0.1:8000"
	@echo "make serve  - production processes: gunicorn, a Celery worker and beat (DATABASE_URL, REDIS_URL)"
	@echo "make test   - install and run the whole test suite (browser tests included)"
	@echo "make lint   - ruff check and format check, the import layers (import-linter)"
	@echo "make bench  - benchmarks in tests/bench (PostgreSQL via DATABASE_URL)"
	@echo "make load   - load test: locust against gunicorn + PostgreSQL (DATABASE_URL, REDIS_URL)"
	@echo "make demo-connector - the demo's external system (the test double) on 127.0.0.1:8765"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups
	@touch $@

install: $(VENV)/.installed messages

# Translations are compiled from the .po files in each app's locale/ (pure Python).
messages: $(VENV)/.installed
	@for dir in $(LOCALE_DIRS); do \
		$(VENV)/bin/pybabel compile --statistics -D django -d $$dir || exit 1; \
	done

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# The production process set on one machine: migrate, collect the static files,
# then web (gunicorn), one Celery worker and the one beat under honcho; Ctrl-C
# stops all three. honcho hands the web process PORT (its own default is 5000):
# PORT from .env, else from the environment, else 8000 as documented.
# Configuration comes from the environment or .env; database connections are
# kept 60 s (checked before reuse) unless CONN_MAX_AGE says.
serve: install
	@$(PY) -c 'import portal.settings as s; raise SystemExit(0 if s.REDIS_URL and "postgresql" in s.DATABASES["default"]["ENGINE"] else "make serve needs DATABASE_URL (PostgreSQL) and REDIS_URL, in the environment or .env: see README.md")'
	mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	CONN_MAX_AGE=$${CONN_MAX_AGE:-60} PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho --procfile portal/Procfile --app-root . start --port "$${PORT:-8000}"

# Tests run in parallel processes (pytest-xdist), one per CPU; each has its own
# test database, cache key prefix and live-server port. TEST_WORKERS=0 runs
# them in this process (e.g. to use a debugger).
TEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Each benchmark appends rows (a measurement and its baseline from the same run,
# with the load average) to var/bench-results.jsonl; the table is printed at the
# end. Sizes: BENCH_DISCLOSURE_SIZES, BENCH_REGISTRY_SIZES, BENCH_DASHBOARD_SIZES,
# BENCH_RETENTION_SIZES, BENCH_CHANGELIST_ROWS (docs/benchmarks.md).
bench: install
	@mkdir -p var && rm -f var/bench-results.jsonl
	$(PY) -m pytest tests/bench -p no:randomly -s $(PYTEST_ARGS); status=$$?; \
		$(PY) -m tests.bench.table; exit $$status

# Load test (tests/bench/load): gunicorn, a worker and locust for 60 s on this machine.
load: install
	$(PY) tests/bench/load/run.py $(LOAD_ARGS)

# The demo's external system (docs/connectors.md): the connector test double on
# the address seed_demo configured, holding data of demo@example.com.
demo-connector: $(VENV)/.installed
	$(PY) -m tests.connector_double --port 8765

clean:
	rm -rf $(VENV) .tools var db.sqlite3
