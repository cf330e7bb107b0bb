"""The glossary: one file of ``*[TERM]: Meaning`` lines, used three ways (CONTRIBUTING.md, "Glossary").

Its terms go to Python-Markdown's ``abbr`` (which this extension brings); on each page only the
first use of a term keeps its ``<abbr>``; ``/// glossary`` draws the sorted list. A bad line or a
term defined twice is reported at ``file:line``.
"""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from html.parser import HTMLParser

from markdown import Markdown
from markdown.extensions.abbr import AbbrExtension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE
from pymdownx.blocks import BlocksExtension
from pymdownx.blocks.block import Block

from ucmsc import context
from ucmsc.citations import replace_with_text

DEFAULT_FILE = "includes/abbreviations.md"
DEFINITION = re.compile(r"^\*\[(?P<term>[^\]]+)\]:\s*(?P<meaning>\S.*)$")
# Interactive elements: an <abbr> inside one must not be focusable itself (invalid HTML, and the
# keyboard already stops on the link or button).
INTERACTIVE = {"a", "button", "summary"}
# after abbr's tree processor (7), which makes the <abbr> elements; before toc (5)
TREE_PRIORITY = 6


@dataclass(frozen=True)
class Term:
    term: str
    meaning: str


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    problems: tuple[str, ...]  # messages, each "file:line: ..."


@functools.lru_cache(maxsize=8)
def parse(text: str, source: str = DEFAULT_FILE) -> Glossary:
    """Every definition in ``text`` (the first of a term defined twice) and a message for each
    line that is not one. Cached by content: each page asks again."""
    terms: list[Term] = []
    problems: list[str] = []
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = DEFINITION.match(line)
        if not match:
            problems.append(f"{source}:{number}: '{line}' is not a glossary definition. "
                            "Write one term per line as '*[TERM]: Meaning'.")
            continue
        term, meaning = match["term"].strip(), match["meaning"].strip()
        if term in first_seen:
            problems.append(f"{source}:{number}: '{term}' is defined twice (first on line {first_seen[term]}). "
                            "Keep one definition and delete the other.")
            continue
        first_seen[term] = number
        terms.append(Term(term, meaning))
    return Glossary(tuple(terms), tuple(problems))


