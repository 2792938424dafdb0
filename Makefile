# The two commands: `make run` (serve the API locally) and `make test` (everything CI checks).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Find Python 3.13 (or 3.12) on PATH or under pyenv: Lambda's runtime follows the Python that packages.
PYTHON ?= $(shell scripts/find-python.sh)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
STAGE ?= dev
export CATDATA_HOME ?= $(CURDIR)/.catdata

.PHONY: help venv run test lint typecheck unit bench package deploy seed clean

help:
	@echo "make run     serve the API on http://127.0.0.1:$(PORT) (embedded backend, state in CATDATA_HOME)"
	@echo "make test    ruff, mypy and every test suite"
	@echo "make bench   benchmarks (printed as a table)"
	@echo "make package STAGE=dev|prod   chalice package --merge-template into build/STAGE/"
	@echo "make deploy  STAGE=dev|prod   aws cloudformation deploy of build/STAGE/"

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@[ -n "$(PYTHON)" ] || { echo "Python 3.13 or 3.12 not found (PATH or pyenv). Install one, or: make PYTHON=/path/to/python3.13"; exit 1; }
	@[ -x $(BIN)/python ] && $(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] not in ((3,12),(3,13)))' || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@mkdir -p "$(CATDATA_HOME)"
	$(BIN)/catdata init
	@echo
	@echo "Create a first key:   $(BIN)/catdata keys create --role admin --scope '*'"
	@echo "Demo data:            $(BIN)/catdata seed --demo"
	@echo "Serving on http://127.0.0.1:$(PORT)  (CATDATA_HOME=$(CATDATA_HOME))"
	@# --no-autoreload: Chalice's reloader watches every file under the project, .catdata's database included.
	CATDATA_PUBLIC_URL=$${CATDATA_PUBLIC_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/chalice local --stage local --host 127.0.0.1 --port $(PORT) --no-autoreload

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy app.py chalicelib

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m bench

package: $(STAMP)
	$(BIN)/python -m scripts.package --stage $(STAGE)

deploy: package
	bash scripts/deploy.sh $(STAGE)

clean:
	rm -rf build .mypy_cache .ruff_cache .pytest_cache
