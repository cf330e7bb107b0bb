# Two commands do all set-up: `make serve` (preview) and `make test` (every check).
# Both create .venv from a hash-pinned lock file when it is missing or stale:
# requirements.lock (the site: MkDocs, Material, the hooks' packages) for serve and build,
# requirements-test.lock (the site plus pytest, Playwright...) for test.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP      := $(VENV)/.installed-site
TEST_STAMP := $(VENV)/.installed-test
# Zensical's own environment (make zensical, run by make test): see the zensical target below.
ZVENV  := .venv-zensical
ZSTAMP := $(ZVENV)/.installed
PIP_INSTALL = $(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r
# Node tools pinned in package-lock.json: the build uses only purgecss ("dependencies"); the
# tests add axe-core and vnu-jar, make report lighthouse ("devDependencies").
# --ignore-scripts: vnu-jar's install script would download a Java runtime; we use the system's.
NODE_BUILD := node_modules/.installed-build
NODE_ALL   := node_modules/.installed-all
# pytest-xdist: one worker per core (each builds the site once and starts its own Chromium);
# --dist loadgroup: a module's tests stay on one worker unless marked spread or grouped
# otherwise (tests/xdist_grouping.py).
PYTEST_WORKERS ?= auto

.PHONY: serve build test browser node node-all java report lighthouse timing lock clean help zensical

help:
	@echo "make serve  - live preview on http://127.0.0.1:8000 (sets up .venv if needed)"
	@echo "make test   - strict build + every test, browser tests included"
	@echo "make build  - strict build into site/ (needs Node: PurgeCSS)"
	@echo "make report - Lighthouse, transfer, axe per page + build timings and scale run (needs Node)"
	@echo "make lighthouse - the per-page table and budgets only (what CI runs)"
	@echo "make timing - clean build, rebuild after a save, and the ratio to a stock Material build"
	@echo "make zensical - build mkdocs.yml with Zensical too and compare every page with the MkDocs build"
	@echo "make lock   - re-resolve requirements.lock, requirements-test.lock (pyproject.toml) and requirements-zensical.lock (needs uv)"
	@echo "make verify-refs - check references.bib against Crossref and PubMed (needs network)"
	@echo "make watch  - new or changed MSC-in-RA trials and papers since the evidence date (needs network)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)

# The project's own package (src/ucmsc: the Markdown extensions), installed editable, without dependencies
# (they come from the lock file), so an edit to its code is what the next build runs.
INSTALL_SELF = $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .

$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) requirements.lock
	$(INSTALL_SELF)
	touch $@

$(TEST_STAMP): requirements-test.lock pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) requirements-test.lock
	$(INSTALL_SELF)
	touch $@ $(STAMP)

serve: $(STAMP)
	SITE_URL=http://127.0.0.1:8000/ MINIFY=false $(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

build: $(STAMP) node
	$(BIN)/mkdocs build --strict --clean

browser: $(TEST_STAMP)
	@$(BIN)/python tools/find_browser.py >/dev/null

NEED_NPM = @command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } || \
	  { echo "Node.js 18.16+ with npm is needed for the build (PurgeCSS) and the quality gates (Debian: apt-get install nodejs npm)."; exit 1; }

# The build's one Node tool; skipped when the full set (a superset) is installed and current.
$(NODE_BUILD): package.json package-lock.json
	$(NEED_NPM)
	@if [ -f $(NODE_ALL) ] && [ $(NODE_ALL) -nt package-lock.json ] && [ $(NODE_ALL) -nt package.json ]; then touch $@; \
	else npm ci --omit=dev --ignore-scripts --no-audit --no-fund && touch $@; fi

$(NODE_ALL): package.json package-lock.json
	$(NEED_NPM)
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@ $(NODE_BUILD)

node: $(NODE_BUILD)
node-all: $(NODE_ALL)

# The Nu HTML checker (vnu.jar) needs Java 11+; as root on Debian it is installed from apt.
java:
	@command -v java >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; } || \
	  { echo "Java 11+ is needed for the Nu HTML checker (Debian: apt-get install default-jre-headless)."; exit 1; }

test: $(TEST_STAMP) $(ZSTAMP) browser node-all java
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

report: $(TEST_STAMP) browser node-all
	$(BIN)/python tools/report.py

lighthouse: $(TEST_STAMP) browser node-all
	$(BIN)/python tools/report.py --skip-timing --skip-scale

# The editor loop's figures: clean build, rebuild after a save, and a stock Material build of the same pages.
timing: $(STAMP)
	$(BIN)/python tools/citation_timing.py

LOCK = uv pip compile --generate-hashes --python-version 3.11 --quiet --custom-compile-command "make lock"
lock:
	$(LOCK) pyproject.toml -o requirements.lock
	$(LOCK) pyproject.toml --extra test -o requirements-test.lock
	$(LOCK) requirements-zensical.in -c requirements.lock -o requirements-zensical.lock

# Portability: the same mkdocs.yml built by Zensical (MkDocs' successor), in its own environment
# without MkDocs (.venv-zensical from requirements-zensical.lock, the site's Markdown versions),
# then every page's article text and citation markup compared with the MkDocs build
# (tools/zensical_compare.py, which builds both: Zensical in a copy of the project, see there).
# Zensical runs Python-Markdown extensions, but no MkDocs hooks or plugins (CONTRIBUTING.md).
$(ZSTAMP): requirements-zensical.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(ZVENV)
	$(ZVENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-zensical.lock
	$(ZVENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

zensical: $(TEST_STAMP) $(ZSTAMP) node
	$(BIN)/python tools/zensical_compare.py --build .cache/zensical-compare --zensical-python $(ZVENV)/bin/python

clean:
	rm -rf site .pytest_cache node_modules .cache/zensical-compare

# Evidence watch (tools/evidence_watch/): read-only registry checks; reports go to stdout and
# .cache/evidence-watch/. Exit status of the tools: 0 nothing to report, 1 findings,
# 2 a repository file is wrong, 3 no network. EVIDENCE_ARGS passes options (--out, --summary).
.PHONY: verify-refs watch
verify-refs: $(STAMP)
	$(BIN)/python -m tools.evidence_watch.verify_refs $(EVIDENCE_ARGS)

watch: $(STAMP)
	$(BIN)/python -m tools.evidence_watch.watch $(EVIDENCE_ARGS)
