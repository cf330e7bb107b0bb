"""Citations: pandoc's ``[@key]`` syntax as a Python-Markdown extension (CONTRIBUTING.md, "Citations").

Citations become numbered superscript links to a "References" list at the end of the page, with
Python-Markdown's footnote markup (``a.footnote-ref`` -> ``li#fn:KEY``), so Material's footnote
previews and the citation sheet (overrides/partials/citation-sheet.html) show each reference.

* An inline processor reads each ``[...@key...]``. Python-Markdown has stashed code, comments and
  raw HTML before it runs; a prefix and a locator are child elements, so emphasis in them renders.
* A tree processor checks every key against references.bib (exactly, letter case included),
  numbers the works by first use, joins adjacent citations into one superscript ("1,2", "2–4",
  "3(p12)") attached to the word before, and appends the page's References list.
* ``/// site-references`` (pymdownx.blocks) writes the site-wide list with "Cited on" links from
  one scan of every page (``context.site_pages``) and reports the entries no page cites. Its
  option ``authors: A-K`` keeps the works whose first author (or organisation) begins with a
  letter of that range, so the list can be split over pages that each stay light.

Every mistake is reported through ``context.warn`` as ``file:line: what to do``.
"""

from __future__ import annotations

import html
import posixpath
import re
import unicodedata
import xml.etree.ElementTree as etree
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
import markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import INLINE_PLACEHOLDER_RE, AtomicString
from pymdownx.blocks import BlocksExtension
from pymdownx.blocks.block import Block

from . import bibliography as bibmod
from . import context, csl

INLINE_PRIORITY = 45  # below html (90), entity (80) and emphasis (60, 50); above nothing that matters
TREE_PRIORITY = 15  # after "inline" (20); before attr_list (8) and toc (5), which give the heading ids
OWN_TEXT_PRIORITY = 33  # before pymdownx.snippets (32): the page's own text, without snippets

WRAPPER = "ucmsc-citation"  # the inline processor's element; the tree processor replaces every one
WORD_JOINER = "\u2060"
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
LITERAL = {"code", "pre", "script", "style", "kbd", "samp"}

# "[" ... "]" without nested brackets, holding "@" where pandoc starts a citation: at the start,
# after a space, ";" or "-" (author suppression). "[an address: a@b.org]" is no citation.
BLOCK = r"\[([^\[\]]*)\]"
CITATION_START = re.compile(r"(?:^|[\s;])-?@[\w{]")
# Pandoc's key: a letter, digit or "_", then alphanumerics and single internal punctuation; or
# anything in braces.
KEY = r"(?:\{(?P<braced>[^{}]*)\}|(?P<key>\w(?:\w|[:.#$%&\-+?<>~/](?=\w))*))"
ITEM = re.compile(rf"^(?P<prefix>(?:.*?\s)?)(?P<minus>-?)@{KEY}(?P<rest>.*)$", re.DOTALL)  # "a@b.org" is no key
# The in-text form "@key" (pandoc's "@smith04 says"): not supported; reported when it names a work
IN_TEXT = r"(?<![\w@.\-/\[])@(?P<key>\w(?:\w|[:.#$%&\-+?<>~/](?=\w))*)"
# Pandoc's locator terms (and "table", which this site uses), singular and plural, full or short
TERMS = (
    r"pp?\.?|pages?|bk\.?|bks\.?|books?|chap\.?|chaps\.?|chapters?|col\.?|cols\.?|columns?|"
    r"figs?\.?|figures?|fol\.?|fols\.?|folios?|no\.?|nos\.?|numbers?|l\.?|ll\.?|lines?|nn?\.?|notes?|"
    r"op\.?|opp\.?|opus|para\.?|paras\.?|paragraphs?|¶¶?|pts?\.?|parts?|sec\.?|secs\.?|sections?|§§?|"
    r"s\.v\.?|s\.vv\.?|sub verbo|vv?\.?|verses?|vols?\.?|volumes?|tables?|tab\.?"
)
LOCATOR = re.compile(
    rf"^(?:(?P<term>{TERMS})\s*)?(?P<numbers>(?:\d+[a-z]?|[ivxlc]+)(?:\s*(?:[-–—]+|,|&|and)\s*(?:\d+[a-z]?|[ivxlc]+))*)"
    r"(?=$|[\s,;.)])(?P<suffix>.*)$",
    re.IGNORECASE | re.DOTALL,
)
FOOTNOTE_LEFT = re.compile(r"\[\^[^\]\s]+\]")
RAW_CITATION = re.compile(r"\[(?:[^\[\]]*?[\s;])?-?@\w[^\[\]]*\]")
SNIPPET_LINE = re.compile(r"^[ \t]*-{1,}8<-{1,}[ \t]+([\"'])(?P<name>.+?)\1", re.MULTILINE)
SNIPPET_BLOCK = re.compile(r"^[ \t]*-{1,}8<-{1,}[ \t]*\n(?P<names>.*?)^[ \t]*-{1,}8<-{1,}[ \t]*$", re.MULTILINE | re.DOTALL)
FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n.*?\n(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)

