# One entry point for people and CI. `make demo` and `make test` install everything they need.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install system-deps services demo test lint typecheck unit bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# Debian's ffmpeg makes the sandbox seed real media; without it the sandbox writes valid synthetic files.
system-deps:
	@bash scripts/system-deps.sh

demo: install system-deps
	$(VENV)/bin/assetbridge demo

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy

services:
	@bash scripts/services.sh

unit: install services
	bash scripts/pytest.sh

test: install system-deps lint typecheck unit

bench: install
	$(PY) bench/iconik_backfill.py
	$(PY) bench/iconik_transfer.py
	$(PY) bench/orangelogic_incremental.py
	$(PY) bench/orangelogic_upload.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .sandbox-data
