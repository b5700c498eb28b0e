# Steward: `make run` serves the app with demo data; `make test` runs the whole suite.
# Both set themselves up on a fresh clone (virtualenv, packages, database migrations).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# make bench: the data sets (cases) and databases to measure, e.g. for a quick run
# `make bench BENCH_SCALES=1000,10000 BENCH_BACKENDS=sqlite`.
BENCH_SCALES ?= 1000,10000,100000
BENCH_BACKENDS ?= sqlite,postgresql

.DEFAULT_GOAL := help
.PHONY: help run test lint format screenshots bench clean-venv

help:
	@echo "make run    - install, migrate, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test   - install the test extras and run the whole suite (SQLite + PostgreSQL + browser)"
	@echo "make lint   - ruff check and format check, bandit"
	@echo "make format - ruff format"
	@echo "make screenshots - retake the README's screenshots (needs Chromium)"
	@echo "make bench  - load benchmark at 1k, 10k and 100k cases on SQLite and PostgreSQL"
	@echo "              (quick: make bench BENCH_SCALES=1000,10000 BENCH_BACKENDS=sqlite)"

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

# wrk, the HTTP load generator, comes from Debian: installed here when running as root.
bench: $(VENV)/.installed-dev
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing wrk, the HTTP load generator"; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get install -y -qq wrk || { apt-get update -qq && apt-get install -y -qq wrk; }; \
		else \
			echo "make bench needs wrk, the HTTP load generator:"; \
			echo "  sudo apt-get install wrk    (or your system's package of it), then again"; \
			exit 1; \
		fi; \
	}
	@case "$(BENCH_BACKENDS)" in *postgresql*) \
		if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q \
			&& [ "$$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null 2>&1; then \
			pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n 1)" main start || true; \
			for _ in 1 2 3 4 5 6 7 8 9 10; do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done; \
		fi;; \
	esac
	BENCH_SCALES=$(BENCH_SCALES) BENCH_BACKENDS=$(BENCH_BACKENDS) $(BIN)/python bench/run_bench.py

clean-venv:
	rm -rf $(VENV) node_modules
