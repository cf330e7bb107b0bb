# Two commands do all set-up: `make serve` (preview) and `make test` (every check).
# Both create .venv from the hash-pinned lock file when it is missing or stale.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-from-lock
# Node tools for the build (purgecss) and the quality gates (axe-core, vnu-jar, lighthouse), pinned in package-lock.json.
# --ignore-scripts: vnu-jar's install script would download a Java runtime; we use the system's.
NODE_STAMP := node_modules/.installed-from-lock

.PHONY: serve build test browser node java report lighthouse lock clean help

help:
	@echo "make serve  - live preview on http://127.0.0.1:8000 (sets up .venv if needed)"
	@echo "make test   - strict build + every test, browser tests included"
	@echo "make build  - strict build into site/ (needs Node: PurgeCSS)"
	@echo "make report - Lighthouse, transfer, axe per page + build timings and scale run (needs Node)"
	@echo "make lighthouse - the per-page table and budgets only (what CI runs)"
	@echo "make lock   - re-resolve requirements.lock from pyproject.toml (needs uv)"
	@echo "make verify-refs - check references.bib against Crossref and PubMed (needs network)"
	@echo "make watch  - new or changed MSC-in-RA trials and papers since the evidence date (needs network)"

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.x)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

serve: $(STAMP)
	SITE_URL=http://127.0.0.1:8000/ $(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

build: $(STAMP) node
	$(BIN)/mkdocs build --strict --clean

browser: $(STAMP)
	@$(BIN)/python tools/find_browser.py >/dev/null

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } || \
	  { echo "Node.js 18.16+ with npm is needed for the build (PurgeCSS) and the quality gates (Debian: apt-get install nodejs npm)."; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

node: $(NODE_STAMP)

# The Nu HTML checker (vnu.jar) needs Java 11+; as root on Debian it is installed from apt.
java:
	@command -v java >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; } || \
	  { echo "Java 11+ is needed for the Nu HTML checker (Debian: apt-get install default-jre-headless)."; exit 1; }

test: $(STAMP) browser node java
	$(BIN)/python -m pytest

report: $(STAMP) browser node
	$(BIN)/python tools/report.py

lighthouse: $(STAMP) browser node
	$(BIN)/python tools/report.py --skip-timing --skip-scale

lock:
	uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 --quiet -o requirements.lock

clean:
	rm -rf site .pytest_cache node_modules

# Evidence watch (tools/evidence_watch/): read-only registry checks; reports go to stdout and
# .cache/evidence-watch/. Exit status of the tools: 0 nothing to report, 1 findings,
# 2 a repository file is wrong, 3 no network. EVIDENCE_ARGS passes options (--out, --summary).
.PHONY: verify-refs watch
verify-refs: $(STAMP)
	$(BIN)/python -m tools.evidence_watch.verify_refs $(EVIDENCE_ARGS)

watch: $(STAMP)
	$(BIN)/python -m tools.evidence_watch.watch $(EVIDENCE_ARGS)
