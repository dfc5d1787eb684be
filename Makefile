# Owlie Portal: `make run` starts the demo, `make test` runs the whole suite.
# Both create .venv and install requirements.txt when needed; `make test` also installs Debian's
# Chromium for the browser tests when it is missing (as root; otherwise it says the command to run).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# A copy of the requirements last installed into $(VENV): pip runs only when requirements.txt differs.
STAMP  := $(VENV)/.requirements.installed

.PHONY: run test venv chromium migrate bench reset help

help:
	@echo "make run     start sandbox, web server, Celery worker and beat with demo data (Ctrl-C stops all)"
	@echo "make test    run the whole test suite (uses DATABASE_URL / CELERY_BROKER_URL when set)"
	@echo "             and first installs Chromium for the browser tests if it is missing"
	@echo "make venv    create $(VENV) and install requirements.txt"
	@echo "make migrate apply database migrations"
	@echo "make bench   run every script in benchmarks/"
	@echo "make reset   delete local demo state in var/ (SQLite database, queue, sandbox snapshot)"

venv:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if cmp -s requirements.txt $(STAMP); then :; else \
		$(PY) -m pip install --disable-pip-version-check -r requirements.txt && cp requirements.txt $(STAMP); \
	fi

migrate: venv
	$(PY) manage.py migrate --noinput

run: venv
	$(PY) scripts/run_portal.py

# Before venv, so a machine that cannot install Chromium hears so before a long pip install.
chromium:
	@sh scripts/ensure_chromium.sh

test: chromium venv
	$(PY) -m pytest $(PYTEST_ARGS)

bench: venv
	@set -e; found=; for script in benchmarks/[!_]*.py; do \
		[ -e "$$script" ] || continue; found=1; echo "== $$script"; $(PY) "$$script"; \
	done; [ -n "$$found" ] || echo "no benchmarks in benchmarks/ yet"

reset:
	rm -rf var/db.sqlite3 var/celery-queue var/sandbox.json var/celerybeat-schedule* var/seed_demo.log