_scanning: ContextVar[bool] = ContextVar("ucmsc_citations_scanning", default=False)
# page -> (build, its Markdown, bibliography, cited, headings) of its render in this build (the scan reuses it)
_renders: dict[str, tuple] = {}


# ----------------------------------------------------------------------------- parsing


@dataclass
class Cite:
    key: str
    prefix: str = ""  # Markdown text before "@" ("see"), shown before the superscript
    locator: str = ""  # as displayed: "p12", "pp33–35", "table 2", with any suffix
    index: int = 0  # its place in the citation (its prefix and locator elements are numbered by it)


@dataclass
class Citation:
    """One ``[...]`` of the page's Markdown."""

    raw: str  # as the inline processor saw it (placeholders for stashed text included)
    cites: list[Cite] = field(default_factory=list)
    error: str = ""  # why it cannot be read
    in_text: bool = False  # "@key" without brackets


def format_locator(term: str, numbers: str) -> str:
    """AMA form of a locator: 'p. 12' -> 'p12', 'pp. 12-14' -> 'pp12–14'; others as written."""
    numbers = re.sub(r"\s*[-–—]+\s*", "–", " ".join(numbers.split()))
    bare = term.lower().rstrip(".") if term else "p"
    if bare in ("p", "pp", "page", "pages"):
        plural = bare in ("pp", "pages") or "–" in numbers or "," in numbers or "&" in numbers or " and " in numbers
        return f"{'pp' if plural else 'p'}{numbers}"
    return f"{' '.join(term.split())} {numbers}"


def parse_item(text: str) -> Cite | str:
    """One ``;``-separated item of a citation: a Cite, or why it cannot be read."""
    match = ITEM.match(text.strip())
    if not match:
        return "an item has no '@key'"
    key = match["braced"] if match["braced"] is not None else match["key"]
    prefix = " ".join(match["prefix"].split())
    rest = match["rest"].strip()
    if rest.startswith(","):
        rest = rest[1:].strip()
    shown = ""
    if rest:
        found = LOCATOR.match(rest)
        if found and (found["term"] or found["numbers"][0].isdigit()):
            suffix = " ".join(found["suffix"].split())
            shown = format_locator(found["term"] or "", found["numbers"])
            if suffix:
                shown += suffix if suffix.startswith(",") else " " + suffix
        else:
            shown = " ".join(rest.split())
    # "-@key" (author suppression): a numbered style shows no author, so it renders as "@key"
    return Cite(key=key, prefix=prefix, locator=shown)


def parse_citation(inner: str) -> Citation:
    citation = Citation(raw=f"[{inner}]")
    for index, part in enumerate(inner.split(";")):
        item = parse_item(part)
        if isinstance(item, str):
            citation.error = item
            citation.cites = []
            break
        item.index = index
        citation.cites.append(item)
    return citation


# ----------------------------------------------------------------------------- Markdown side


class OwnText(Preprocessor):
    """Keeps the page's own Markdown (before snippets are inserted), to find a citation's line."""

    def __init__(self, md, extension: CitationsExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, lines):
        self.extension.own_text = "\n".join(lines)
        return lines


class CitationPattern(InlineProcessor):
    PATTERN = BLOCK

    def __init__(self, extension: CitationsExtension):
        super().__init__(self.PATTERN, extension.md)
        self.extension = extension

    def handleMatch(self, m, data):
        inner = m.group(1)
        if not CITATION_START.search(inner):
            return None, None, None
        citation = parse_citation(inner)
        return self.extension.wrapper(citation), m.start(0), m.end(0)


