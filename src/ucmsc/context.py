"""Where the build is, for messages and paths: the project folder and the page being rendered.

Python-Markdown does not tell an extension which file it renders: under MkDocs the hook
``hooks/source_context.py`` sets it (and the site's pages, with their nav titles, for the
site-wide reference list); elsewhere (Zensical, ``markdown.markdown`` in a test) the project folder
is the working directory and a message names the line alone, or the file set by ``rendering``.

``warn`` sends each editor's mistake once per build to the ``mkdocs.ucmsc`` logger, so that strict
builds fail after listing them all.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

log = logging.getLogger("mkdocs.ucmsc")

_root: ContextVar[Path | None] = ContextVar("ucmsc_root", default=None)
_page: ContextVar[str | None] = ContextVar("ucmsc_page", default=None)
_source: ContextVar[str | None] = ContextVar("ucmsc_source", default=None)
_reported: set[str] = set()


@dataclass
class SitePage:
    """One page of the site, for the site-wide reference list."""

    path: str  # as editors see it: "docs/safety.md"
    title: str | None  # None: the page's first heading
    markdown: Callable[[], str]  # the page's Markdown (without front matter), as it is rendered


_site: Callable[[], list[SitePage]] | None = None
_factory: Callable[[], object] | None = None


def project_root() -> Path:
    """The folder of mkdocs.yml (set by the hook), else the working directory."""
    return _root.get() or Path.cwd()


def set_project_root(path: Path | str) -> None:
    _root.set(Path(path).resolve())


def resolve(path: str | Path) -> Path:
    """A path from the configuration, relative to the project folder unless absolute."""
    path = Path(path)
    return path if path.is_absolute() else project_root() / path


def shown(path: str | Path) -> str:
    """A path as editors see it: relative to the project folder, with forward slashes."""
    path = Path(path)
    try:
        return path.resolve().relative_to(project_root()).as_posix()
    except ValueError:
        return path.as_posix()


def current_page() -> str | None:
    """The page being rendered, as editors see its path (``docs/safety.md``), if known."""
    return _page.get()


def current_source() -> str | None:
    """The text of the page's file (front matter included), if known: messages count its lines."""
    return _source.get()


def set_current_page(path: str | None, source: str | None = None) -> None:
    _page.set(path)
    _source.set(source)


@contextmanager
def rendering(path: str | None, source: str | None = None):
    """Name the page (and give its file's text) for messages while rendering it (tests, tools)."""
    tokens = _page.set(path), _source.set(source)
    try:
        yield
    finally:
        _page.reset(tokens[0])
        _source.reset(tokens[1])


def set_site_pages(provider: Callable[[], list[SitePage]] | None) -> None:
    """How the site-wide reference list finds the site's pages (None: the docs folder's files)."""
    global _site
    _site = provider


def site_pages_provider() -> Callable[[], list[SitePage]] | None:
    return _site


def set_markdown_factory(factory: Callable[[], object] | None) -> None:
    """How to make a ``markdown.Markdown`` with the site's extensions (None: a default list)."""
    global _factory
    _factory = factory


def markdown_factory() -> Callable[[], object] | None:
    return _factory


def where(line: int | None, file: str | None = None) -> str:
    """``docs/x.md:12`` (or ``line 12`` when the file is unknown)."""
    file = file or current_page()
    if file and line:
        return f"{file}:{line}"
    if file:
        return file
    return f"line {line}" if line else "(unknown place)"


_builds = [0]  # builds started by new_build: 0 where nothing tells the package that a build starts


def new_build() -> None:
    """Start a build: every message may be reported again, once."""
    _reported.clear()
    _builds[0] += 1


def build_number() -> int:
    """Which build this is (from 1), or 0 when no hook marks builds (then nothing may be kept)."""
    return _builds[0]


def warn(message: str) -> None:
    """Report an editor's mistake, once per build; strict builds fail after listing them all."""
    if message not in _reported:
        _reported.add(message)
        log.warning(message)
