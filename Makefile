# Carecoop: `make run` to try it, `make check` to test everything.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
FLASK := $(PY) -m flask --app wsgi
PYTEST := $(PY) -m pytest

.PHONY: run check check-dates lint lock test test-sqlite test-postgres test-browser clean

# Every dependency comes from the lock file, each checked against its hash; then Carecoop
# itself, editable, with nothing more.
$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(PY) || python3 -m venv $(VENV) || { scripts/ensure-system.sh venv && python3 -m venv $(VENV); }
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

# Everything make check needs (it includes what make run needs).
$(VENV)/.installed-dev: pyproject.toml requirements-dev.lock
	@test -x $(PY) || python3 -m venv $(VENV) || { scripts/ensure-system.sh venv && python3 -m venv $(VENV); }
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(VENV)/.installed $@

## lock: after changing a pin in pyproject.toml, write the lock files again (with their hashes)
lock: $(VENV)/.installed-dev
	$(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 --quiet -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 --quiet -o requirements-dev.lock

## run: install, migrate, load the demo co-op, and serve on http://127.0.0.1:5000
run: $(VENV)/.installed
	@CARECOOP_ENV=development scripts/run.sh

## check: lint and types, tests on SQLite and PostgreSQL, browser tests in Chromium
check: $(VENV)/.installed-dev
	@scripts/check.sh

## check-dates: the SQLite suite with the clock 400 days and 3 years ahead (no test reads the date)
check-dates: $(VENV)/.installed-dev
	@scripts/check-dates.sh 400 1096

## lint: ruff's checks and formatting, mypy and the import contracts (`ruff format .` formats)
lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

## test T=tests/path.py::name: one test (or a file, or a folder), on SQLite
test: $(VENV)/.installed-dev
	$(PYTEST) -q $(or $(T),$(error say which test: make test T=tests/test_auth.py::name))

test-sqlite: $(VENV)/.installed-dev
	$(PYTEST) -m "not browser" -q -n 2

test-postgres: $(VENV)/.installed-dev
	@scripts/ensure-system.sh postgres
	@scripts/with-postgres.sh $(PYTEST) -m "not browser" -q -n 2

test-browser: $(VENV)/.installed-dev
	@scripts/ensure-system.sh chromium
	$(PYTEST) -m browser -q -n 2 tests/browser

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .hypothesis
