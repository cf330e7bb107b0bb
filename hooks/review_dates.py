"""review_dates hook: every page says when it was last reviewed and when its next review is due.

Dates come from the page's front matter, never from git:

    reviewed: 2026-11-25
    next_review: 2027-05-25

A page without them, or with a date that is not an ISO date (YYYY-MM-DD), or with a next review
that is not after the last one, logs a warning naming the file and line, relative to the folder
of mkdocs.yml (docs/...), as every hook does (strict mode: the build fails).
``page.meta`` is left as the front matter gives it; hooks/page_meta.py reads the dates for the
"Last reviewed … · Next review due …" line (overrides/partials/trust.html).
"""

from __future__ import annotations

import datetime
import logging
import re
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.review_dates")

FIELDS = ("reviewed", "next_review")
EXAMPLE = "reviewed: 2026-11-25\nnext_review: 2027-05-25"


def parse_date(value) -> datetime.date | None:
    """A ``datetime.date`` from YAML's date or an ISO ``YYYY-MM-DD`` string; None otherwise."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
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
        if field not in meta or meta[field] in (None, ""):
            problems.append(f"{src}:1: front matter has no '{field}:' date. Add, at the top of the file:\n---\n{EXAMPLE}\n---")
            continue
        parsed = parse_date(meta[field])
        if parsed is None:
            problems.append(
                f"{src}:{field_line(source, field)}: '{field}: {meta[field]}' is not a date. "
                f"Write it as YYYY-MM-DD, e.g. '{field}: 2026-11-25'."
            )
        else:
            dates[field] = parsed
    if len(dates) == 2 and dates["next_review"] <= dates["reviewed"]:
        problems.append(
            f"{src}:{field_line(source, 'next_review')}: next_review ({dates['next_review']}) must come "
            f"after reviewed ({dates['reviewed']})."
        )
    return problems


def page_path(page, config) -> str:
    """The page's file relative to the folder of mkdocs.yml, e.g. docs/ra/disease.md."""
    root = Path(config.config_file_path).resolve().parent
    try:
        return Path(page.file.abs_src_path).resolve().relative_to(root).as_posix()
    except (ValueError, TypeError):
        return page.file.src_uri


def on_page_markdown(markdown, page, config, files):
    for problem in review_problems(page.meta, page_path(page, config), page.file.content_string):
        log.warning(problem)
    return markdown
