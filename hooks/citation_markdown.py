"""Markdown-side citation work (used by hooks/citations.py), before mkdocs-bibtex runs.

- Every "@" that must stay literal (in code, e-mail addresses, URLs, "[...]" text that is not a
  citation) is masked with a placeholder, so the resolver never sees it; hooks/citation_html.py
  puts the "@" back in the rendered HTML.
- Each citation block "[@a; @b, p. 12]" is checked and rewritten to the form the resolver reads,
  "[@a; @b]", followed by a marker that carries the block's number (for grouping and locators).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

AT_MASK = "\ue010"  # stands for a literal "@" until the HTML is rendered
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"  # a citation block's marker: MARK_OPEN + n + MARK_CLOSE

FENCE = re.compile(r"^([ \t>]*)(`{3,}|~{3,})[^\n]*\n.*?(?:^\1?[ \t>]*\2[`~]*[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
# "[@...]" (it may wrap onto the next line) not followed by "(" or "[" (a link or a reference
# link; "[@a][@b]" is two citations); "[@...]:" at the start of a line is a link definition, not a citation.
CANDIDATE = re.compile(r"(?<!\\)\[[ \t]*@((?:[^\[\]\n]|\n(?![ \t>]*\n))*)\](?!\(|\[(?![ \t]*@))(?P<colon>:?)")
PART = re.compile(r"^\s*@(?P<key>[^\s,;]+)\s*(?:,\s*(?P<locator>\S.*?))?\s*$")
BRACKETS = re.compile(r"\[(.*?)\]")  # what mkdocs-bibtex scans for citation blocks
SNIPPET_LINE = re.compile(r"^[ \t]*-{1,}8<-{1,}[ \t]+([\"'])(?P<name>.+?)\1", re.MULTILINE)
SNIPPET_BLOCK = re.compile(r"^[ \t]*-{1,}8<-{1,}[ \t]*\n(?P<names>.*?)^[ \t]*-{1,}8<-{1,}[ \t]*$", re.MULTILINE | re.DOTALL)
HEADING_LINE = re.compile(r"[ \t]{0,3}#{1,6}[ \t]")  # used with .match(text, line_start)
REFERENCES_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+References[ \t#]*(?:\{[^}]*\})?[ \t]*$", re.MULTILINE | re.IGNORECASE)


@dataclass
class Cite:
    key: str
    locator: str = ""


@dataclass
class PageCitations:
    """What the Markdown pass found on one page; read again by the HTML pass."""

    blocks: list[list[Cite]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for block in self.blocks:
            for cite in block:
                seen.setdefault(cite.key)
        return list(seen)


FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n.*?\n(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)


def body_line_offset(source: str) -> int:
    """Lines above the Markdown body that MkDocs strips: YAML front matter and blank lines."""
    source = source.replace("\r\n", "\n")
    match = FRONT_MATTER.match(source)
    end = match.end() if match else 0
    rest = source[end:]
    return source[:end].count("\n") + len(rest) - len(rest.lstrip("\n"))


def line_of(text: str, pos: int, offset: int = 0) -> int:
    return text.count("\n", 0, pos) + 1 + offset


HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
INLINE_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")
HTML_BLOCK_START = re.compile(r"[ ]{0,3}<(?P<tag>[A-Za-z][\w-]*)(?=[\s/>])[^\n]*")
MARKDOWN_ATTR = re.compile(r"\smarkdown(?:\s*=\s*[\"']?(?:1|block|span)[\"']?)?[\s/>]")
# A line that opens a container whose content is indented by 4 (Python-Markdown's tab length):
# admonitions and details, content tabs, list items, definitions and footnote definitions.
CONTAINER = re.compile(r"(?:[!?]{3}\+?[ \t]|={3}\+?[ \t]|[-*+][ \t]|\d+[.)][ \t]|:[ \t]|\[\^[^\]]+\]:)")
QUOTE = re.compile(r"(?:[ ]{0,3}>[ ]?)+")


def _indent(line: str) -> tuple[int, int]:
    """(visual indent with tabs of 4, number of leading characters)."""
    width = count = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
        count += 1
    return width, count


def indented_code_regions(markdown: str, fenced: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of indented code blocks, also inside admonitions, tabs and list items.

    A line is code when it is indented 4 more than the container it is in and follows a blank
    line (or another code line), as Python-Markdown reads it.
    """
    regions = []
    stack: list[int] = []  # content indent of each open container
    prev_blank, in_code = True, False
    pos = 0
    for line in markdown.splitlines(keepends=True):
        start, pos = pos, pos + len(line)
        if any(a <= start < b for a, b in fenced):
            prev_blank, in_code = False, False
            continue
        quote = QUOTE.match(line)
        body = line[quote.end():] if quote else line
        if not body.strip():
            prev_blank = True
            continue
        indent, skip = _indent(body)
        opener = CONTAINER.match(body, skip) is not None
        if prev_blank or opener:
            while stack and indent < stack[-1]:
                stack.pop()
        base = stack[-1] if stack else 0
        if indent >= base + 4 and (in_code or prev_blank):
            in_code = True
            regions.append((start, pos))
        else:
            in_code = False
            if opener:
                stack.append(indent + 4)
        prev_blank = False
    return regions


