"""Session fixtures: one strict in-process build of the real site, served on 127.0.0.1,
and one headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitekit import ROOT, build_site, serve

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

