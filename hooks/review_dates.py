"""review_dates hook: every page says when it was last reviewed and when its next review is due.

Dates come from the page's front matter, never from git:

    reviewed: 2026-11-25
    next_review: 2027-05-25

A page without them, or with a date that is not an ISO date (YYYY-MM-DD), or with a next review
that is not after the last one, logs a warning naming the file and line (strict mode: the build
fails). Only MkDocs runs this check; the footer (overrides/partials/trust.html) and the head
(hooks/page_meta.py) read the dates as written, in Zensical too.
"""

from __future__ import annotations

import datetime
import logging
import re
from pathlib import Path

from ucmsc import context

log = logging.getLogger("mkdocs.hooks.review_dates")

FIELDS = ("reviewed", "next_review")
EXAMPLE = "reviewed: 2026-11-25\nnext_review: 2027-05-25"


def parse_date(value) -> datetime.date | None:
    """A ``datetime.date`` from YAML's date or a string written YYYY-MM-DD; None otherwise.
    Only that form: the footer (overrides/partials/trust.html) slices the text as written, so
    "20261125", which Python would read as a date too, is refused."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:  # no such day: 2026-02-30
            return None
    return None


def field_line(source: str, field: str) -> int:
    """The line of ``field:`` in the page's front matter (1 when it is not there)."""
    match = re.search(rf"^{field}[ \t]*:", source, re.MULTILINE)
    return source.count("\n", 0, match.start()) + 1 if match else 1


def review_problems(meta: dict, src: str, source: str = "") -> list[str]:
    """What is wrong with the review dates in ``meta`` (the front matter of ``src``, whose text is
    ``source``); [] if nothing. Each message starts with ``src:line``."""
    problems = []
    dates = {}
    for field in FIELDS:
        if meta.get(field) in (None, ""):
            problems.append(f"{src}:1: front matter has no '{field}:' date. Add, at the top of the file:\n---\n{EXAMPLE}\n---")
        elif (date := parse_date(meta[field])) is None:
            problems.append(
                f"{src}:{field_line(source, field)}: '{field}: {meta[field]}' is not a date. "
                f"Write it as YYYY-MM-DD, e.g. '{field}: 2026-11-25'."
            )
        else:
            dates[field] = date
    if len(dates) == 2 and dates["next_review"] <= dates["reviewed"]:
        problems.append(
            f"{src}:{field_line(source, 'next_review')}: next_review ({dates['next_review']}) must come "
            f"after reviewed ({dates['reviewed']})."
        )
    return problems


def on_page_markdown(markdown, page, config, files):
    src = context.shown(Path(config.docs_dir) / page.file.src_path)  # docs/..., as editors see it
    for problem in review_problems(page.meta, src, page.file.content_string):
        log.warning(problem)
    return markdown
