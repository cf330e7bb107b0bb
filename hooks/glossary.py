"""glossary hook: one list of abbreviations and terms, used three ways.

``includes/abbreviations.md`` (Python-Markdown ``abbr`` syntax, ``*[TERM]: Meaning``) is the single
source. This hook

* fails the build (file and line) when a term is defined twice or a line is not a definition;
* hands the terms to the ``abbr`` extension as its ``glossary`` (the same result as appending the
  file to every page with pymdownx.snippets, without parsing 77 more lines per page), so each use
  of a term becomes ``<abbr title>``;
* keeps the ``<abbr>`` at the first use of each term on a page only, and makes it reachable by
  keyboard (``tabindex="0"``): Material's tooltip (feature ``content.tooltips``) shows the meaning
  on hover, on focus and on a tap. Later uses are plain text, so a keyboard user meets each term
  once, not at every use;
* writes the sorted glossary at the end of ``docs/glossary.md``, each term a heading with its
  anchor and its meaning below it: Material's search indexes every heading with an id as a
  section of its own, so a search for one term finds that term, not the whole glossary. (The
  headings are raw HTML, so they do not fill the page's table of contents.)
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from mkdocs.exceptions import PluginError

SOURCE = "includes/abbreviations.md"
GLOSSARY_PAGE = "glossary.md"
DEFINITION = re.compile(r"^\*\[(?P<term>[^\]]+)\]:\s*(?P<meaning>\S.*)$")
TAG = re.compile(r"<(/?)(a|abbr|button|summary)(?=[\s>/])[^>]*>", re.I)
ABBR_OR_INTERACTIVE = re.compile(
    r"<abbr\b[^>]*>(?P<term>.*?)</abbr>|<(?P<closing>/?)(?P<name>a|button|summary)(?=[\s>/])[^>]*>", re.I | re.S
)
# Interactive elements: an <abbr> inside one must not be focusable itself (invalid HTML, and
# the keyboard already stops on the link or button).
INTERACTIVE = {"a", "button", "summary"}


class GlossaryError(PluginError):
    """A mistake in includes/abbreviations.md, reported with its line number."""


@dataclass(frozen=True)
class Term:
    term: str
    meaning: str
    line: int


def parse_glossary(text: str, source: str = SOURCE) -> list[Term]:
    """Every definition in ``text``; raises GlossaryError on a duplicate or a stray line."""
    terms: list[Term] = []
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = DEFINITION.match(line)
        if not match:
            raise GlossaryError(
                f"{source}:{number}: '{line}' is not a glossary definition. "
                "Write one term per line as '*[TERM]: Meaning'."
            )
        term, meaning = match["term"].strip(), match["meaning"].strip()
        if term in first_seen:
            raise GlossaryError(
                f"{source}:{number}: '{term}' is defined twice (first on line {first_seen[term]}). "
                "Keep one definition and delete the other."
            )
        first_seen[term] = number
        terms.append(Term(term, meaning, number))
    return terms


def load_glossary(root: Path) -> list[Term]:
    path = root / SOURCE
    if not path.is_file():
        raise GlossaryError(f"{SOURCE} is missing: it holds the site's glossary (one '*[TERM]: Meaning' per line).")
    return parse_glossary(path.read_text(encoding="utf-8"))


def anchor(term: str) -> str:
    """The glossary page's anchor for ``term``: 'term-' and the term in lower case, hyphenated."""
    slug = re.sub(r"[^0-9a-z]+", "-", term.lower()).strip("-")
    return f"term-{slug}"


def _natural(term: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", term.casefold())]


def listed_terms(terms: list[Term]) -> list[Term]:
    """Terms to list on the glossary page, sorted; a plural ('MSCs') is folded into its singular."""
    names = {t.term for t in terms}
    kept = [t for t in terms if not (t.term.endswith("s") and t.term[:-1] in names)]
    return sorted(kept, key=lambda t: _natural(t.term))


def entries(terms: list[Term]) -> list[tuple[str, Term]]:
    """(anchor, term) for each term listed on the glossary page, anchors made unique."""
    out, seen = [], set()
    for t in listed_terms(terms):
        ident = anchor(t.term)
        while ident in seen:
            ident += "-x"
        seen.add(ident)
        out.append((ident, t))
    return out


def glossary_html(terms: list[Term]) -> str:
    """The glossary, one heading per term with its anchor, its meaning in the paragraph below (raw
    HTML, so terms are not re-wrapped). Each heading starts a search section of its own."""
    rows = [
        f'<h2 id="{ident}" class="glossary-term"><dfn>{html.escape(t.term)}</dfn></h2>\n<p>{html.escape(t.meaning)}</p>'
        for ident, t in entries(terms)
    ]
    return '<div class="glossary-list">\n' + "\n".join(rows) + "\n</div>"


def first_use_only(content: str) -> str:
    """Keep one ``<abbr>`` per term on a page, the first outside a link, button or summary (or the
    very first, if every use is inside one); write the other uses as plain text."""
    uses: dict[str, list[tuple[re.Match, bool]]] = {}
    depth = 0
    matches = list(ABBR_OR_INTERACTIVE.finditer(content))
    for match in matches:
        if match["name"]:
            depth = max(depth - 1, 0) if match["closing"] else depth + 1
        else:
            uses.setdefault(match["term"], []).append((match, depth > 0))
    kept = set()
    for found in uses.values():
        outside = [m for m, inside in found if not inside]
        kept.add((outside or [found[0][0]])[0].start())
    out, last = [], 0
    for match in matches:
        if match["name"] or match.start() in kept:
            continue
        out.append(content[last:match.start()])
        out.append(match["term"])
        last = match.end()
    out.append(content[last:])
    return "".join(out)


def add_tabindex(content: str) -> str:
    """Give each <abbr> tabindex="0" so keyboard and touch users can focus it and see its meaning,
    except inside a link, button or summary (which are focusable already)."""
    out, last, depth = [], 0, 0
    for match in TAG.finditer(content):
        closing, name = match.group(1), match.group(2).lower()
        if name in INTERACTIVE:
            depth = max(depth - 1, 0) if closing else depth + 1
        elif not closing and depth == 0 and "tabindex=" not in match.group(0):
            out.append(content[last:match.start()])
            out.append('<abbr tabindex="0"' + match.group(0)[len("<abbr"):])
            last = match.end()
    out.append(content[last:])
    return "".join(out)


def on_config(config):
    root = Path(config.config_file_path).parent
    terms = load_glossary(root)  # fail early, before any page is built
    if "abbr" in config.markdown_extensions:
        config.mdx_configs.setdefault("abbr", {})["glossary"] = {t.term: t.meaning for t in terms}
    watch = str(root / "includes")
    if watch not in config.watch:
        config.watch.append(watch)
    return config


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri != GLOSSARY_PAGE:
        return markdown
    terms = load_glossary(Path(config.config_file_path).parent)
    return markdown.rstrip() + "\n\n" + glossary_html(terms) + "\n"


def on_page_content(html_content, page, config, files):
    return add_tabindex(first_use_only(html_content))
