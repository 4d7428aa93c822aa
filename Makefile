# make check: what CI runs, plus format, lint and types.
.PHONY: check test lint types docs
VENV ?= .venv
PY = $(VENV)/bin/python

check: lint types test

test:
	$(PY) -m pytest -q

lint:
	$(VENV)/bin/ruff format --check analyzer tests benchmarks samples
	$(VENV)/bin/ruff check analyzer tests benchmarks samples

types:
	$(VENV)/bin/mypy analyzer

docs:
	$(PY) -m analyzer.cli_docs
