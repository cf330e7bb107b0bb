"""The citation state of one build, shared by the hooks that need it.

hooks/citations.py fills it (the bibliography, parsed and checked once per build in on_config,
and each page's citations from its Markdown pass); hooks/page_meta.py reads it for the
Google Scholar and schema.org metadata of each page. No hook parses references.bib again or
re-derives the cited keys from HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from citation_bib import Bibliography, latex_to_text
from citation_markdown import PageCitations


@dataclass
class State:
    bibliography: Bibliography | None = None
    pages: dict[str, PageCitations] = field(default_factory=dict)  # src_uri -> citations found
    # key -> [(page, heading level, heading id, heading text)] in build order
    cited_on: dict[str, list] = field(default_factory=dict)
    formatted: dict[str, str] = field(default_factory=dict)  # key -> reference HTML, made once
    metadata: dict[str, dict] = field(default_factory=dict)  # key -> plain fields for page metadata
    reported: set[str] = field(default_factory=set)  # messages already logged in this build


STATE = State()


def reset() -> State:
    global STATE
    STATE = State()
    return STATE


def current() -> State:
    return STATE


def _text(value: str) -> str:
    return " ".join(latex_to_text(value).split())


def work_fields(key: str) -> dict | None:
    """A cited work's title, authors ("Last, First"), journal, year, volume, number, pages and DOI
    as plain text (LaTeX decoded), or None when the key is not in the bibliography."""
    state = STATE
    if state.bibliography is None or key not in state.bibliography.keys:
        return None
    if key not in state.metadata:
        entry = state.bibliography.data.entries[key]
        fields = {name.lower(): _text(entry.fields[name]) for name in entry.fields.keys()
                  if name.lower() in ("title", "journal", "year", "volume", "number", "pages", "doi")}
        authors = []
        for person in entry.persons.get("author", []):
            if str(person) == "others":  # BibTeX "and others": the list is knowingly incomplete
                continue
            last = _text(" ".join(person.prelast_names + person.last_names))
            first = _text(" ".join(person.first_names + person.middle_names))
            authors.append(f"{last}, {first}".strip(", ") if first else last)
        fields["authors"] = authors
        state.metadata[key] = fields
    return state.metadata[key]


def page_works(src_uri: str) -> list[dict]:
    """The works a page cites, in order of first citation, as ``work_fields``."""
    found = STATE.pages.get(src_uri)
    if found is None:
        return []
    return [w for w in (work_fields(k) for k in found.keys) if w is not None]
