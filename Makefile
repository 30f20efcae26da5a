# HabitStory: `make run` to use it, `make test` to check it. Only Python 3.11 and make needed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test install migrate seed static schedules e2e clean help

help:
	@echo "make run   - install, migrate, seed the demo account, start web + worker + beat on http://127.0.0.1:$(PORT)"
	@echo "make test  - install and run the whole test suite"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11 (or run: make PYTHON=/path/to/python3.11 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Local runs are development runs unless the environment says otherwise.
run: export DEBUG ?= 1
run: install
	mkdir -p var/celery-broker/out var/celery-broker/processed var/celery-broker/control
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_schedules
	$(BIN)/python manage.py vapid_keys --ensure
	$(BIN)/python manage.py verification_keys --ensure
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  HabitStory is starting on http://127.0.0.1:$(PORT)"
	@echo "  Demo login:  demo@habitstory.local / demo-habits-2026"
	@echo "  Staff login: admin@habitstory.local / admin-habitstory-2026  (http://127.0.0.1:$(PORT)/admin/)"
	@echo "  Ctrl-C stops the web server, the worker and beat."
	@echo ""
	@# Ctrl-C reaches honcho, which stops the three processes and exits 130; the shell
	@# around it waits (its INT trap) and calls that a clean stop, so make reports no error.
	trap true INT; PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start; status=$$?; [ $$status -eq 0 ] || [ $$status -eq 130 ]

test: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