def raw_html_regions(markdown: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of raw HTML blocks that Markdown leaves alone (no ``markdown`` attribute).

    A block starts at a line beginning with a tag after a blank line and ends at its matching
    closing tag (or at the next blank line when there is none).
    """
    regions = []
    pos = 0
    prev_blank = True
    lines = markdown.splitlines(keepends=True)
    offsets = []
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    i = 0
    while i < len(lines):
        line, start = lines[i], offsets[i]
        match = HTML_BLOCK_START.match(line)
        if prev_blank and match and not any(a <= start < b for a, b in taken) and not MARKDOWN_ATTR.search(line + " "):
            tag = match["tag"].lower()
            opener = re.compile(rf"<{tag}(?=[\s/>])|</{tag}\s*>", re.IGNORECASE)
            depth, end = 0, None
            for m in opener.finditer(markdown, start):
                depth += -1 if m.group(0).startswith("</") else 1
                if depth == 0:
                    end = markdown.find("\n", m.end())
                    end = len(markdown) if end < 0 else end + 1
                    break
            if end is None:
                blank = re.compile(r"\n[ \t]*\n").search(markdown, start)
                end = blank.start() + 1 if blank else len(markdown)
            regions.append((start, end))
            while i < len(lines) and offsets[i] < end:
                i += 1
            prev_blank = False
            continue
        prev_blank = not line.strip()
        i += 1
    return regions


def literal_regions(markdown: str) -> list[tuple[int, int]]:
    """(start, end) of every place Markdown does not render as text, where "[@key]" stays literal:
    fenced and indented code, inline code, HTML comments, raw HTML blocks and inline HTML tags."""
    fenced = [m.span() for m in FENCE.finditer(markdown)]
    regions = fenced + indented_code_regions(markdown, fenced)

    def inside(pos: int) -> bool:
        return any(start <= pos < end for start, end in regions)

    regions += [m.span() for m in HTML_COMMENT.finditer(markdown) if not inside(m.start())]
    regions += [m.span() for m in CODE_SPAN.finditer(markdown) if not inside(m.start())]
    regions += raw_html_regions(markdown, regions)
    regions += [m.span() for m in INLINE_TAG.finditer(markdown) if not inside(m.start())]
    return sorted(regions)


def mask_at_signs(text: str, regions) -> str:
    """Replace "@" by AT_MASK inside the given (start, end) regions; the length is unchanged."""
    chars = list(text)
    for start, end in regions:
        for i in range(start, end):
            if chars[i] == "@":
                chars[i] = AT_MASK
    return "".join(chars)


def unmask(text: str) -> str:
    return text.replace(AT_MASK, "@")


def parse_block(inner: str) -> list[Cite] | None:
    """The citations of "[...]" without brackets; None if it is not valid citation syntax."""
    cites = []
    for part in inner.split(";"):
        match = PART.match(part)
        if not match:
            return None
        cites.append(Cite(match["key"], (match["locator"] or "").strip()))
    return cites


def format_locator(locator: str) -> str:
    """AMA form of a locator: 'p. 12' -> 'p12', 'pp. 12-14' -> 'pp12-14'; others as written."""
    match = re.match(r"^(pp?|pages?)\.?\s*(\d[\w\s,–-]*)$", locator.strip(), re.IGNORECASE)
    if match:
        numbers = re.sub(r"\s*[-–]+\s*", "–", match.group(2).strip())
        plural = "pp" if match.group(1).lower() in ("pp", "pages") or "–" in numbers or "," in numbers else "p"
        return f"{plural}{numbers}"
    return " ".join(locator.split())


def _check_cite(cite: Cite, known, suggest, where: str) -> str | None:
    from citation_bib import key_problem

    if not re.fullmatch(r"[\w-]+", cite.key):
        return f"{where}: cannot resolve [@{cite.key}]: {key_problem(cite.key)}."
    if cite.key not in known:  # exact: BibTeX keys are case-insensitive, the resolver's lookup is not
        same = [k for k in known if k.casefold() == cite.key.casefold()]
        if same:
            return (
                f"{where}: the citation key '@{cite.key}' differs in letter case from the bibliography key "
                f"'{same[0]}'. Write [@{same[0]}]."
            )
        near = suggest(cite.key)
        hint = f" Did you mean {', '.join('@' + k for k in near)}?" if near else ""
        return (
            f"{where}: unknown citation key '@{cite.key}': it is not in the bibliography.{hint} "
            "Fix the key, or add the verified entry to references.bib first."
        )
    return None


PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def readable(text: str) -> str:
    """Text for a message: masked "@" signs back, no internal placeholder characters."""
    return PRIVATE_USE.sub("", unmask(text))


def rewrite_citations(markdown: str, src: str, offset: int, known, suggest) -> tuple[str, PageCitations]:
    """Check every citation block, rewrite it for the resolver and mask every other "@".

    ``known`` is the set of bibliography keys, ``suggest(key)`` returns the nearest keys.
    """
    found = PageCitations()
    masked = mask_at_signs(markdown, literal_regions(markdown))
    out: list[str] = []
    resolvable: list[tuple[int, int]] = []  # where the rewritten blocks sit in the output
    last = 0
    length = 0
    for match in CANDIDATE.finditer(masked):
        where = f"{src}:{line_of(masked, match.start(), offset)}"
        line_start = masked.rfind("\n", 0, match.start()) + 1
        if match["colon"] and not masked[line_start : match.start()].strip():
            continue  # a link definition "[@name]: https://..."
        cites = parse_block("@" + " ".join(match.group(1).split()))
        out.append(masked[last : match.start()])
        length += match.start() - last
        last = match.end("colon") - len(match["colon"])
        if cites is None:
            found.problems.append(
                f"{where}: cannot read the citation {readable(match.group(0).rstrip(':'))!r}. "
                "Write [@key], [@key1; @key2] or [@key, p. 12] (keys separated by ';')."
            )
            continue
        if HEADING_LINE.match(masked, line_start):
            found.problems.append(f"{where}: citation in a heading. Move it into the text below the heading.")
            continue
        good = []
        for cite in cites:
            problem = _check_cite(cite, known, suggest, where)
            if problem:
                found.problems.append(problem)
            else:
                good.append(cite)
        if good:
            block = "[" + "; ".join("@" + c.key for c in good) + "]"
            resolvable.append((length, length + len(block)))
            block += f"{MARK_OPEN}{len(found.blocks)}{MARK_CLOSE}"
            out.append(block)
            length += len(block)
            found.blocks.append(good)
    out.append(masked[last:])
    text = "".join(out)
    # every other "[...]" with an "@" (e-mail addresses, handles, decorators) stays literal
    literal = [m.span(1) for m in BRACKETS.finditer(text) if m.span() not in resolvable]
    return mask_at_signs(text, literal), found


def references_heading_problem(markdown: str, src: str, offset: int) -> str | None:
    match = REFERENCES_HEADING.search(markdown)
    if match:
        return (
            f"{src}:{line_of(markdown, match.start(), offset)}: the heading 'References' is added "
            "automatically under every citing page. Remove this heading (or rename it)."
        )
    return None


REFERENCE_PLACEHOLDER = "reference"  # the list item's text until hooks/citation_html.py writes the reference


def references_section(place_marker: str, keys: list[str]) -> str:
    """Markdown appended to a citing page: the References heading, the footnotes' place and one
    footnote definition per cited work (the resolver writes only the [^key] references)."""
    definitions = "\n".join(f"[^{key}]: {REFERENCE_PLACEHOLDER}" for key in keys)
    return f"\n\n## References {{#references data-search-exclude}}\n\n{place_marker}\n\n{definitions}\n"


def snippet_names(markdown: str) -> list[tuple[str, int]]:
    """(file name, position) of every pymdownx.snippets inclusion in the page."""
    found = [(m["name"], m.start()) for m in SNIPPET_LINE.finditer(markdown)]
    for block in SNIPPET_BLOCK.finditer(markdown):
        pos = block.start("names")
        for raw in block["names"].splitlines(keepends=True):
            name = raw.strip()
            if name and not name.startswith(";"):
                found.append((name, pos))
            pos += len(raw)
    cleaned = []
    for name, pos in found:
        if name.startswith(";") or re.match(r"^https?://", name):
            continue
        cleaned.append((re.sub(r"(:[\w-]*)+$", "", name), pos))  # drop ":3:7" line ranges and ":section"
    return cleaned


def snippet_citation_problem(snippet_text: str) -> tuple[str, int] | None:
    """The first citation found in a snippet file (outside code) and its line, or None."""
    masked = mask_at_signs(snippet_text, literal_regions(snippet_text))
    match = CANDIDATE.search(masked)
    if not match:
        return None
    return readable(match.group(0).rstrip(":")), line_of(masked, match.start())
