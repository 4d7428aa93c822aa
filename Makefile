# make check: what CI runs (.ci/run, the README's Quickstart second command) in the existing .venv.
.PHONY: check test lint types docs
VENV ?= .venv
PY = $(VENV)/bin/python

check: lint types test

test:
	$(PY) -m pytest -q
	$(PY) -m pytest -q --portable-loader

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types:
	$(VENV)/bin/mypy

docs:
	$(PY) -m analyzer.cli.docs
