"""Shared helpers for the tests: build a MkDocs site (in a forked process), serve it, parse it."""

from __future__ import annotations

import functools
import gc
import http.server
import logging
import multiprocessing
import os
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # the EOL banner is for humans at `make build`


class BuildFailed(Exception):
    """The strict build aborted; ``messages`` holds the warnings and errors it logged."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages) or "build aborted")
        self.messages = messages


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(config_file: Path, site_dir: Path, **overrides) -> list[str]:
    """Build the site of ``config_file`` strictly into ``site_dir``, as ``mkdocs build`` would.

    Returns the warnings logged (none, in strict mode, or it raises BuildFailed).

    The build runs in a child process forked from this one, through MkDocs' public load_config
    and build: each build starts as a fresh ``mkdocs build`` process. MkDocs keeps the objects
    of plugins with on_startup (mkdocs-bibtex) for the whole process, made for ``mkdocs serve``'s
    rebuilds of one site, and a test process builds several sites; whatever a build leaves in
    memory ends with its child (tests/test_sitekit.py). Forked rather than started anew, the child
    finds this process's imports done: each child says which modules its build imported, and this
    process imports them before the next fork (a fresh interpreter would spend about a second
    importing MkDocs, the theme, the plugins and the extensions; a fork, a few milliseconds).
    The child inherits MkDocs' kept plugin objects of this process, so a test that drives a
    plugin itself makes the object directly, not through load_config, or runs in a child too
    (tests/test_citations_resolver.py).
    """
    _warm_up()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_build_in_child, args=(send, str(config_file), str(site_dir), overrides))
    gc.freeze()  # the child's collections leave this process's objects alone: fewer pages copied
    try:
        child.start()
    finally:
        gc.unfreeze()
    send.close()
    try:
        ok, messages, imported = receive.recv()
        _imported_by_builds.update(imported)
    except EOFError:
        ok, messages = False, []
    finally:
        receive.close()
        child.join()
    if not ok:
        raise BuildFailed(messages or [f"the build process ended without a result (exit code {child.exitcode})"])
    return messages


_imported_by_builds: set[str] = set()


def _warm_up() -> None:
    """Import here what the builds imported, so that the next child need not."""
    import importlib

    for name in sorted(_imported_by_builds - set(sys.modules)):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - e.g. a hook, which MkDocs loads from its file: the child does
            pass


def _build_in_child(send, config_file: str, site_dir: str, overrides: dict) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException

    gc.disable()  # a short-lived process: no collection passes over the inherited heap
    handler = _Collect()
    logging.getLogger("mkdocs").addHandler(handler)
    before = set(sys.modules)
    try:
        cfg = load_config(config_file, site_dir=site_dir, **overrides)
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            build(cfg)
        finally:
            cfg.plugins.on_shutdown()
        send.send((True, handler.messages, sorted(set(sys.modules) - before)))
    except (Abort, MkDocsException, SystemExit) as exc:
        send.send((False, handler.messages + [str(exc)], sorted(set(sys.modules) - before)))
    except BaseException:  # noqa: BLE001 - a bug in the build: the parent reports its traceback
        send.send((False, handler.messages + [traceback.format_exc()], []))
    finally:
        send.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def soup(path: Path) -> BeautifulSoup:
    """A fresh parse of ``path`` (the caller may change the tree)."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


@functools.lru_cache(maxsize=None)
def _parsed(path: str, mtime_ns: int, size: int) -> BeautifulSoup:
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "lxml")


def cached_soup(path: Path) -> BeautifulSoup:
    """The parse of ``path`` shared by every test in the session (each page is parsed once).

    Read only: never change the tree (decompose, extract...); clone a node first with
    ``BeautifulSoup(str(node), "lxml")``.
    """
    stat = Path(path).stat()
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


