# Two commands do all set-up: `make serve` (preview) and `make test` (every check).
# Both create .venv from the hash-pinned lock file when it is missing or stale.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-from-lock

.PHONY: serve build test browser lock clean help

help:
	@echo "make serve  - live preview on http://127.0.0.1:8000 (sets up .venv if needed)"
	@echo "make test   - strict build + every test, browser tests included"
	@echo "make build  - strict build into site/"
	@echo "make lock   - re-resolve requirements.lock from pyproject.toml (needs uv)"

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.x)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

serve: $(STAMP)
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

build: $(STAMP)
	$(BIN)/mkdocs build --strict --clean

browser: $(STAMP)
	@$(BIN)/python tools/find_browser.py >/dev/null

test: $(STAMP) browser
	$(BIN)/python -m pytest

lock:
	uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 --quiet -o requirements.lock

clean:
	rm -rf site .pytest_cache
