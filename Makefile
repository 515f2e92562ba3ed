# krm: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql://postgres@127.0.0.1:5432/krm
# Debian packages krm needs at run time (PDF: WeasyPrint's pango and a font; documents:
# libmagic, poppler's pdftotext, Tesseract with German) and those the tests need besides
# (browser); installed when missing (Debian, as root).
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	libmagic1 poppler-utils tesseract-ocr tesseract-ocr-deu
TEST_DEBS := $(RUN_DEBS) chromium dovecot-imapd
PYTEST_WORKERS ?= 2
PORT ?= 8000
OBSERVATORY := tests/observatory

.PHONY: run test lint format test-sqlite test-postgres run-packages system-packages bench bench-mail clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip>=24" "setuptools>=75"

$(VENV)/.run-installed: $(BIN)/python requirements.txt constraints.txt pyproject.toml
	$(BIN)/pip install -q -r requirements.txt -c constraints.txt
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed requirements-test.txt
	$(BIN)/pip install -q -r requirements-test.txt -c constraints.txt
	touch $@

run: $(VENV)/.run-installed run-packages
	mkdir -p var
	KRM_DEMO=1 $(BIN)/krm migrate --noinput
	KRM_DEMO=1 $(BIN)/krm load-demo --port $(PORT)
	@# The worker (text extraction, OCR, mail, retention) runs beside the web server.
	KRM_DEMO=1 KRM_BASE_URL=$${KRM_BASE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/krm worker & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	KRM_DEMO=1 $(BIN)/krm runserver 127.0.0.1:$(PORT)

# Installs the Debian packages named in $(1) that are missing.
define install_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

run-packages:
	$(call install_debs,$(RUN_DEBS))

system-packages:
	$(call install_debs,$(TEST_DEBS))

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Mozilla's HTTP Observatory (npm, pinned in package-lock.json) for tests/observatory.
# --ignore-scripts: install scripts would download a CA bundle, Chromium's HSTS preload list
# and the TLD list; a local scan needs none of them (see scan.mjs).
$(OBSERVATORY)/node_modules/.installed: $(OBSERVATORY)/package.json $(OBSERVATORY)/package-lock.json
	cd $(OBSERVATORY) && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

test-sqlite: $(VENV)/.test-installed system-packages $(OBSERVATORY)/node_modules/.installed
	KRM_DATABASE_URL= DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -n $(PYTEST_WORKERS) -q

test-postgres: $(VENV)/.test-installed system-packages
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  KRM_DATABASE_URL=$(PG_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -q -m "not browser and not observatory"; \
	elif [ "$$CI" = "true" ]; then \
	  echo "FEHLER: PostgreSQL unter 127.0.0.1:5432 ist nicht erreichbar (CI=true)." >&2; exit 1; \
	else \
	  echo "WARNUNG: PostgreSQL unter 127.0.0.1:5432 nicht erreichbar: PostgreSQL-Lauf übersprungen." >&2; \
	fi

test: lint test-sqlite test-postgres

bench: $(VENV)/.test-installed
	$(BIN)/python bench/run.py --cases 100000

bench-mail: $(VENV)/.test-installed
	$(BIN)/python bench/mail.py

clean:
	rm -rf $(VENV) var/*.sqlite3* var/static $(OBSERVATORY)/node_modules