def load(file: str = DEFAULT_FILE) -> Glossary:
    """The glossary file of the configuration, read now (it may have changed since the last page)."""
    path = context.resolve(file)
    shown = context.shown(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return Glossary((), (f"{shown}: cannot read the glossary ({exc.strerror}); it holds the site's "
                             "abbreviations, one '*[TERM]: Meaning' per line. Create it or fix the 'file:' "
                             "option of ucmsc.glossary in mkdocs.yml.",))
    return parse(text, shown)


# ------------------------------------------------------------------------ the glossary list

def anchor(term: str) -> str:
    """The glossary page's anchor for ``term``: 'term-' and the term in lower case, hyphenated."""
    slug = re.sub(r"[^0-9a-z]+", "-", term.lower()).strip("-")
    return f"term-{slug}"


def glossary_html(terms) -> str:
    """One heading per term with its (unique) anchor, its meaning in the paragraph below; in
    natural order (numbers by value), a plural ("MSCs") folded into its singular."""
    names = {t.term for t in terms}
    listed = [t for t in terms if not (t.term.endswith("s") and t.term[:-1] in names)]
    listed.sort(key=lambda t: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", t.term.casefold())])
    rows, seen = [], set()
    for t in listed:
        ident = anchor(t.term)
        while ident in seen:
            ident += "-x"
        seen.add(ident)
        rows.append(f'<h2 id="{ident}" class="glossary-term"><dfn>{html.escape(t.term)}</dfn></h2>\n'
                    f"<p>{html.escape(t.meaning)}</p>")
    return '<div class="glossary-list">\n' + "\n".join(rows) + "\n</div>"


class GlossaryBlock(Block):
    """``/// glossary``: the sorted list of every term; no argument, options or content."""

    NAME = "glossary"
    ARGUMENT = False

    def on_markdown(self) -> str:
        return "raw"

    def on_create(self, parent: etree.Element) -> etree.Element:
        self.content = etree.Element("div")  # whatever an editor wrote inside: never shown
        holder = etree.SubElement(parent, "p")  # the raw HTML replaces the whole paragraph
        holder.text = self.md.htmlStash.store(glossary_html(self.config["extension"].glossary.terms))
        return holder

    def on_add(self, block: etree.Element) -> etree.Element:
        return self.content

    def on_end(self, block: etree.Element) -> None:
        if (self.content.text or "").strip() or len(self.content):
            context.warn(f"{context.where(_line_of('/// glossary'))}: the block /// glossary takes no content "
                         "(it is drawn from the glossary file); remove the text between its two /// lines.")


def _line_of(needle: str) -> int | None:
    source = context.current_source() or ""
    return next((i for i, line in enumerate(source.splitlines(), start=1) if needle in line), None)


# ------------------------------------------------------------------------ first use per page

class FirstUse(Treeprocessor):
    """One ``<abbr>`` per term and page, the first outside a link, button or summary, focusable."""

    def __init__(self, md: Markdown, extension: GlossaryExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        self.extension.check_abbr()
        for p in root.iter("p"):  # "/// glossary | x": not a block (it takes no argument or option)
            match = re.match(r"/{3,}[ ]*glossary\b[^\n]*", p.text or "")
            if match:
                context.warn(f"{context.where(_line_of(match.group(0)))}: '{match.group(0).strip()}' was not drawn: "
                             "the block /// glossary takes no argument or option. Write /// glossary on a line "
                             "of its own, then /// on the next line.")
        uses: dict[str, list[tuple[etree.Element, etree.Element, bool]]] = {}
        raw = _RawTags(self.md)  # links and buttons written as inline HTML: tags stashed in the text

        def walk(parent: etree.Element, inside: bool) -> None:
            raw.read(parent.text)
            for child in parent:
                if child.tag == "abbr":
                    uses.setdefault(child.text or "", []).append((child, parent, inside or raw.open > 0))
                walk(child, inside or child.tag in INTERACTIVE)
                raw.read(child.tail)

        walk(root, False)
        for found in uses.values():
            kept = next((use for use in found if not use[2]), found[0])
            for use in found:
                if use is not kept:
                    element, parent = use[:2]
                    replace_with_text(element, parent, "".join(element.itertext()))  # an <abbr> holds text only
            abbr, _, inside = kept
            if not inside and "tabindex" not in abbr.attrib:
                attributes = {"tabindex": "0", **abbr.attrib}  # tabindex first, as the pages always had it
                abbr.attrib.clear()
                abbr.attrib.update(attributes)


class _RawTags(HTMLParser):
    """Counts the links, buttons and summaries opened by inline HTML (``<a href="...">RA</a>`` in a
    paragraph): Python-Markdown keeps such tags in its stash and leaves a placeholder in the text."""

    def __init__(self, md: Markdown):
        super().__init__(convert_charrefs=True)
        self.stash = md.htmlStash
        self.open = 0

    def read(self, text: str | None) -> None:
        for match in HTML_PLACEHOLDER_RE.finditer(text or ""):
            index = int(match.group(1))
            if index < len(self.stash.rawHtmlBlocks) and isinstance(self.stash.rawHtmlBlocks[index], str):
                self.feed(self.stash.rawHtmlBlocks[index])

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in INTERACTIVE:
            self.open += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in INTERACTIVE:
            self.open = max(self.open - 1, 0)




# ------------------------------------------------------------------------ the extension

class LoadTerms(Preprocessor):
    def __init__(self, md: Markdown, extension: GlossaryExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        self.extension.load_terms()
        return lines


class GlossaryExtension(BlocksExtension):
    def __init__(self, **kwargs):
        self.config = {"file": [DEFAULT_FILE, "The glossary file ('*[TERM]: Meaning' lines), relative to the project folder"]}
        super().__init__(**kwargs)
        self.glossary = Glossary((), ())
        self.abbr: AbbrExtension | None = None

    def extendMarkdownBlocks(self, md: Markdown, block_mgr) -> None:
        self.md = md
        md.registerExtension(self)
        listed = [e for e in md.registeredExtensions if isinstance(e, AbbrExtension)]
        if listed:  # abbr listed before ucmsc.glossary: it gets the terms
            self.abbr = listed[-1]
        else:
            self.abbr = AbbrExtension()
            md.registerExtensions([self.abbr], {})
        # The file is read when a page is converted, not here: MkDocs makes its extensions while it
        # reads mkdocs.yml, before the project folder is known (hooks/source_context.py).
        md.preprocessors.register(LoadTerms(md, self), "ucmsc-glossary-terms", 100)
        block_mgr.register(GlossaryBlock, {"extension": self})
        md.treeprocessors.register(FirstUse(md, self), "ucmsc-glossary-first-use", TREE_PRIORITY)

    def load_terms(self) -> None:
        """The file's terms (parsed once per content) into abbr, before the page is parsed."""
        glossary = load(self.getConfig("file"))
        for message in glossary.problems:
            context.warn(message)  # each once per build
        if glossary is not self.glossary:
            self.glossary = glossary
            self.abbr.reset_glossary()
            self.abbr.load_glossary({t.term: t.meaning for t in glossary.terms})
        self.abbr.reset()  # the page's abbreviations: the glossary's, then the page's own

    def check_abbr(self) -> None:
        """``abbr`` listed after ucmsc.glossary replaces the one that holds the terms: say so."""
        last = [e for e in self.md.registeredExtensions if isinstance(e, AbbrExtension)][-1]
        if last is not self.abbr:
            context.warn("mkdocs.yml: the extension 'abbr' is listed after 'ucmsc.glossary', so pages get none "
                         "of the glossary's meanings. ucmsc.glossary brings abbr with it: remove '- abbr' "
                         "from markdown_extensions (or list it before ucmsc.glossary).")


def makeExtension(**kwargs) -> GlossaryExtension:  # noqa: N802 - Python-Markdown's entry point
    return GlossaryExtension(**kwargs)
