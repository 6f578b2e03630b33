# The two commands of the README. Each makes its own virtualenv and installs the pinned stack.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.rnnspec-installed
JOBS   ?= 2

.PHONY: spec test lint venv clean

$(STAMP): requirements/pinned.txt requirements/dev.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

## make spec: run the specification on every device here and write reports/
spec: $(STAMP)
	$(BIN)/python -m pytest spec -n $(JOBS) --rnnspec-reports=reports --junitxml=reports/junit.xml

## make test: lint, type-check, the project's own tests, and the specification
test: $(STAMP) lint
	$(BIN)/python -m pytest spec -n $(JOBS) --rnnspec-reports=build/reports --junitxml=build/reports/junit.xml
	RNNSPEC_FRESH_REPORTS=build/reports $(BIN)/python -m pytest tests -n $(JOBS)

lint: $(STAMP)
	$(BIN)/ruff check rnnspec tests conftest.py
	$(BIN)/ruff format --check rnnspec tests conftest.py
	$(BIN)/mypy

clean:
	rm -rf build $(VENV)
