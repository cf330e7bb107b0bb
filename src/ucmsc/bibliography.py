"""references.bib: read once per process (again only when its content changes), checked, and
decoded from LaTeX with pybtex. ``load`` is the one reader of the file; the citations, the style
(csl.py), the evidence data and the page metadata all take its result. Every problem an editor
can cause comes back as a ``references.bib:LINE:`` message.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

from pybtex.database import BibliographyData, Entry
from pybtex.database.input.bibtex import Parser
from pybtex.richtext import Protected, Text
from pybtex.scanner import PybtexError, PybtexSyntaxError

KEY_STYLE = re.compile(r"^[a-z]+[0-9]{4}[a-z0-9]+$")
RESOLVABLE_KEY = re.compile(r"^[\w-]+$")  # letters, digits, "_" and "-": what a page may cite
ENTRY_START = re.compile(r"^[ \t]*@[ \t]*(\w+)[ \t]*[{(][ \t]*([^,\s]*)", re.MULTILINE)
NOT_ENTRIES = {"comment", "string", "preamble"}


class BibError(Exception):
    """The .bib file cannot be used at all (unreadable, syntax error or duplicate keys)."""


@dataclass(frozen=True)
class Bibliography:
    path: str  # as shown to editors, e.g. "references.bib"
    data: BibliographyData
    lines: dict[str, int]  # key -> line of its "@type{key," in the file
    keys: frozenset[str] = frozenset()  # exactly as written (pybtex's own lookup ignores letter case)
    digest: str = ""  # SHA-256 of the file's text
    # the formatting code's fingerprint -> {key: reference HTML} (csl.py)
    formatted: dict[str, dict[str, str]] = dataclass_field(default_factory=dict, compare=False)

    @functools.cached_property
    def problems(self) -> list[str]:
        return entry_problems(self)

    @functools.cached_property
    def folded(self) -> frozenset[str]:  # BibTeX keys are case-insensitive
        return frozenset(k.casefold() for k in self.keys)

    def where(self, key: str) -> str:
        return f"{self.path}:{self.lines.get(key, 1)}"


def entry_lines(text: str) -> list[tuple[str, int]]:
    """(key, line number) of every entry in BibTeX source, in file order."""
    found = []
    for match in ENTRY_START.finditer(text):
        if match.group(1).lower() not in NOT_ENTRIES:
            found.append((match.group(2), text.count("\n", 0, match.start()) + 1))
    return found


def duplicate_key_messages(text: str, path: str) -> list[str]:
    """One message per key defined more than once (BibTeX keys are case-insensitive)."""
    seen: dict[str, int] = {}
    messages = []
    for key, line in entry_lines(text):
        first = seen.setdefault(key.lower(), line)
        if first != line:
            messages.append(
                f"{path}:{line}: duplicate key '{key}' (first defined on line {first}). "
                "Delete one of the two entries or give this one a different key."
            )
    return messages


@functools.lru_cache(maxsize=4)
def parse_bibliography(text: str, path: str) -> Bibliography:
    """Parse BibTeX source; raise BibError naming the file and line if it is malformed. Cached on
    the text: a rebuild reuses the parse of an unchanged file (the result is never changed)."""
    duplicates = duplicate_key_messages(text, path)
    if duplicates:
        raise BibError("\n".join(duplicates))
    try:
        data = Parser().parse_string(text)
    except PybtexSyntaxError as exc:
        line = exc.lineno or 1
        # the entry the error is in, or the one before it (which may never have closed)
        starts = [(k, n) for k, n in entry_lines(text) if n <= line][-2:]
        entry = " or ".join(f"'{k}' (line {n})" for k, n in starts)
        entry = f" in the entry {entry}" if entry else ""
        raise BibError(
            f"{path}:{line}: the bibliography is malformed{entry}: {exc}. "
            "Check that every value is in {braces}, the braces balance and fields are separated by commas."
        ) from None
    except PybtexError as exc:
        raise BibError(f"{path}: the bibliography cannot be read ({exc}). Check the entry it names.") from None
    return Bibliography(path=path, data=data, lines=dict(entry_lines(text)), keys=frozenset(data.entries.keys()),
                        digest=hashlib.sha256(text.encode("utf-8")).hexdigest())


def key_problem(key: str) -> str | None:
    """Why a key breaks the rules, or None. Keys look like firstauthorYEARword."""
    if not RESOLVABLE_KEY.match(key):
        bad = "".join(sorted({c for c in key if not re.match(r"[\w-]", c)}))
        return (
            f"the key '{key}' contains {bad!r}, which a citation cannot use. "
            "Use lower-case letters and digits only, like 'smith2020trial'"
        )
    if not KEY_STYLE.match(key):
        return (
            f"the key '{key}' does not follow the style firstauthorYEARword "
            "(lower-case letters, a 4-digit year, then a word), e.g. 'smith2020trial'"
        )
    return None


def field(entry: Entry, name: str) -> str:
    return entry.fields.get(name, "").strip()


def missing_fields(entry: Entry) -> list[str]:
    """Required fields the entry lacks, described the way an editor would fix them."""
    missing = []
    declared = {name.strip().lower() for name in field(entry, "missing").split(",")}
    has_author = entry.persons.get("author") or field(entry, "organization") or field(entry, "institution")
    # `missing = {author}` records that no stored copy of the source shows its authors (say where
    # you looked in the note); the reference then starts with the title, as Vancouver style does.
    if not has_author and "author" not in declared:
        missing.append("author (or organization)")
    if not field(entry, "title"):
        missing.append("title")
    if not field(entry, "year"):
        missing.append("year")
    if not any(field(entry, f) for f in ("journal", "booktitle", "publisher", "organization", "institution")):
        missing.append("journal, booktitle or publisher")
    if not any(field(entry, f) for f in ("doi", "pmid", "url")):
        missing.append("doi, pmid or url")
    return missing


def entry_problems(bib: Bibliography) -> list[str]:
    """Messages for every entry with a bad key or missing required fields."""
    messages = []
    for key, entry in bib.data.entries.items():
        problem = key_problem(key)
        if problem:
            messages.append(f"{bib.where(key)}: {problem}.")
        missing = missing_fields(entry)
        if missing:
            messages.append(
                f"{bib.where(key)}: entry '{key}' lacks {', '.join(missing)}. "
                "Add the missing fields from the source you verified."
            )
    return messages


def nearest_keys(key: str, keys, n: int = 3) -> list[str]:
    return difflib.get_close_matches(key, list(keys), n=n, cutoff=0.5)


LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+ ?")  # left by pybtex's decoder: \textit{x} -> "\textit x"
# A value with none of these is its own text: pybtex's LaTeX decoder would return it unchanged, at
# 0.2-0.5 ms a value (most of the formatting time). tests/test_csl.py and test_citations_units.py
# check that on every value of references.bib, and that each construct the decoder changes is matched.
LATEX_SPECIAL = re.compile(r"[\\{}~$%`\"]|--|''|,,")


@functools.lru_cache(maxsize=8192)
def decode(value: str) -> Text:
    """A BibTeX value as pybtex rich text (LaTeX decoded; {braced} parts are Protected)."""
    if not LATEX_SPECIAL.search(value):
        return Text(value)
    try:
        return Text.from_latex(value)
    except Exception:  # malformed LaTeX: the field as written, minus braces
        return Text(value.replace("{", "").replace("}", ""))


def plain_text(text: Text | Protected) -> str:
    """Rich text from pybtex as plain Unicode (LaTeX accents decoded, braces and commands gone)."""
    out = [plain_text(p) if isinstance(p, (Text, Protected)) else str(p) for p in text.parts]
    return LATEX_COMMAND.sub("", "".join(out))


@functools.lru_cache(maxsize=8192)
def latex_to_text(value: str) -> str:
    """BibTeX/LaTeX field text as plain Unicode: {\\"O} -> Ö, braces dropped."""
    unbraced = value.replace("{", "").replace("}", "")
    if not LATEX_SPECIAL.search(unbraced):  # braces only group (and keep letter case): the decoder would drop them
        return unbraced
    return plain_text(decode(value))


def plain(value: str) -> str:
    """A field's plain text, its spaces collapsed."""
    return " ".join(latex_to_text(value).split())


def sort_key(key: str, entry: Entry) -> tuple[str, str, str, str]:
    """Stable order for the site-wide list: first author's family name and initials (or the
    organisation, or the title), year, title, key."""
    people = [p for p in entry.persons.get("author", []) if str(p) != "others"]
    title = latex_to_text(field(entry, "title"))
    if people:
        first = " ".join(latex_to_text(p) for p in people[0].prelast_names + people[0].last_names)
        initials = "".join(piece[0] for name in people[0].first_names + people[0].middle_names
                           for part in latex_to_text(name).replace(".", " ").split()
                           for piece in part.split("-") if piece)
        first = f"{first} {initials.upper()}".strip()
    else:  # no author: the organisation, else the title
        first = latex_to_text(field(entry, "organization") or field(entry, "institution")) or title
    return (first.casefold(), field(entry, "year"), title.casefold(), key)


def load(path: Path, shown: str) -> Bibliography:
    """The bibliography at ``path`` (``shown``: its name in messages); BibError with a file:line
    message when it cannot be used."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise BibError(
            f"{shown}: cannot read the bibliography ({exc.strerror}). "
            "Check the file exists and its name in mkdocs.yml."
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BibError(
            f"{shown}:{line}: this line is not UTF-8 text. "
            "Save the file as UTF-8 (or write the character in LaTeX, like {\\\"e})."
        ) from None
    return parse_bibliography(text, shown)


def work_fields(bib: Bibliography, key: str) -> dict | None:
    """A cited work's title, authors ("Last, First"), journal, year, volume, number, pages and DOI
    as plain text (LaTeX decoded), for page metadata; None when the key is not in ``bib``."""
    if key not in bib.keys:
        return None
    entry = bib.data.entries[key]
    fields = {name.lower(): plain(entry.fields[name]) for name in entry.fields.keys()
              if name.lower() in ("title", "journal", "year", "volume", "number", "pages", "doi")}
    authors = []
    for person in entry.persons.get("author", []):
        if str(person) == "others":  # BibTeX "and others": the list is knowingly incomplete
            continue
        last = plain(" ".join(person.prelast_names + person.last_names))
        first = plain(" ".join(person.first_names + person.middle_names))
        authors.append(f"{last}, {first}".strip(", ") if first else last)
    fields["authors"] = authors
    return fields
