# Every command a person types. CI runs `make test`, the same target a person runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
ROWS ?= 1000000
FORMAT ?= parquet
DATA_DIR ?= data/generated

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_PROJECT_DIR := $(CURDIR)

.PHONY: run publish report bench test browser lint format docs seeds data examples clean lock venv

## The virtual environment, created from the pinned lock when missing or when the lock changes.
$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

venv: $(BIN)/.installed

## Main job: dbt build (seeds, models, Python models, every test) into warehouse/build.duckdb;
## if all passed, publish the marts to warehouse/segments.duckdb and warehouse/marts/*.parquet,
## print the segment summary and write reports/segments.html.
run: venv
	mkdir -p warehouse
	$(BIN)/python scripts/run_pipeline.py

## Publish the marts of the last successful build again (run by `make run`).
publish: venv
	$(BIN)/python scripts/publish.py

## The offline report from the published marts.
report: venv
	$(BIN)/python scripts/build_report.py

## The whole test suite: linters, then pytest (which drives dbt on throw-away databases,
## two workers), including the browser test of the report in Debian's Chromium.
test: venv lint browser
	$(BIN)/python -m pytest -n 2

## Debian's Chromium for the browser test, installed when missing (needs root, as in CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else echo "Chromium is missing: install Debian's chromium package for the browser test."; fi; }

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	mkdir -p warehouse
	$(BIN)/sqlfluff lint models

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/sqlfluff fix models

## dbt docs with lineage, served on http://localhost:8080.
docs: venv
	mkdir -p warehouse
	$(DBT) docs generate
	$(DBT) docs serve --port 8080

## Regenerate the demo seeds (deterministic: the committed files come back byte for byte).
seeds: venv
	$(BIN)/python scripts/generate_data.py seeds --out seeds

## Customers (and orders) of any size, e.g. `make data ROWS=10000000 FORMAT=parquet`.
data: venv
	$(BIN)/python scripts/generate_data.py scale --rows $(ROWS) --format $(FORMAT) --out $(DATA_DIR) --with-orders

## Example exports in users' shapes (data/examples/), read by examples/bases.yml.
examples: venv
	$(BIN)/python scripts/generate_data.py examples --out data/examples

## Benchmark: the notebook approach against the whole `dbt build` on the same generated file
## (1M and 10M customers by default; e.g. `make bench SIZES=1000000`). Writes BENCHMARKS.md.
SIZES ?= 1000000,10000000
bench: venv
	$(BIN)/python scripts/bench.py --sizes $(SIZES)

## Re-pin requirements.lock from requirements.in in a fresh environment.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements.in
	(echo "# Pinned by \`make lock\` from requirements.in (pip freeze of a fresh Python 3.11 venv)."; .lock-venv/bin/pip freeze --all --exclude pip --exclude setuptools | sort -f) > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf target logs dbt_packages reports/segments.html .pytest_cache .ruff_cache
	find warehouse -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
