"""Session fixtures: one strict in-process build of the real site, served on 127.0.0.1 (plain
and GitHub-Pages-like), one headless Chromium driven by Playwright, and one desktop load per page
and colour scheme shared by every check of a whole page (`desktop_load`).

With pytest-xdist (`make test`: ``--dist loadgroup``) each worker holds its own session
fixtures; the tests of one module stay on one worker (module fixtures are built once), except
the modules or tests marked ``spread`` (independent tests, run wherever a worker is free) and
the tests with their own ``xdist_group`` (e.g. every check of one shared desktop load):
tests/xdist_grouping.py."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sitekit import DESKTOP_PROBES, ROOT, SCHEMES, build_site, open_page, serve, url_path
from xdist_grouping import pytest_collection_modifyitems  # noqa: F401  (a hook: which tests share a worker)

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The real site, built strictly (any warning fails the session) into a temp dir.

    The build runs from another folder than the project's, as `mkdocs build -f path/to/mkdocs.yml`
    would: no path in mkdocs.yml or the hooks may depend on the working folder.
    """
    site_dir = tmp_path_factory.mktemp("site")
    elsewhere = tmp_path_factory.mktemp("cwd")
    here = os.getcwd()
    os.chdir(elsewhere)
    try:
        build_site(ROOT / "mkdocs.yml", site_dir)
    finally:
        os.chdir(here)
    return site_dir


@pytest.fixture(scope="session")
def base_url(site) -> str:
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def gz(site):
    """The built site served the way GitHub Pages serves it: gzip, under its site_url path."""
    sys.path.insert(0, str(ROOT / "tools"))
    from serve_gzip import serving

    with serving(site) as url:
        yield url


def _chromium_executable() -> str | None:
    """Path from tools/find_browser.py; None means Playwright's own download."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "find_browser.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        pytest.fail(out.stderr.strip() or "no Chromium for the browser tests", pytrace=False)
    found = out.stdout.strip().splitlines()[-1]
    return None if found == "playwright" else found


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = _chromium_executable()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=BROWSER_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, base_url):
    """A fresh browser page that records console errors and every request's host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.console_errors = []
    pg.page_errors = []
    pg.requested_urls = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(f"{m.text} ({m.location.get('url')})"))
    pg.on("pageerror", lambda e: pg.page_errors.append(str(e)))
    context.on("request", lambda r: pg.requested_urls.append(r.url))
    try:
        yield pg
    finally:
        context.close()



@dataclass
class DesktopLoad:
    """What one load of a page told: HTTP status, Material's colour scheme, the browser's errors,
    every request made, and the result of each registered probe (sitekit.desktop_probe)."""

    status: int | None
    color_scheme: str | None
    problems: list[str]
    requested: list[str]
    probes: dict = field(default_factory=dict)


@pytest.fixture(scope="session")
def desktop_load(browser, gz):
    """``load(md, scheme)``: the nav page ``md`` loaded ONCE per session (per xdist worker) in a
    fresh 1280 x 900 context in the light or dark scheme, from the gzip server; every probe
    registered with sitekit.desktop_probe runs on that one load, then the context is closed.
    Later calls with the same page and scheme return the recorded DesktopLoad."""
    loads: dict[tuple[str, str], DesktopLoad] = {}

    def load(md: str, scheme: str) -> DesktopLoad:
        assert scheme in SCHEMES, scheme
        probes = sorted(((name, fn) for name, (fn, schemes, last) in DESKTOP_PROBES.items() if scheme in schemes),
                        key=lambda probe: DESKTOP_PROBES[probe[0]][2])  # stable: the "last" ones at the end
        known = loads.get((md, scheme))
        if known is None or not {name for name, _ in probes} <= known.probes.keys():
            context, page = open_page(browser, gz + url_path(md), scheme)
            try:
                found = DesktopLoad(page.status, page.evaluate("document.body.dataset.mdColorScheme"),
                                    page.problems, page.requested)
                for name, probe in probes:
                    found.probes[name] = probe(page)
            finally:
                context.close()
            loads[(md, scheme)] = known = found
        return known

    return load


@pytest.fixture
def messages():
    """The messages the project's extensions log for an editor (the mkdocs.ucmsc logger), as text."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("mkdocs.ucmsc")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)
