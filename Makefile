# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run console test lint typecheck imports check-content migrate bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: install, migrate, start the bot (platforms with tokens set, else the terminal chat)
run: $(STAMP)
	$(BIN)/python -m bot migrate
	$(BIN)/python -m bot run

## console: chat with the coach in this terminal, even when tokens are set
console: $(STAMP)
	$(BIN)/python -m bot console

migrate: $(STAMP)
	$(BIN)/python -m bot migrate

check-content: $(STAMP)
	$(BIN)/python -m bot check-content

## test: lint, type-check, check the import contracts and run the whole suite
test: lint typecheck imports
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## imports: the import contracts in pyproject.toml ([tool.importlinter])
imports: $(STAMP)
	$(BIN)/lint-imports

## bench: the measurement scripts (not part of the test suite)
bench: $(STAMP)
	$(BIN)/python bench/core.py
	taskset -c 0 $(BIN)/python bench/understanding.py
	taskset -c 0 $(BIN)/python bench/media.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
