# shoplake — the two commands: `make demo` and `make test`. Each sets up what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export SHOPLAKE_HOME ?= $(CURDIR)/.shoplake
# Spark 4.1 (Glue 6.0) wants a JVM; the machine's Java 17 is used.
export PYSPARK_PYTHON := $(CURDIR)/$(BIN)/python

.PHONY: demo test setup lint package bench clean dashboard help
.DEFAULT_GOAL := help

help:
	@echo "make demo   - set up, make a 50k-review sample, run it through the local pipeline, print results"
	@echo "make test   - set up and run the whole test suite (unit, integration, static checks)"
	@echo "make bench  - clean + flatten of a 1 M-line review dump, Spark and the DuckDB reference side by side"
	@echo "make lint   - ruff"
	@echo "make package - npx sls package for dev and prod (offline)"
	@echo "make dashboard - serve the dashboard on http://127.0.0.1:8501/ over the local warehouse (after make demo)"

$(PY_STAMP): pyproject.toml
	@command -v java >/dev/null || { echo "Java 17 is needed for PySpark (apt-get install openjdk-17-jre-headless)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The dashboard's browser test drives the machine's Chromium (Debian packages; a test tool's own
# browser download cannot work offline).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	@echo "installing Debian's chromium and chromium-driver for the dashboard's browser test"
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null

setup: $(PY_STAMP) $(NODE_STAMP) $(CHROMIUM)

demo: $(PY_STAMP)
	$(BIN)/shoplake demo

# Two workers, a test file each (module fixtures are built once); the dbt manifest the transform
# DAG renders from is parsed first, so the workers never parse it at the same time.
test: setup lint
	$(BIN)/python -c "from shoplake.orchestration.airflow import ensure_dbt_manifest; ensure_dbt_manifest()"
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(PY_STAMP)
	$(BIN)/ruff check shoplake handlers glue dags tests bench

package: $(NODE_STAMP)
	npx sls package --stage dev
	npx sls package --stage prod

dashboard: $(PY_STAMP)
	$(BIN)/shoplake dashboard

bench: $(PY_STAMP)
	$(BIN)/python bench/clean_flatten.py

clean:
	rm -rf .shoplake .serverless .pytest_cache spark-warehouse test-artifacts
