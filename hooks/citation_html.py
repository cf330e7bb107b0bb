"""HTML-side citation work (used by hooks/citations.py), after Markdown is rendered.

Python-Markdown's footnotes give one <sup> per cited work; here each citation block becomes one
superscript group ("1,2", "1–3", "3(p12)"), the reference list items get the formatted
reference, literal "@" signs come back, and the site-wide list is written.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from citation_markdown import AT_MASK, MARK_CLOSE, MARK_OPEN, Cite, format_locator

SUP = r'<sup id="(?:fnref\d*:[\w-]+)"><a class="footnote-ref" href="#fn:[\w-]+">\d+</a></sup>'
RUN = re.compile(rf"(?:(?:{SUP})+{MARK_OPEN}\d+{MARK_CLOSE})+")
SUP_PARTS = re.compile(r'<sup id="(?P<id>fnref\d*:[\w-]+)"><a class="footnote-ref" href="#fn:(?P<key>[\w-]+)">(?P<num>\d+)</a></sup>')
MARKER = re.compile(rf"{MARK_OPEN}(\d+){MARK_CLOSE}")
# Whitespace before a group (a space, or the line break of the Markdown source) is dropped and the
# group starts with WORD JOINER, so a superscript never starts a line: it stays with the word or
# punctuation before it. (Inside the <sup>, the joiner stays out of the search index.)
SPACE_BEFORE = re.compile(r"[ \t\n]+$")
WORD_JOINER = "\u2060"
HEADING = re.compile(r'<h([1-6])(?=[\s>])[^>]*?\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)
TAG = re.compile(r"<[^>]+>")
LITERAL_BLOCKS = re.compile(r"<(script|style|pre|code|textarea)\b[^>]*>.*?</\1>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
RAW_MARKUP = re.compile(r"\[@|\[\^[\w-]+\]|\\bibliography|\\full_bibliography|[\ue000-\uf8ff]")


@dataclass
class Item:
    """One cited work inside a superscript group."""

    key: str
    number: int
    anchor_id: str  # the id the reference list's back-link points to
    locator: str = ""


def block_items(sups: str, cites: list[Cite], unresolved: list[str] | None = None) -> list[Item]:
    """Pair the <sup> elements of one block with the block's citations (by key, in order).

    A citation with no <sup> (the resolver did not resolve it) is added to ``unresolved``.
    """
    items = []
    left = list(cites)
    for match in SUP_PARTS.finditer(sups):
        cite = next((c for c in left if c.key == match["key"]), None)
        if cite is None:
            continue
        left.remove(cite)
        items.append(Item(match["key"], int(match["num"]), match["id"], format_locator(cite.locator) if cite.locator else ""))
    if unresolved is not None:
        unresolved += [c.key for c in left]
    return items


def _link(item: Item, hidden: bool = False) -> str:
    """A citation number; ``hidden`` for the numbers inside a range (kept for machines)."""
    hide = " hidden" if hidden else ""
    link = f'<a id="{item.anchor_id}" class="footnote-ref" href="#fn:{item.key}"{hide}>{item.number}</a>'
    if item.locator:
        link += f'<span class="citation-locator">({html.escape(item.locator)})</span>'
    return link


def group_markup(items: list[Item]) -> str:
    """One superscript for a group: numbers ascending, "," between, runs of 3+ as "1–3".

    The numbers inside a range stay as hidden links, so every cited work keeps its
    a.footnote-ref link (other tools read them) while readers see "1–3".
    """
    items = sorted(items, key=lambda i: i.number)
    unique: list[Item] = []
    hidden_ids: list[str] = []
    for item in items:  # the same work twice in one group: show it once
        if unique and unique[-1].number == item.number and not item.locator and not unique[-1].locator:
            hidden_ids.append(item.anchor_id)
        else:
            unique.append(item)
    pieces: list[str] = []
    i = 0
    while i < len(unique):
        j = i
        while j + 1 < len(unique) and unique[j + 1].number == unique[j].number + 1 and not (unique[j].locator or unique[j + 1].locator):
            j += 1
        if j - i >= 2:
            middle = "".join(_link(m, hidden=True) for m in unique[i + 1 : j])
            pieces.append(f'{_link(unique[i])}{middle}<span class="citation-range">–</span>{_link(unique[j])}')
        else:
            pieces.extend(_link(u) for u in unique[i : j + 1])
        i = j + 1
    extra = "".join(f'<span id="{h}"></span>' for h in hidden_ids)
    return f'<sup class="citation" data-search-exclude>{WORD_JOINER}{",".join(pieces)}{extra}</sup>'


def group_citations(
    content: str, blocks: list[list[Cite]], unresolved: list[str] | None = None
) -> tuple[str, list[tuple[int, list[Item]]]]:
    """Replace each run of adjacent citation blocks by one superscript group.

    Returns the new HTML and, for each group, its position in the new HTML and its items.
    Keys the resolver left without a footnote reference are added to ``unresolved``.
    """
    groups: list[tuple[int, list[Item]]] = []
    out: list[str] = []
    last = 0
    length = 0
    for run in RUN.finditer(content):
        items: list[Item] = []
        start = 0
        for marker in MARKER.finditer(run.group(0)):
            items += block_items(run.group(0)[start : marker.start()], blocks[int(marker.group(1))], unresolved)
            start = marker.end()
        before = content[last : run.start()]
        space = SPACE_BEFORE.search(before)
        before = before[: space.start()] if space else before
        out.append(before)
        length += len(before)
        groups.append((length, items))
        markup = group_markup(items)
        out.append(markup)
        length += len(markup)
        last = run.end()
    out.append(content[last:])
    return "".join(out), groups


def replace_reference_text(content: str, keys, format_key) -> tuple[str, list[str]]:
    """Write the formatted reference (``format_key(key)``, already HTML) into each cited work's
    list item, over the text the resolver wrote there.

    The footnotes extension renders each item as ``<li id="fn:KEY"><p>TEXT&#160;<a
    class="footnote-backref" href="#fnref:KEY" ...>``; TEXT is replaced. Returns the new HTML and
    the keys whose item was not found (the resolver's output changed).
    """
    missing = []
    for key in keys:
        start = content.find(f'<li id="fn:{key}">')
        back = re.compile(rf'(?:&#160;|\u00a0)?<a class="footnote-backref" href="#fnref\d*:{re.escape(key)}"')  # noqa: E501
        end = back.search(content, start) if start >= 0 else None
        paragraph = content.find("<p>", start, end.start()) if end else -1
        if paragraph < 0:
            missing.append(key)
            continue
        content = f"{content[: paragraph + 3]}{format_key(key)}{content[end.start():]}"
    return content, missing


def restore_at_signs(content: str) -> str:
    return content.replace(AT_MASK, "@")


def heading_text(inner_html: str) -> str:
    text = TAG.sub("", re.sub(r'<a class="headerlink"[^>]*>.*?</a>', "", inner_html, flags=re.DOTALL))
    return html.unescape(text).strip()


def nearest_headings(content: str, positions: list[int]) -> list[tuple[int, str, str]]:
    """For each position: (level, id, text) of the nearest heading above it ((0, "", "") if none)."""
    headings = [(m.start(), int(m.group(1)), m.group(2), heading_text(m.group(3))) for m in HEADING.finditer(content)]
    found = []
    for pos in positions:
        above = [h for h in headings if h[0] < pos]
        found.append(above[-1][1:] if above else (0, "", ""))
    return found


def raw_markup(page_html: str) -> list[str]:
    """Citation markup in the text readers see (code, pre, scripts, comments and attributes excepted)."""
    text = TAG.sub("\x00", LITERAL_BLOCKS.sub("", page_html))  # text only: attributes are not read
    found = []
    for match in RAW_MARKUP.finditer(text):
        snippet = text[max(0, match.start() - 30) : match.end() + 30].replace("\n", " ")
        found.append(repr(" ".join(snippet.replace("\x00", "").split())))
    return found


@dataclass
class CitedOn:
    title: str  # page title, or "Page › Section"
    url: str  # relative to the References page


def site_list_markup(works: list[tuple[str, str, list[CitedOn]]]) -> str:
    """The site-wide list: (key, formatted reference HTML, places cited) in display order."""
    items = []
    for key, reference, places in works:
        links = "; ".join(f'<a href="{html.escape(p.url)}">{html.escape(p.title)}</a>' for p in places)
        items.append(
            f'<li id="ref-{key}"><p class="reference">{reference}</p>'
            f'<p class="cited-on">Cited on: {links}</p></li>'
        )
    return '<ul class="site-references">\n' + "\n".join(items) + "\n</ul>"
