"""references.bib: read once per process, checked, and formatted for readers.

The BibTeX reading is pybtex's (the BibTeX library mkdocs-bibtex is built on and pins). The file is
parsed once per process and again only when its content changes (``load``); every problem an editor
can cause comes back as a ``references.bib:LINE:`` message.

``format_reference_html`` is the one place a reference is formatted for readers (a hand-written
AMA-like style until the CSL formatter, src/ucmsc/csl.py, replaces it).
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

from pybtex.backends.plaintext import Backend as PlainTextBackend
from pybtex.database import BibliographyData, Entry, Person
from pybtex.database.input.bibtex import Parser
from pybtex.richtext import Text
from pybtex.scanner import PybtexError, PybtexSyntaxError

KEY_STYLE = re.compile(r"^[a-z]+[0-9]{4}[a-z0-9]+$")
RESOLVABLE_KEY = re.compile(r"^[\w-]+$")  # letters, digits, "_" and "-": what a page may cite
ENTRY_START = re.compile(r"^[ \t]*@[ \t]*(\w+)[ \t]*[{(][ \t]*([^,\s]*)", re.MULTILINE)
NOT_ENTRIES = {"comment", "string", "preamble"}
MAX_AUTHORS = 6  # AMA: list up to 6 authors; otherwise the first 3, then "et al"


class BibError(Exception):
    """The .bib file cannot be used at all (unreadable, syntax error or duplicate keys)."""


@dataclass(frozen=True)
class Bibliography:
    path: str  # as shown to editors, e.g. "references.bib"
    data: BibliographyData
    lines: dict[str, int]  # key -> line of its "@type{key," in the file
    keys: frozenset[str] = frozenset()  # exactly as written (pybtex's own lookup ignores letter case)
    formatted: dict[str, str] = dataclass_field(default_factory=dict, compare=False)  # key -> reference HTML

    @functools.cached_property
    def folded(self) -> frozenset[str]:
        """The keys in lower case (BibTeX keys are case-insensitive)."""
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
    """Parse BibTeX source; raise BibError naming the file and line if it is malformed.

    Cached on the text: under `make serve` a rebuild after a page is saved reuses the parse of an
    unchanged references.bib (the result is only read, never changed)."""
    duplicates = duplicate_key_messages(text, path)
    if duplicates:
        raise BibError("\n".join(duplicates))
    try:
        data = Parser().parse_string(text)
    except PybtexSyntaxError as exc:
        line = exc.lineno or 1
        starts = [(k, n) for k, n in entry_lines(text) if n <= line]
        if starts and starts[-1][1] == line and len(starts) > 1:  # the previous entry never closed
            starts = starts[-2:]
        entry = " or ".join(f"'{k}' (line {n})" for k, n in starts[-2:] if n <= line)
        entry = f" in the entry {entry}" if entry else ""
        raise BibError(
            f"{path}:{line}: the bibliography is malformed{entry}: {exc}. "
            "Check that every value is in {braces}, the braces balance and fields are separated by commas."
        ) from None
    except PybtexError as exc:
        raise BibError(f"{path}: the bibliography cannot be read ({exc}). Check the entry it names.") from None
    lines = {key: line for key, line in entry_lines(text)}
    return Bibliography(path=path, data=data, lines=lines, keys=frozenset(data.entries.keys()))


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


# ----------------------------------------------------------------------------- formatting


LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+ ?")
PLAIN_TEXT = PlainTextBackend()  # created once: render_as("text") looks the backend up on every call (slow)


# Text with none of these characters is its own plain text: the LaTeX decoder would return it
# unchanged, at about 0.35 ms a value (three quarters of references.bib's values, 0.3 s of each
# clean build). tests/test_citations_units.py checks that with pybtex on every value of the file.
LATEX_SPECIAL = re.compile(r"[\\{}~$\-'`\"%&#^_<>]")


@functools.lru_cache(maxsize=4096)
def latex_to_text(value: str) -> str:
    """BibTeX/LaTeX field text as plain Unicode: {\\"O} -> Ö, braces dropped."""
    if not value:
        return ""
    if not LATEX_SPECIAL.search(value):
        return value
    try:
        text = Text.from_latex(value).render(PLAIN_TEXT)
        return LATEX_COMMAND.sub("", text)  # \\textit{x} -> x: formatting commands are dropped
    except Exception:  # malformed LaTeX: show the field as written, minus braces
        return value.replace("{", "").replace("}", "")


def _initials(names: list[str]) -> str:
    letters = []
    for name in names:
        for part in latex_to_text(name).replace(".", " ").split():
            for piece in part.split("-"):
                if piece:
                    letters.append(piece[0].upper())
    return "".join(letters)


def person_name(person: Person) -> str:
    """AMA form: 'McInnes IB'; an organisation in braces is shown whole."""
    last = " ".join(latex_to_text(p) for p in person.prelast_names + person.last_names)
    initials = _initials(person.first_names + person.middle_names)
    return f"{last} {initials}".strip()


def author_list(entry: Entry) -> str:
    people = entry.persons.get("author", [])
    if not people:
        return latex_to_text(field(entry, "organization") or field(entry, "institution"))
    names = [person_name(p) for p in people if str(p) != "others"]
    if len(names) < len(people):  # BibTeX "and others": the list is knowingly incomplete
        return ", ".join(names[:MAX_AUTHORS] if len(names) <= MAX_AUTHORS else names[:3]) + ", et al"
    if len(names) > MAX_AUTHORS:
        names = names[:3] + ["et al"]
    return ", ".join(names)


def sort_key(key: str, entry: Entry) -> tuple[str, str, str, str]:
    """Stable order for the site-wide list: first author (or organisation, or title), year, title, key."""
    people = entry.persons.get("author", [])
    title = latex_to_text(field(entry, "title"))
    first = person_name(people[0]) if people else (author_list(entry) or title)  # no author: by title
    return (first.casefold(), field(entry, "year"), title.casefold(), key)


# ----------------------------------------------------------------------------- loading


def load(path: Path, shown: str) -> Bibliography:
    """The bibliography at ``path`` (``shown`` is its name in messages), parsed once per process
    and again only when the file's content changes. Raises BibError with a file:line message."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BibError(f"{shown}: cannot read the bibliography ({exc.strerror}).") from None
    return parse_bibliography(text, shown)


def _plain(value: str) -> str:
    return " ".join(latex_to_text(value).split())


def _work_fields(entry: Entry) -> dict:
    fields = {name.lower(): _plain(entry.fields[name]) for name in entry.fields.keys()
              if name.lower() in ("title", "journal", "year", "volume", "number", "pages", "doi")}
    authors = []
    for person in entry.persons.get("author", []):
        if str(person) == "others":  # BibTeX "and others": the list is knowingly incomplete
            continue
        last = _plain(" ".join(person.prelast_names + person.last_names))
        first = _plain(" ".join(person.first_names + person.middle_names))
        authors.append(f"{last}, {first}".strip(", ") if first else last)
    fields["authors"] = authors
    return fields


def work_fields(bib: Bibliography, key: str) -> dict | None:
    """A cited work's title, authors ("Last, First"), journal, year, volume, number, pages and DOI
    as plain text (LaTeX decoded), for page metadata; None when the key is not in ``bib``."""
    if key not in bib.keys:
        return None
    return _work_fields(bib.data.entries[key])
