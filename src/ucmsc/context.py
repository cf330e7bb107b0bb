"""Where the build is, for messages and paths: the project folder and the page being rendered.

Python-Markdown does not tell an extension which file it renders. Messages still name it:
under MkDocs, the small hook ``hooks/source_context.py`` sets both values (a MkDocs-only
convenience); elsewhere (Zensical, a test calling ``markdown.markdown``) the project folder is the
working directory and a message names the line alone, or the file a test sets with
``rendering("docs/x.md")``.

Every message an editor can cause goes through ``warn`` to the ``mkdocs.ucmsc`` logger, so that
MkDocs' strict mode counts it and fails the build after listing every problem; each message once
per build (``new_build`` starts a build's list afresh).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

log = logging.getLogger("mkdocs.ucmsc")

_root: ContextVar[Path | None] = ContextVar("ucmsc_root", default=None)
_page: ContextVar[str | None] = ContextVar("ucmsc_page", default=None)
_reported: set[str] = set()


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


def set_current_page(path: str | None) -> None:
    _page.set(path)


@contextmanager
def rendering(path: str | None):
    """Name the page for messages while rendering it (tests, tools)."""
    token = _page.set(path)
    try:
        yield
    finally:
        _page.reset(token)


def where(line: int | None, file: str | None = None) -> str:
    """``docs/x.md:12`` (or ``line 12`` when the file is unknown)."""
    file = file or current_page()
    if file and line:
        return f"{file}:{line}"
    if file:
        return file
    return f"line {line}" if line else "(unknown place)"


def new_build() -> None:
    """Start a build: every message may be reported again, once."""
    _reported.clear()


def warn(message: str) -> None:
    """Report an editor's mistake, once per build; strict builds fail after listing them all."""
    if message not in _reported:
        _reported.add(message)
        log.warning(message)
