# Two commands on a fresh machine:
#   make demo   — create .venv, install, run the portal on a fresh demo database
#   make test   — same bootstrap, then ruff, the import contracts (lint-imports), mypy (strict)
#                 and the whole pytest suite

# The interpreter: python3.13 where it runs (pyenv picks it by .python-version), else python3
# (3.11 and 3.12 work too). On 3.13 (and 3.12) the SSH fork server makes the objects it holds
# immortal, so a signed-in session shares them instead of copying them (README). 3.12.1 is
# not preferred: it scheduled inspections a third slower here than 3.11.7 and 3.13.0.
PYTHON ?= $(shell for p in python3.13 python3; do $$p -c '' 2>/dev/null && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml .python-version
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/etrakit-tui --demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.ssh_flood
	$(BIN)/python -m bench.ssh_sessions

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
