"""Reading references.bib (with pybtex) and the repository's YAML files, with file:line errors."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import yaml
from pybtex.backends.plaintext import Backend as PlainTextBackend
from pybtex.database import parse_file
from pybtex.richtext import Text
from pybtex.scanner import PybtexError


class ConfigError(Exception):
    """A repository file an editor can fix; the message starts with file:line."""


@dataclass
class Ref:
    key: str
    line: int
    doi: str | None
    pmid: str | None
    title: str
    family: str | None  # first author's family name, LaTeX decoded
    year: str | None
    journal: str | None
    volume: str | None
    pages: str | None


PLAIN_TEXT = PlainTextBackend()  # created once: render_as("text") looks the backend up in every
# installed distribution's entry points on each call (about 30 ms; 10 s for references.bib)


def latex_text(value: str) -> str:
    try:
        return Text.from_latex(value).render(PLAIN_TEXT)
    except Exception:  # pybtex raises several kinds on odd markup; fall back to the raw text
        return value.replace("{", "").replace("}", "")


def load_bib(path: Path, rel: str = "references.bib") -> list[Ref]:
    try:
        data = parse_file(str(path), bib_format="bibtex")
    except (OSError, PybtexError) as exc:
        raise ConfigError(f"{rel}:1: cannot read the bibliography ({exc})") from None
    raw = path.read_text(encoding="utf-8")
    refs = []
    for key, entry in data.entries.items():
        match = re.search(r"@\w+\s*\{\s*" + re.escape(key) + r"\s*,", raw)
        line = raw.count("\n", 0, match.start()) + 1 if match else 1
        fields = entry.fields
        people = entry.persons.get("author") or []
        family = None
        if people:
            p = people[0]
            family = latex_text(" ".join(p.prelast_names + p.last_names)) or None
        doi = (fields.get("doi") or "").strip() or None
        pmid = (fields.get("pmid") or "").strip() or None
        refs.append(Ref(
            key=key, line=line, doi=doi, pmid=pmid,
            title=latex_text(fields.get("title", "")),
            family=family,
            year=(fields.get("year") or "").strip() or None,
            journal=latex_text(fields["journal"]) if fields.get("journal") else None,
            volume=(fields.get("volume") or "").strip() or None,
            pages=(fields.get("pages") or "").strip() or None,
        ))
    return refs


def bib_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


# ---- YAML with line numbers ---------------------------------------------------------------

class _LineLoader(yaml.SafeLoader):
    pass


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def load_yaml(path: Path, rel: str) -> dict:
    """A YAML mapping in which every mapping carries its line as '__line__'."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{rel}:1: cannot read the file ({exc.strerror})") from None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ConfigError(f"{rel}:{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        return {"__line__": 1}
    if not isinstance(data, dict):
        raise ConfigError(f"{rel}:1: expected a mapping at the top of the file")
    return data


# ---- normalisation ------------------------------------------------------------------------

def fold(text: str | None) -> str:
    """Lower case, accents and markup removed, punctuation to single spaces."""
    if not text:
        return ""
    text = re.sub(r"<[^>]+>", " ", unescape(str(text)))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^0-9a-z]+", " ", text.casefold())
    return " ".join(text.split())


def squash(text: str | None) -> str:
    return fold(text).replace(" ", "")