def nav_pages(config_file: Path = ROOT / "mkdocs.yml") -> list[str]:
    """Every Markdown file named in the nav of ``config_file``."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_constructor("!ENV", lambda loader, node: None)
    _Loader.add_constructor("!relative", lambda loader, node: None)
    _Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    cfg = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_Loader)

    def walk(items) -> Iterator[str]:
        for item in items:
            if isinstance(item, str):
                yield item
            elif isinstance(item, dict):
                for value in item.values():
                    yield from walk([value] if isinstance(value, str) else value)

    return list(walk(cfg["nav"]))


def html_path(site: Path, md: str) -> Path:
    """The built HTML file for a docs-relative Markdown path (directory URLs)."""
    stem = md[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return site / stem[: -len("index")] / "index.html"
    return site / stem / "index.html"


def url_path(md: str) -> str:
    """The site-relative URL path of a docs-relative Markdown path (directory URLs): "" for the home."""
    stem = md[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def page_url(base_url: str, md: str) -> str:
    """The served URL of a docs-relative Markdown path (directory URLs)."""
    return base_url + url_path(md)


def wait_for_material(page, timeout: float = 10_000) -> None:
    """Wait until Material's bundle has started and mounted its components on this page.

    The bundle is deferred (overrides/main.html), so a test that clicks one of Material's
    controls (the palette toggle, search, tooltips) right after ``goto`` must wait for this.
    ``document$`` is Material's observable of the page; it emits once the components are mounted.
    """
    page.wait_for_function("typeof window.document$ === 'object'", timeout=timeout)
    page.evaluate("new Promise(done => window.document$.subscribe(() => done(true)))")


# --------------------------------------------------------------------------- browser pages

DESKTOP = {"width": 1280, "height": 900}
SCHEMES = {"light": "default", "dark": "slate"}  # prefers-color-scheme -> Material's scheme


def open_page(browser, url: str, scheme: str = "light", viewport=DESKTOP, mobile: bool = False):
    """A fresh context and page at ``url`` that record console errors, page errors and every
    request (``page.problems``, ``page.requested``, ``page.status``); Material is mounted."""
    context = browser.new_context(
        viewport=viewport, color_scheme=scheme, is_mobile=mobile, has_touch=mobile,
        device_scale_factor=2 if mobile else 1,
    )
    page = context.new_page()
    page.problems = []
    page.requested = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console error: {m.text} ({m.location.get('url')})"))
    page.on("pageerror", lambda e: page.problems.append(f"uncaught exception: {e}"))
    context.on("request", lambda r: page.requested.append(r.url))
    response = page.goto(url, wait_until="load")
    page.status = response.status if response else None
    wait_for_material(page)  # Material's scripts have run and mounted their components
    return context, page


# One load per page and colour scheme on a desktop screen, shared by every check that reads a
# whole page there (axe-core, the reading comfort and Key points measurements): each test module
# registers a read-only probe, a function of the loaded Playwright page, at import; the
# `desktop_load` fixture (conftest.py) runs every registered probe on one load of the page.
DESKTOP_PROBES: dict = {}  # name -> (fn, schemes, last)


def desktop_probe(name: str, schemes=tuple(SCHEMES), last: bool = False):
    """Decorator: run ``fn(page)`` on the shared desktop load of every page in ``schemes``; its
    result is ``load.probes[name]``. Probes run in the order registered, those with ``last``
    after the others (axe-core; a probe that emulates print and then restores the screen).

    A probe must not change what another probe reads (no clicks, no DOM or style changes that it
    does not undo)."""
    def register(fn):
        DESKTOP_PROBES[name] = (fn, tuple(schemes), last)
        return fn
    return register


def desktop_loads(schemes=tuple(SCHEMES)) -> list:
    """(md, scheme) parameters for every nav page in ``schemes``, ids like "dark-ra/disease/".

    Each pair carries an xdist_group mark: with ``--dist loadgroup`` every test of one pair runs
    on the worker that holds its shared load."""
    import pytest

    return [
        pytest.param(md, scheme, id=f"{scheme}-{url_path(md)}",
                     marks=pytest.mark.xdist_group(f"desktop-{scheme}-{url_path(md) or 'home'}"))
        for md in nav_pages() for scheme in schemes
    ]