class InTextPattern(CitationPattern):
    """pandoc's in-text form ``@key``: reported when it names a work of references.bib."""

    PATTERN = IN_TEXT

    def handleMatch(self, m, data):
        bib = self.extension.bibliography()
        if bib is None or m["key"].casefold() not in bib.folded:
            return None, None, None
        citation = Citation(raw=m.group(0), cites=[Cite(m["key"])], in_text=True)
        return self.extension.wrapper(citation), m.start(0), m.end(0)


LETTER_RANGE = re.compile(r"\s*([A-Za-z])\s*[-–]\s*([A-Za-z])\s*")


class SiteReferences(Block):
    """``/// site-references``: the site-wide list of cited works, with "Cited on" links; with
    ``authors: L-Z`` (indented on the next line), only the works whose first author begins with
    a letter from L to Z."""

    NAME = "site-references"
    ARGUMENT = None
    OPTIONS = {"authors": ["A-Z", str]}  # any value: one that is no range is reported below

    def on_create(self, parent):
        element = etree.SubElement(parent, "ul", {"class": "site-references"})
        ext = self.config["extension"]
        letters = LETTER_RANGE.fullmatch(self.options["authors"])
        if letters is None:
            where, _ = ext.locate(r"^\s*authors:", regex=True)
            context.warn(f"{where}: the option 'authors: {self.options['authors']}' of /// site-references is "
                         "not a range of two letters; write one such as 'authors: A-K'. The list shows every work.")
        first, last = (letters[1].casefold(), letters[2].casefold()) if letters else ("a", "z")
        ext.site_lists.append((element, first, last))
        return element


# ----------------------------------------------------------------------------- the tree


@dataclass
class Item:
    """One cited work inside a superscript."""

    key: str
    number: int
    locator: etree.Element | None = None  # span.citation-locator
    anchor_id: str = ""


@dataclass
class Segment:
    """A superscript, with the prefix text shown before it ("see")."""

    prefix: etree.Element | None
    items: list[Item] = field(default_factory=list)


