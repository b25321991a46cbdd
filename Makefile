# Sanxin: `make demo` runs the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint format bench fuzz serve clean-demo

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Sanxin needs Python 3.11 or newer (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sanxin migrate --noinput -v 0
	$(BIN)/sanxin demo-data
	@echo
	@echo "  三信平台已启动: http://$(HOST):$(PORT)/   (Ctrl+C 停止)"
	@if [ "$(HOST)" = "0.0.0.0" ]; then for ip in $$($(BIN)/python -m sanxin.lib.network); do \
		echo "  同一网络的手机请打开: http://$$ip:$(PORT)/"; done; fi
	@echo
	@# The background worker (computing cycles from the pages) runs beside the server and
	@# stops with it.
	@$(BIN)/sanxin worker -v 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/sanxin runserver --noreload $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The production server (docs/deploy.md): gunicorn on $(HOST):$(PORT), after collecting the
# static files and applying migrations. Production settings come from the environment.
serve: $(STAMP)
	$(BIN)/sanxin collectstatic --noinput -v 0
	$(BIN)/sanxin serve --migrate --bind $(HOST):$(PORT)

bench: $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,bench]'
	$(BIN)/python -m bench

# Atheris over every parser of untrusted input (docs/fuzzing.md): FUZZ_SECONDS each,
# the grown corpus kept in .fuzz-corpus/, crash inputs written to .fuzz-crashes/.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= all
fuzz: $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,fuzz]'
	$(BIN)/python -m fuzz $(FUZZ_TARGETS) --seconds $(FUZZ_SECONDS)

clean-demo:
	rm -f var/sanxin.sqlite3 var/sanxin.sqlite3-wal var/sanxin.sqlite3-shm
