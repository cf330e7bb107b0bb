"""review_dates hook: every page says when it was last reviewed and when its next review is due.

Dates come from the page's front matter, never from git:

    reviewed: 2026-11-25
    next_review: 2027-05-25

A page without them, or with a date that is not an ISO date (YYYY-MM-DD), or with a next review
that is not after the last one, logs a warning naming the file (strict mode: the build fails).
Valid dates are stored back in ``page.meta`` as ``datetime.date`` objects, which the theme
override (overrides/partials/content.html) shows as "Last reviewed … · Next review due …".
Overdue pages are reported by the tests (tests/test_trust.py), not by the build.
"""

from __future__ import annotations

import datetime
import logging

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


def review_problems(meta: dict, src: str) -> list[str]:
    """What is wrong with the review dates in ``meta`` (the front matter of ``src``); [] if nothing."""
    problems = []
    dates = {}
    for field in FIELDS:
        if field not in meta or meta[field] in (None, ""):
            problems.append(f"{src}: front matter has no '{field}:' date. Add, at the top of the file:\n---\n{EXAMPLE}\n---")
            continue
        parsed = parse_date(meta[field])
        if parsed is None:
            problems.append(f"{src}: '{field}: {meta[field]}' is not a date. Write it as YYYY-MM-DD, e.g. '{field}: 2026-11-25'.")
        else:
            dates[field] = parsed
    if len(dates) == 2 and dates["next_review"] <= dates["reviewed"]:
        problems.append(
            f"{src}: next_review ({dates['next_review']}) must come after reviewed ({dates['reviewed']})."
        )
    return problems


def overdue(meta: dict, today: datetime.date) -> bool:
    """True when the page's next review date has passed."""
    due = parse_date(meta.get("next_review"))
    return due is not None and due < today


def on_page_markdown(markdown, page, config, files):
    meta = page.meta
    problems = review_problems(meta, page.file.src_uri)
    for problem in problems:
        log.warning(problem)
    if not problems:
        for field in FIELDS:
            meta[field] = parse_date(meta[field])
    return markdown