class CitationTree(Treeprocessor):
    def __init__(self, md, extension: CitationsExtension):
        super().__init__(md)
        self.extension = extension

    def _report(self, message: str) -> None:
        if not _scanning.get():
            context.warn(message)

    # -- run

    def run(self, root):
        ext = self.extension
        parents = {child: parent for parent in root.iter() for child in parent}
        bib = ext.bibliography()
        self._check_leftovers(root, parents)
        numbers: dict[str, int] = {}
        groups: list[list[tuple[etree.Element, Citation]]] = []
        for wrapper in list(root.iter(WRAPPER)):
            citation = ext.citations.pop(wrapper)
            parent = parents[wrapper]
            good = self._checked(citation, wrapper, parents, bib)
            if not good:
                replace_with_text(wrapper, parent)
                continue
            citation.cites = good
            for cite in good:
                numbers.setdefault(cite.key, len(numbers) + 1)
            previous = groups[-1][-1][0] if groups else None
            siblings = list(parent)
            if previous in siblings and siblings.index(previous) + 1 == siblings.index(wrapper) \
                    and not (previous.tail or "").strip():
                groups[-1].append((wrapper, citation))
            else:
                groups.append([(wrapper, citation)])
        counts: dict[str, int] = {}
        order = {element: n for n, element in enumerate(root.iter())}
        ext.headings = [e for e in root.iter() if e.tag in HEADINGS]
        for group in groups:
            segments = self._segments(group, numbers)
            first, parent = group[0][0], parents[group[0][0]]
            above = [h for h in ext.headings if order[h] < order[first]]
            ext.cited.extend((item.key, above[-1] if above else None) for s in segments for item in s.items)
            self._replace(group, parent, segments, counts)
        if numbers and not _scanning.get():  # the scan needs no lists
            self._check_references_heading(root)
            heading = etree.SubElement(root, "h2", {"id": "references", "data-search-exclude": None})
            heading.text = "References"
            root.append(self._reference_list(numbers, counts, bib))
        if not _scanning.get() and context.build_number() and context.current_page():
            # what the scan would find on this page, for a site-wide list later in the same build
            _renders[context.current_page()] = (context.build_number(), ext.own_text, bib, ext.cited, ext.headings)
        for element, first, last in ext.site_lists:
            if not _scanning.get():
                ext.fill_site_list(element, first, last)
        return None

    def _checked(self, citation: Citation, wrapper, parents, bib) -> list[Cite]:
        where, own = self.extension.locate(citation.raw)
        shown = html.unescape(INLINE_PLACEHOLDER_RE.sub("…", citation.raw))
        ancestors = {a.tag for a in _ancestors(wrapper, parents)}
        problem = ""
        if not own:
            problem = (f"{where}: the snippet contains the citation {shown}. A snippet's text is shared by "
                       "pages that number their references separately: cite in the page itself.")
        elif citation.error:
            problem = (f"{where}: cannot read the citation {shown!r}: {citation.error}. Write [@key], "
                       "[@key1; @key2], [@key, p. 12] or [see @key, pp. 33-35] (items separated by ';').")
        elif ancestors & HEADINGS:
            problem = f"{where}: citation in a heading. Move it into the text below the heading."
        elif "a" in ancestors:
            problem = f"{where}: citation in link text. Move it out of the link: [link text](url) [@key]."
        elif citation.in_text:
            key = citation.cites[0].key
            problem = (f"{where}: '@{key}' without brackets is pandoc's in-text form, which this site does not "
                       f"use. Write [@{key}] after the words it supports.")
        if problem:
            self._report(problem)
        if problem or bib is None:
            return []
        good = []
        for cite in citation.cites:
            problem = self._key_problem(cite.key, bib, where)
            if problem:
                self._report(problem)
            else:
                good.append(cite)
        return good

    @staticmethod
    def _key_problem(key: str, bib: bibmod.Bibliography, where: str) -> str | None:
        if not re.fullmatch(r"[\w-]+", key):
            return f"{where}: cannot resolve [@{key}]: {bibmod.key_problem(key)}."
        if key in bib.keys:
            return None
        same = [k for k in bib.keys if k.casefold() == key.casefold()]
        if same:
            return (
                f"{where}: the citation key '@{key}' differs in letter case from the bibliography key "
                f"'{same[0]}'. Write [@{same[0]}]."
            )
        near = bibmod.nearest_keys(key, bib.keys)
        hint = f" Did you mean {', '.join('@' + k for k in near)}?" if near else ""
        return (
            f"{where}: unknown citation key '@{key}': it is not in the bibliography.{hint} "
            f"Fix the key, or add the verified entry to {bib.path} first."
        )

    def _check_references_heading(self, root) -> None:
        for heading in root.iter():
            if heading.tag in HEADINGS and re.fullmatch(
                r"\s*References\s*(\{[^}]*\})?\s*", "".join(heading.itertext()), re.IGNORECASE
            ):
                where, _ = self.extension.locate(r"#+[ \t]+References", regex=True)
                self._report(
                    f"{where or context.where(None)}: the heading 'References' is added automatically under "
                    "every citing page. Remove this heading (or rename it)."
                )

    def _check_leftovers(self, root, parents) -> None:
        """A footnote reference without its definition stays as "[^x]" text; citation syntax in raw
        HTML is published as written. Both would reach readers raw."""
        found = []
        for element in root.iter():
            outer_literal = any(p.tag in LITERAL for p in _ancestors(element, parents))
            texts = [] if outer_literal else [element.tail] + ([] if element.tag in LITERAL else [element.text])
            for text in texts:
                if text and not isinstance(text, AtomicString):
                    found += FOOTNOTE_LEFT.findall(text)
        for raw in self.md.htmlStash.rawHtmlBlocks:
            if isinstance(raw, str) and "@" in raw:
                found += RAW_CITATION.findall(_html_text(raw))
        for text in found:
            where, _ = self.extension.locate(text)
            self._report(
                f"{where or context.where(None)}: raw citation markup would reach readers: {text}. "
                "Write citations as [@key] in the page text (not in raw HTML, headings or link text); "
                "a [^note] needs its definition."
            )

    # -- markup

    def _segments(self, group, numbers) -> list[Segment]:
        segments: list[Segment] = []
        for wrapper, citation in group:
            parts = {int(child.get("data-i")): child for child in wrapper}
            for cite in citation.cites:
                prefix = parts.get(2 * cite.index)
                if prefix is not None or not segments:
                    segments.append(Segment(prefix))
                segments[-1].items.append(Item(cite.key, numbers[cite.key], parts.get(2 * cite.index + 1)))
        return segments

    def _replace(self, group, parent, segments: list[Segment], counts: dict[str, int]) -> None:
        first = group[0][0]
        index = list(parent).index(first)
        before = parent[index - 1] if index else None
        # no breakable space before a superscript: it stays with the word before it
        if before is None:
            parent.text = (parent.text or "").rstrip(" \t\n")
        else:
            before.tail = (before.tail or "").rstrip(" \t\n")
        tail = group[-1][0].tail
        new: list[etree.Element] = []
        for segment in segments:
            if segment.prefix is not None:  # "see": ordinary text, a space before it
                segment.prefix.attrib.pop("data-i")
                segment.prefix.set("class", "citation-prefix")
                if new:
                    new[-1].tail = " "
                elif before is None:
                    parent.text += " " if parent.text else ""
                else:
                    before.tail += " "
                new.append(segment.prefix)
            new.append(self._superscript(segment.items, counts))
            new[-1].tail = None
        for wrapper, _ in group:
            parent.remove(wrapper)
        for offset, element in enumerate(new):
            parent.insert(index + offset, element)
        new[-1].tail = tail

    def _superscript(self, items: list[Item], counts: dict[str, int]) -> etree.Element:
        """One superscript: numbers ascending, "," between, runs of 3+ as "1–3" (the numbers inside a
        range stay as hidden links, so every cited work keeps its a.footnote-ref link)."""
        sup = etree.Element("sup", {"class": "citation", "data-search-exclude": None})
        sup.text = WORD_JOINER
        for item in items:
            counts[item.key] = counts.get(item.key, 0) + 1
            item.anchor_id = _ref_id(item.key, counts[item.key])
        runs: list[list[Item]] = []  # consecutive numbers, none with a locator
        extra: list[str] = []  # the same work again in this superscript: shown once, its anchor kept
        for item in sorted(items, key=lambda i: i.number):
            last = runs[-1][-1] if runs else None
            bare = last is not None and last.locator is None and item.locator is None
            if bare and last.number == item.number:
                extra.append(item.anchor_id)
            elif bare and last.number + 1 == item.number:
                runs[-1].append(item)
            else:
                runs.append([item])
        pieces: list[list[etree.Element]] = []
        for run in runs:
            if len(run) >= 3:
                dash = etree.Element("span", {"class": "citation-range"})
                dash.text = "–"
                hidden = [e for middle in run[1:-1] for e in _link(middle, hidden=True)]
                pieces.append(_link(run[0]) + hidden + [dash] + _link(run[-1]))
            else:
                pieces.extend(_link(item) for item in run)
        for n, piece in enumerate(pieces):
            if n:
                sup[-1].tail = (sup[-1].tail or "") + ","
            sup.extend(piece)
        for anchor in extra:
            etree.SubElement(sup, "span", {"id": anchor})
        return sup

    def _reference_list(self, numbers: dict[str, int], counts: dict[str, int], bib) -> etree.Element:
        div = etree.Element("div", {"class": "footnote"})
        etree.SubElement(div, "hr")
        ol = etree.SubElement(div, "ol")
        for key, number in numbers.items():
            li = etree.SubElement(ol, "li", {"id": f"fn:{key}"})
            p = etree.SubElement(li, "p")
            p.text = self.md.htmlStash.store(reference_html(bib, key)) + "\u00a0"
            for n in range(1, counts.get(key, 0) + 1):
                back = etree.SubElement(p, "a", {
                    "class": "footnote-backref",
                    "href": f"#{_ref_id(key, n)}",
                    "title": f"Jump back to footnote {number} in the text",
                })
                back.text = "\u21a9"
        return div


