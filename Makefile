# Steward: `make run` serves the app with demo data; `make test` runs the whole suite.
# Both set themselves up on a fresh clone (virtualenv, packages, database migrations).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test lint format screenshots clean-venv

help:
	@echo "make run    - install, migrate, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test   - install the test extras and run the whole suite (SQLite + PostgreSQL + browser)"
	@echo "make lint   - ruff check and format check, bandit"
	@echo "make format - ruff format"
	@echo "make screenshots - retake the README's screenshots (needs Chromium)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Steward needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed-app

# axe-core and the Nu HTML Checker for the accessibility tests, from the npm registry.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the accessibility test will say it is skipped."; \
	fi

run: $(VENV)/.installed-app
	$(BIN)/union db upgrade
	$(BIN)/union demo-data
	$(BIN)/union run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r union
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r union

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

screenshots: $(VENV)/.installed-dev
	$(BIN)/python scripts/screenshots.py

clean-venv:
	rm -rf $(VENV) node_modules
