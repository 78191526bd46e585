# groupfinder's two commands: `make run` serves the demo directory, `make test`
# runs every check CI runs. Both set up .venv first (see bin/setup).

VENV := .venv
PYTHON := $(VENV)/bin/python
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test lint setup

run: $(VENV)/.installed
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py load_demo
	@echo "groupfinder is at http://127.0.0.1:8000/ (Ctrl-C stops it)"
	DEBUG=1 $(PYTHON) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed lint
	$(PYTHON) manage.py makemigrations --check --dry-run
	@echo "== The test suite on SQLite"
	DATABASE_URL=sqlite:///db.sqlite3 $(VENV)/bin/pytest
	@bin/postgres-tests "$(POSTGRES_URL)"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml bin/setup
	bin/setup
