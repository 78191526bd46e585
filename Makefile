# groupfinder's two commands: `make run` serves the demo directory, `make test`
# runs every check CI runs. Both set up .venv first (see bin/setup).
# `make fault-test` restarts and stops a scratch PostgreSQL under load (slower, see README).

VENV := .venv
PYTHON := $(VENV)/bin/python
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
PORT ?= 8000

.PHONY: run test fault-test lint setup

# As in production: gunicorn, DEBUG off (the site's own error pages), static files from
# whitenoise. A busy port is said before migrating and loading anything.
run: $(VENV)/.installed
	@$(PYTHON) bin/port-free $(PORT)
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py load_demo
	@echo "groupfinder is at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	BIND=127.0.0.1:$(PORT) WEB_CONCURRENCY=2 $(VENV)/bin/gunicorn groupfinder.wsgi

# The browser tests run once, on SQLite (bin/postgres-tests leaves them out).
test: $(VENV)/.installed lint
	$(PYTHON) manage.py makemigrations --check --dry-run
	@echo "== The test suite on SQLite"
	DATABASE_URL=sqlite:///db.sqlite3 $(VENV)/bin/pytest
	@bin/postgres-tests "$(POSTGRES_URL)"

fault-test: $(VENV)/.installed
	$(VENV)/bin/pytest -m fault -s tests/test_faults.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml bin/setup
	bin/setup