def _ref_id(key: str, n: int) -> str:
    return f"fnref:{key}" if n == 1 else f"fnref{n}:{key}"


def _link(item: Item, hidden: bool = False) -> list[etree.Element]:
    """A citation number (``hidden`` for the numbers inside a range), and its locator."""
    a = etree.Element("a", {"class": "footnote-ref", "href": f"#fn:{item.key}", "id": item.anchor_id})
    if hidden:
        a.set("hidden", None)
    a.text = str(item.number)
    parts = [a]
    if item.locator is not None:
        item.locator.attrib.pop("data-i", None)
        item.locator.tail = None
        parts.append(item.locator)
    return parts


def replace_with_text(element, parent, text: str = "") -> None:
    """Replace ``element`` (a child of ``parent``) by ``text``, keeping the text after it."""
    text += element.tail or ""
    index = list(parent).index(element)
    if index:
        before = parent[index - 1]
        before.tail = (before.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(element)


def _ancestors(element, parents):
    while element in parents:
        element = parents[element]
        yield element


def _html_text(raw: str) -> str:
    """The text a reader sees in a piece of raw HTML (not code, scripts or comments)."""
    try:
        fragment = lxml.html.fragment_fromstring(raw, create_parent="div")
    except Exception:  # an unclosed tag on its own (inline HTML): no text in it
        return ""
    for literal in fragment.xpath("//code|//pre|//script|//style|//textarea"):
        literal.drop_tree()
    return " ".join(fragment.itertext())


# ----------------------------------------------------------------------------- the extension


# Without MkDocs' hook (Zensical), the scan renders pages with these: the site's own generated
# blocks (ucmsc.evidence) cite works of their own, and /// glossary must be known, so they are among them.
DEFAULT_SCAN_EXTENSIONS = [
    "abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables", "toc",
    "pymdownx.details", "pymdownx.superfences", "pymdownx.tabbed", "ucmsc.evidence", "ucmsc.glossary",
]


class CitationsExtension(BlocksExtension):
    def __init__(self, **kwargs):
        self.config = {
            "bib_file": ["references.bib", "The BibTeX file, relative to the project folder"],
            "docs_dir": ["docs", "The pages' folder, relative to the project folder (the site-wide list)"],
        }
        super().__init__(**kwargs)
        self.reset()

    def extendMarkdownBlocks(self, md, block_mgr):
        self.md = md
        md.registerExtension(self)
        block_mgr.register(SiteReferences, {"extension": self})
        md.preprocessors.register(OwnText(md, self), "ucmsc-citations-own-text", OWN_TEXT_PRIORITY)
        md.inlinePatterns.register(CitationPattern(self), "ucmsc-citation", INLINE_PRIORITY)
        md.inlinePatterns.register(InTextPattern(self), "ucmsc-citation-in-text", INLINE_PRIORITY - 1)
        md.treeprocessors.register(CitationTree(md, self), "ucmsc-citations", TREE_PRIORITY)

    def reset(self):
        """Forget the page: its citations, cursors and lists (Markdown calls this between pages)."""
        self.citations: dict[etree.Element, Citation] = {}
        self.cursor: dict[str, int] = {}
        self.own_text = ""
        self.site_lists: list[tuple[etree.Element, str, str]] = []  # (list, first letter, last)
        self.cited: list[tuple[str, etree.Element | None]] = []  # (key, heading above) in order
        self.headings: list[etree.Element] = []
        self._bib: bibmod.Bibliography | None = None

    # -- the bibliography

    def bibliography(self) -> bibmod.Bibliography | None:
        """references.bib, parsed once per process and checked once per build (messages)."""
        if self._bib is None:
            path = context.resolve(self.getConfig("bib_file"))
            try:
                self._bib = bibmod.load(path, context.shown(path))
            except bibmod.BibError as exc:
                if not _scanning.get():
                    context.warn(str(exc))
                return None
            if not _scanning.get():
                for message in self._bib.problems:
                    context.warn(message)
        return self._bib

    # -- the inline processor's element

    def wrapper(self, citation: Citation) -> etree.Element:
        """A temporary element for one citation; its children (prefix, locator) are Markdown, so
        emphasis in them is rendered. The tree processor replaces it."""
        element = etree.Element(WRAPPER)
        for cite in citation.cites:
            if cite.prefix:
                span = etree.SubElement(element, "span", {"data-i": str(2 * cite.index)})
                span.text = cite.prefix
            if cite.locator:
                span = etree.SubElement(element, "span", {"class": "citation-locator", "data-i": str(2 * cite.index + 1)})
                span.text = f"({cite.locator})"
        self.citations[element] = citation
        return element

    # -- where a citation is

    def locate(self, raw: str, regex: bool = False) -> tuple[str, bool]:
        """(file:line, whether in the page's own file) of the next occurrence of ``raw``: in the
        page's file (the hook gives it; else the Markdown before snippets), then in the snippet files
        the page includes; the page alone, without a line, when in neither (generated text)."""
        pattern = raw if regex else _source_pattern(raw)
        source = context.current_source()
        text = source if source is not None else self.own_text
        # the next occurrence after the one found last: citations are met in the order of the text
        found = re.compile(pattern, re.MULTILINE).search(text, self.cursor.get(pattern, 0))
        if found:
            self.cursor[pattern] = found.end()
            return context.where(text.count("\n", 0, found.start()) + 1), True
        for path in self._snippet_files():
            snippet = path.read_text(encoding="utf-8")
            found = re.compile(pattern, re.MULTILINE).search(snippet)
            if found:
                return f"{context.shown(path)}:{snippet.count(chr(10), 0, found.start()) + 1}", False
        return context.where(None), True

    def _snippet_files(self) -> list[Path]:
        snippets = self.md.preprocessors["snippet"] if "snippet" in self.md.preprocessors else None
        bases = [Path(b) for b in getattr(snippets, "base_path", [])]
        names = [m["name"] for m in SNIPPET_LINE.finditer(self.own_text)]
        for block in SNIPPET_BLOCK.finditer(self.own_text):
            names += [n.strip() for n in block["names"].splitlines() if n.strip() and not n.strip().startswith(";")]
        files = []
        for name in names:
            if name.startswith(";") or re.match(r"^https?://", name):
                continue
            name = re.sub(r"(:[\w-]*)+$", "", name)
            for base in bases:
                if (base / name).is_file():
                    files.append(base / name)
                    break
        return files

    # -- the site-wide list

    def fill_site_list(self, element: etree.Element, first: str = "a", last: str = "z") -> None:
        """The works cited on the site whose first author's initial (``initial``) is from ``first``
        to ``last`` (lower case), each with its "Cited on" links; warns of the entries no page cites."""
        bib = self.bibliography()
        if bib is None:
            return
        pages = site_pages(self)
        here = posixpath.dirname(context.current_page() or "")
        cited_on: dict[str, list[tuple[str, str]]] = {}
        for page, title, places in scan(pages, self):
            for key, level, anchor, text in places:
                # a link to the Markdown file: the generator makes it the page's address (and checks it)
                target = posixpath.relpath(page.path, here) + (f"#{anchor}" if level > 1 and anchor else "")
                label = f"{title} › {text}" if level > 1 and text else title
                links = cited_on.setdefault(key, [])
                if all(t != target for t, _ in links):
                    links.append((target, label))
        for key in bib.data.entries:  # file order, keys as written
            if key not in cited_on:
                context.warn(
                    f"{bib.where(key)}: entry '{key}' is not cited on any page. "
                    f"Cite it with [@{key}] where it supports the text, or delete the entry."
                )
        entries = bib.data.entries
        shown = {k for k in set(cited_on) & bib.keys if first <= initial(k, entries[k]) <= last}
        for key in sorted(shown, key=lambda k: (filed_under(k, entries[k]), bibmod.sort_key(k, entries[k]))):
            li = etree.SubElement(element, "li", {"id": f"ref-{key}"})
            reference = etree.SubElement(li, "p", {"class": "reference"})
            reference.text = self.md.htmlStash.store(reference_html(bib, key))
            places = etree.SubElement(li, "p", {"class": "cited-on"})
            places.text = "Cited on: "
            for n, (target, label) in enumerate(cited_on[key]):
                a = etree.SubElement(places, "a", {"href": target})
                a.text = AtomicString(label)  # titles as written: no abbreviation marks in links
                if n + 1 < len(cited_on[key]):
                    a.tail = "; "


def filed_under(key: str, entry) -> str:
    """The name a work is sorted by in the site-wide list: its sort name without accents, so
    that "Álvarez" comes among the a's, not after z."""
    name = unicodedata.normalize("NFKD", bibmod.sort_key(key, entry)[0])
    return "".join(c for c in name if not unicodedata.combining(c))


def initial(key: str, entry) -> str:
    """The letter a work is filed under: a name that starts before a (a digit) counts as a, one
    after z as z, so that lists covering a to z between them leave out no work."""
    return min(max(filed_under(key, entry)[:1], "a"), "z")


def reference_html(bib: bibmod.Bibliography, key: str) -> str:
    """The one place a reference is formatted for readers (HTML), once per entry per process."""
    return csl.format_reference(bib, key)  # AMA through the CSL processor, kept with the parsed file


def _source_pattern(raw: str) -> str:
    """A regular expression for ``raw`` (as the inline processor saw it) in Markdown source: any
    run of spaces matches any whitespace, and stashed text (code, emphasis) matches anything."""
    pieces = INLINE_PLACEHOLDER_RE.split(raw)
    out = []
    for n, piece in enumerate(pieces):
        if n % 2:
            out.append(".*?")
        else:
            out.append(r"\s+".join(re.escape(word) for word in piece.split(" ")) if piece else "")
    pattern = "".join(out)
    return re.sub(r"(\\\s\+|\\\n)+", r"\\s+", pattern.replace("\\\n", " ").replace("\n", r"\s+"))


# ----------------------------------------------------------------------------- the scan


def default_site_pages(extension: CitationsExtension) -> list[context.SitePage]:
    """Every Markdown file under the docs folder (titles from the first heading)."""
    docs = context.resolve(extension.getConfig("docs_dir"))
    pages = []
    for path in sorted(docs.rglob("*.md")):

        def read(path=path):
            text = path.read_text(encoding="utf-8")
            match = FRONT_MATTER.match(text)
            return text[match.end():].lstrip("\n") if match else text

        pages.append(context.SitePage(context.shown(path), None, read))
    return pages


def site_pages(extension: CitationsExtension) -> list[context.SitePage]:
    provider = context.site_pages_provider() or (lambda: default_site_pages(extension))
    return provider()


def scan(pages: list[context.SitePage], extension: CitationsExtension):
    """Each page rendered once with the site's Markdown extensions: (page, title, [(key, heading
    level, heading id, heading text)])."""
    factory = context.markdown_factory() or (
        lambda: markdown.Markdown(
            extensions=DEFAULT_SCAN_EXTENSIONS + [CitationsExtension(**extension.getConfigs())]
        )
    )
    token = _scanning.set(True)
    try:
        md = mine = None
        for page in pages:
            text = page.markdown()
            done = _renders.get(page.path)
            if done and done[0] == context.build_number() and done[1] == text and done[2] is extension.bibliography():
                cited, headings = done[3:]  # rendered earlier in this build, from the same text
            else:
                if md is None:
                    md = factory()
                    mine = next(e for e in md.registeredExtensions if isinstance(e, CitationsExtension))
                md.reset()
                with context.rendering(page.path):
                    md.convert(text)
                cited, headings = mine.cited, mine.headings
            title = page.title
            places = []
            for key, heading in cited:
                if heading is None:
                    places.append((key, 0, "", ""))
                else:
                    places.append((key, int(heading.tag[1]), heading.get("id", ""), _heading_text(heading)))
            if title is None:
                first_heading = next((e for e in headings if e.tag == "h1"), None)
                title = _heading_text(first_heading) if first_heading is not None else page.path
            yield page, title, places
    finally:
        _scanning.reset(token)


def _heading_text(heading: etree.Element) -> str:
    parts = [heading.text or ""]
    for child in heading:
        if "headerlink" not in (child.get("class") or ""):
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def cited_keys(page_html: str) -> list[str]:
    """The keys of the works a rendered page cites, in the order of its References list."""
    if not page_html.strip():
        return []
    root = lxml.html.fragment_fromstring(page_html, create_parent="div")
    return [li.get("id")[3:] for li in root.xpath(
        '//h2[@id="references"]/following-sibling::div[@class="footnote"][1]/ol/li[starts-with(@id, "fn:")]'
    )]


def makeExtension(**kwargs):  # noqa: N802 (Python-Markdown's name)
    return CitationsExtension(**kwargs)
