"""preview_errors hook: under `make serve`, a failed rebuild shows its messages in the browser.

MkDocs 1.6's live reload handles a failed rebuild by printing it in the terminal and not
reloading the browsers; a page asked for meanwhile waits until a build succeeds. An editor looking
only at the preview sees nothing wrong, or a page that never loads.

``on_serve`` (run once by `mkdocs serve`, never by `mkdocs build`) wraps the server's
``builder``, the function its reload loop calls after a save. The build runs as before; the
warnings and errors logged during it are collected. If it fails, they are printed as before and
written into every page of the served site as a banner at the top (``#preview-build-error``,
``role="alert"``), and the rebuild counts as done, so open tabs reload and show it. The next
successful build writes every page anew, without the banner. The first build of `mkdocs serve`
runs before ``on_serve``: if it fails, `make serve` stops with the message in the terminal.
tests/test_editor_loop.py drives a real `mkdocs serve` in Chromium.
"""

from __future__ import annotations

import logging
import time
import traceback
from pathlib import Path

import lxml.html
from lxml.html import builder as E
from mkdocs.exceptions import Abort, BuildError

log = logging.getLogger("mkdocs.hooks.preview_errors")

BANNER_ID = "preview-build-error"
# Inline styles: the banner must show even when the failed build broke the site's style sheet.
# White on dark red is 8.6:1 in light and dark schemes; it scrolls if the list is long.
STYLE = (
    "position:sticky;top:0;z-index:1000;margin:0;padding:.75rem 1rem;max-height:50vh;overflow:auto;"
    "background:#8b0000;color:#fff;font:1rem/1.5 system-ui,sans-serif"
)
CODE_STYLE = "color:inherit;background:none;font-size:.875em;white-space:pre-wrap"


class _Collect(logging.Handler):
    """Every warning and error logged by MkDocs, its plugins and the hooks during one build."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        if message and message not in self.messages:
            self.messages.append(message)


def banner(messages: list[str], when: str):
    """The element put at the top of each page after a failed rebuild."""
    return E.DIV(
        E.P(E.STRONG("Not rebuilt"), f" ({when}): fix the problem below and save; this page then reloads "
            "by itself. Until then it shows the last pages written.", style="margin:0 0 .5rem"),
        E.UL(*(E.LI(E.CODE(m, style=CODE_STYLE)) for m in messages), style="margin:0;padding-left:1.25rem"),
        id=BANNER_ID, role="alert", style=STYLE,
    )


def show_in_pages(site_dir: Path, messages: list[str]) -> int:
    """Put the banner first in the ``<body>`` of every HTML page; returns how many pages."""
    when = time.strftime("%H:%M:%S")
    count = 0
    for path in Path(site_dir).rglob("*.html"):
        page = lxml.html.document_fromstring(path.read_text(encoding="utf-8"))
        body = page.find("body")
        if body is None:
            continue
        for old in body.xpath("//*[@id=$id]", id=BANNER_ID):  # a page the failed build did not write again
            old.drop_tree()
        body.insert(0, banner(messages, when))
        path.write_text(lxml.html.tostring(page, doctype="<!doctype html>", encoding="unicode"), encoding="utf-8")
        count += 1
    return count


def _failure(exc: Exception, collected: list[str]) -> list[str]:
    """What the editor needs to read: the logged messages, then what stopped the build."""
    messages = list(collected)
    if isinstance(exc, Abort) and messages:  # "Aborted with N warnings in strict mode!": they are listed
        summary = ""
    elif isinstance(exc, (Abort, BuildError)):
        summary = str(exc).strip()
    else:  # a bug in a hook or plugin, not a mistake in a page: the terminal has the traceback
        traceback.print_exc()
        summary = f"{type(exc).__name__}: {exc} (the terminal shows where it happened)"
    if summary and summary not in messages:
        messages.append(summary)
    return messages or ["The build failed; the terminal running make serve says why."]


def on_serve(server, config, builder):
    build = server.builder
    site_dir = Path(config.site_dir)

    def build_and_show_errors() -> None:
        handler = _Collect()
        logger = logging.getLogger("mkdocs")
        logger.addHandler(handler)
        try:
            build()
        except Exception as exc:  # noqa: BLE001 - shown in the preview instead of stalling it
            messages = _failure(exc, handler.messages)
            pages = show_in_pages(site_dir, messages)
            log.error(
                "The rebuild failed: %s. The preview shows the message%s on %d pages until the next good save.",
                str(exc).strip() or type(exc).__name__, "s" if len(messages) > 1 else "", pages,
            )
        finally:
            logger.removeHandler(handler)

    server.builder = build_and_show_errors
    return server
