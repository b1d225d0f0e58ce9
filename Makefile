# The two commands: `make run` and `make test`.  Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Under /tmp: the postgres user must be able to reach it even when the checkout is in /root.
PGDIR := $(shell mktemp -u /tmp/jiuzhu-pg.XXXXXX)

.PHONY: run dev test install fonts lint test-sqlite test-postgres test-browser messages clean bench

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed fonts

## Chinese fonts for the PDF letters (applications); apt-get when missing and possible.
fonts:
	@if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null) \
	  || echo "could not install fonts-noto-cjk; PDF letters will be refused with a message"; fi

messages: install
	$(PY) scripts/compile_messages.py

## make run: install, migrate, load regions + a demo province, create demo users, then serve with
## gunicorn (static files by WhiteNoise) and run the job worker: one command, Ctrl-C stops both.
run: install messages
	$(PY) -m jiuzhu.cli demo --households $${DEMO_HOUSEHOLDS:-20000}
	$(PY) -m jiuzhu.cli serve --host $(HOST) --port $(PORT)

## make dev: Django's development server (auto-reload, DEBUG) for development only; jobs need
## `jiuzhu worker` in another terminal.
dev: install messages
	JIUZHU_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

## lint: ruff, mypy over jiuzhu/ (strict, Django stubs; ADR 0036) and the declared dependencies between the apps
## (import-linter contracts in pyproject.toml; docs/developers.md "Layers").
lint: install
	$(VENV)/bin/ruff check jiuzhu tests bench scripts
	$(VENV)/bin/mypy jiuzhu
	PYTHONPATH=$(CURDIR) $(VENV)/bin/lint-imports --no-cache

## make test: install, lint, run the whole suite on SQLite and on a private PostgreSQL.
test: install messages lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-browser

# The suites run in one pytest-xdist worker per core (each worker has its own in-memory SQLite or
# PostgreSQL test database and its own var directory: jiuzhu/xdist_worker.py). TEST_WORKERS=0 runs
# them in one process (easier to debug).
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
XDIST := $(if $(filter 0 1,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test-sqlite:
	@echo "== tests on SQLite =="
	JIUZHU_VAR_DIR=$(CURDIR)/var/test $(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# Every suite that touches the database runs on PostgreSQL too; the pure ones (rules, pii, engine,
# determination engine, exchange parsing, command line) do not depend on the database and run once,
# and so do the Spark parity tests (what they compare is the engines' output, run on SQLite).
DB_TESTS := tests/web tests/exchange_web tests/sharing tests/monitoring tests/applications tests/assistance tests/privacy tests/jobs tests/reports tests/supervision tests/ui

test-postgres:
	@echo "== tests on PostgreSQL =="
	@scripts/pg-test.sh stop $(PGDIR) 2>/dev/null || true
	url=$$(scripts/pg-test.sh start $(PGDIR)) && \
	  JIUZHU_VAR_DIR=$(CURDIR)/var/test JIUZHU_DATABASE_URL=$$url $(PY) -m pytest $(XDIST) -m "not slow and not browser and not spark" $(DB_TESTS) $(PYTEST_ARGS); \
	  status=$$?; scripts/pg-test.sh stop $(PGDIR); exit $$status

## Browser journeys in Debian's Chromium (installed with apt-get when possible; skipped otherwise).
test-browser:
	@echo "== browser tests (Chromium) =="
	@if ! command -v chromium >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	  || echo "could not install chromium; browser tests will be skipped"; fi
	JIUZHU_VAR_DIR=$(CURDIR)/var/test $(PY) -m pytest -m browser tests/browser $(PYTEST_ARGS)

bench: install
	$(PY) -m pip install -q -r requirements-bench.txt
	$(PY) bench/bench_generate.py
	$(PY) bench/bench_load.py
	$(PY) bench/bench_determination.py
	$(PY) bench/bench_import.py
	$(PY) bench/bench_monitoring.py
	$(PY) bench/bench_assistance.py

clean:
	rm -rf var/test
