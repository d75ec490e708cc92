# Mesocat: `make run` to serve the catalogue, `make test` to run every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint format bench setup migrate seed demo browser clean pdf-libs translations

# The venv is rebuilt only when a requirements file changes, so a second `make run` is fast.
$(BIN)/.installed-runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.installed-dev: requirements.txt requirements-dev.txt $(BIN)/.installed-runtime
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed-runtime pdf-libs

# The patient's sheet PDF (WeasyPrint) needs Pango and a font; install them when we can, say so when we cannot.
pdf-libs:
	@if ldconfig -p | grep -q 'libpango-1.0.so.0' && fc-list 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Pango and fonts for the PDF sheets…"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null) \
		|| echo "Could not install Pango: PDF sheets will fail until libpango-1.0-0 is installed."; \
	else echo "No Pango found and not root: install libpango-1.0-0 and fonts-dejavu-core for the PDF sheets."; fi

migrate: setup
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed

# In development only, a demo clinic to sign in to; production never gets default credentials.
demo: seed
	@if [ "$${MESOCAT_ENV:-development}" = development ]; then $(FLASK) demo; fi

run: demo
	@echo "Mesocat is starting on http://127.0.0.1:$${PORT:-8000} (Ctrl-C to stop)"
	$(BIN)/gunicorn wsgi:app

# Browser tests need Debian's chromium; install it when we can, say so when we cannot.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests…"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "Could not install chromium: the browser tests will be skipped."; \
	else echo "No /usr/bin/chromium and not root: the browser tests will be skipped (install Debian's chromium to run them)."; fi

test: $(BIN)/.installed-dev browser pdf-libs
	$(BIN)/pytest $(PYTEST_ARGS)

# Style, then the import contract in .importlinter: domains depend one way, safety/ stays pure.
lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m catalog.i18n_check

# The French catalogue from the sources: new messages added (to translate), stale ones dropped, the .mo compiled.
translations: $(BIN)/.installed-runtime
	$(BIN)/python -m catalog.i18n_check --update

format: $(BIN)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(BIN)/.installed-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make bench needs wrk (Debian package: apt-get install wrk)"; exit 1; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
