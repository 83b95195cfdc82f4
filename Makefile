# Rights Portal — set-up, run and test. `make run` and `make test` work on a
# fresh clone: they create .venv (installing uv into .tools/ when it is not on
# PATH), install the locked dependencies and compile the translations.

SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
LOCALE_DIRS := $(wildcard */locale)

.PHONY: help install messages run test test-fast lint format bench clean

help:
	@echo "make run    - install, migrate, load demo data, serve http://127.0.0.1:8000"
	@echo "make test   - install and run the whole test suite (browser tests included)"
	@echo "make lint   - ruff check and format check"
	@echo "make bench  - benchmarks in tests/bench (PostgreSQL via DATABASE_URL)"

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

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m pytest tests/bench -p no:randomly -s $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .tools var db.sqlite3
