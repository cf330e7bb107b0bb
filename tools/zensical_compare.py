"""`make zensical`: compare each page of a MkDocs build with a Zensical build of the same mkdocs.yml.

For every HTML page of either build it compares what a reader gets from the article
(Material's ``article.md-content__inner``):

- the visible text, one line per block (paragraph, heading, list item, table cell...),
  whitespace collapsed and invisible characters (word joiner, zero-width space, soft hyphen)
  dropped, so that minification and line breaks in the HTML do not count;
- the citation markup: each superscript (its visible text and the targets of its links) and
  each item of a list with an id (the reference list entries the superscripts point to).

It also reads the visible text of every page (not code, which may show citation syntax on
purpose) for a raw pandoc citation such as ``[@key]`` or ``[see @key, p. 3]``.

A difference that is expected is declared with ``--explain "SELECTOR=REASON"`` (or in
EXPLAINED below): the elements matching the CSS selector are compared on their own, and a
difference there is printed with its reason instead of failing. Anything else that differs,
a page that only one build has, and any raw citation make the exit status 1.

    .venv/bin/python tools/zensical_compare.py MKDOCS_SITE ZENSICAL_SITE [--explain SEL=REASON ...]

``make zensical`` first builds both, with ``--build OUT --zensical-python PATH``: MkDocs (this
Python's) into OUT/mkdocs; then a copy of the project in OUT/project (no .git, virtual
environments, node_modules, site or .cache), built there by Zensical (the Python of its own
environment, through tools/zensical_strict.py, so that a warning from the project's extensions
fails it as it fails the MkDocs build) into OUT/project/site. The copy, because
Zensical keeps its page cache in the project's .cache folder and its ``--clean`` deletes that
whole folder (other tools' files included), while without it a page whose Markdown did not
change is not rendered again after a change in data/, references.bib or the extensions' code.

Exit status: 0 every page equal (or explained), 1 an unexplained difference or a raw
citation, 2 a build failed, or a site folder is missing or has no pages.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

# Differences that are expected between the two builds: CSS selector -> reason. Keep each
# reason short and true; an entry that no longer matches anything is harmless but should go.
EXPLAINED: dict[str, str] = {}

ROOT = Path(__file__).resolve().parent.parent
# Not copied for the Zensical build: history, environments, outputs and caches.
NOT_COPIED = shutil.ignore_patterns(".git", ".venv*", "node_modules", "site", ".cache", ".pytest_cache",
                                    "__pycache__", "*.egg-info")

ARTICLE = "article.md-content__inner"
# Elements whose text a reader never sees.
SKIP = {"script", "style", "template", "noscript", "svg", "head", "title", "meta", "link"}
# Elements that start a new line of text.
BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
}
INVISIBLE = dict.fromkeys(map(ord, "\u2060\u200b\u200c\u200d\ufeff\u00ad"))
CODE = {"code", "pre", "kbd", "samp", "textarea"}
# A pandoc citation left in the text: "[" ... "@key" ... "]", where the "@" does not follow a letter,
# digit or dot (so "[write to a@b.org]" is no citation). Run on extracted text, never on HTML.
RAW_CITATION = re.compile(r"\[[^\[\]]*(?<![\w.])@[\w][^\[\]]*\]")


def normalise(text: str) -> str:
    return " ".join(text.translate(INVISIBLE).split())


def _hidden(tag: Tag) -> bool:
    return tag.name in SKIP or tag.has_attr("hidden") or "headerlink" in (tag.get("class") or [])


def text_lines(node: Tag, *, skip_code: bool = False) -> list[str]:
    """The visible text under ``node``, one normalised line per block element."""
    lines: list[list[str]] = [[]]

    def walk(parent: Tag) -> None:
        for child in parent.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # not a CDATA, doctype or processing instruction
                    lines[-1].append(str(child))
                continue
            if not isinstance(child, Tag) or _hidden(child) or (skip_code and child.name in CODE):
                continue
            block = child.name in BLOCKS
            if block:
                lines.append([])
            walk(child)
            if block:
                lines.append([])

    walk(node)
    return [line for line in (normalise("".join(parts)) for parts in lines) if line]


def citation_markup(article: Tag) -> list[str]:
    """Each superscript (visible text -> link targets) and each list item with an id, in order."""
    found = []
    for tag in article.find_all(["sup", "li"]):
        if any(_hidden(t) for t in [tag, *tag.parents] if isinstance(t, Tag)):
            continue
        if tag.name == "sup":
            targets = [a.get("href", "") for a in tag.find_all("a")]
            found.append(f"sup {' '.join(text_lines(tag)) or '(empty)'} -> {' '.join(targets) or '(no link)'}")
        elif tag.get("id"):
            found.append(f"li #{tag['id']}: {' '.join(text_lines(tag))}")
    return found


def raw_citations(soup: BeautifulSoup) -> list[str]:
    body = soup.body or soup
    hits = []
    for line in text_lines(body, skip_code=True):
        hits += RAW_CITATION.findall(line)
    return hits


@dataclass
class PageResult:
    page: str
    differences: list[str] = field(default_factory=list)
    explained: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences and not self.raw


def _diff(kind: str, left: list[str], right: list[str], limit: int = 12) -> list[str]:
    if left == right:
        return []
    lines = [
        line for line in difflib.unified_diff(left, right, "mkdocs", "zensical", n=0, lineterm="")
        if not line.startswith(("---", "+++", "@@"))
    ]
    more = f" (and {len(lines) - limit} more lines)" if len(lines) > limit else ""
    return [f"{kind} differs{more}:"] + [f"    {line}" for line in lines[:limit]]


def _article(soup: BeautifulSoup) -> Tag:
    return soup.select_one(ARTICLE) or soup.find("article") or soup.body or soup


def compare_page(page: str, mkdocs_html: str, zensical_html: str, explained: dict[str, str]) -> PageResult:
    result = PageResult(page)
    left, right = BeautifulSoup(mkdocs_html, "lxml"), BeautifulSoup(zensical_html, "lxml")
    result.raw = [f"raw citation in the MkDocs build: {hit}" for hit in raw_citations(left)]
    result.raw += [f"raw citation in the Zensical build: {hit}" for hit in raw_citations(right)]
    a, b = _article(left), _article(right)
    for selector, reason in explained.items():
        mine, theirs = a.select(selector), b.select(selector)
        region_a = [line for el in mine for line in text_lines(el)]
        region_b = [line for el in theirs for line in text_lines(el)]
        if region_a != region_b:
            result.explained.append(f"{selector}: {reason}")
        for el in mine + theirs:
            el.decompose()
    result.differences += _diff("article text", text_lines(a), text_lines(b))
    result.differences += _diff("citation markup", citation_markup(a), citation_markup(b))
    return result


def site_pages(site: Path) -> dict[str, Path]:
    return {p.relative_to(site).as_posix(): p for p in sorted(site.rglob("*.html")) if "assets" not in p.relative_to(site).parts}


def compare_sites(mkdocs_site: Path, zensical_site: Path, explained: dict[str, str]) -> list[PageResult]:
    ours, theirs = site_pages(mkdocs_site), site_pages(zensical_site)
    results = []
    for page in sorted(ours.keys() | theirs.keys()):
        if page not in theirs:
            results.append(PageResult(page, ["only in the MkDocs build"]))
        elif page not in ours:
            results.append(PageResult(page, ["only in the Zensical build"]))
        else:
            results.append(compare_page(page, ours[page].read_text(encoding="utf-8"),
                                        theirs[page].read_text(encoding="utf-8"), explained))
    return results


def _explanation(value: str) -> tuple[str, str]:
    selector, sep, reason = value.partition("=")
    if not sep or not selector.strip() or not reason.strip():
        raise argparse.ArgumentTypeError(f"--explain needs SELECTOR=REASON, got {value!r}")
    return selector.strip(), reason.strip()


def build_both(out: Path, zensical_python: Path) -> tuple[Path, Path] | None:
    """MkDocs into out/mkdocs, Zensical (in a copy of the project) into out/project/site."""
    out = out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    mkdocs_site, project = out / "mkdocs", out / "project"
    steps = [
        ("MkDocs", [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(ROOT / "mkdocs.yml"),
                    "-d", str(mkdocs_site)], ROOT),
        ("Zensical", [os.path.abspath(zensical_python), str(ROOT / "tools" / "zensical_strict.py")], project),
    ]
    shutil.copytree(ROOT, project, ignore=NOT_COPIED)
    for name, command, cwd in steps:
        print(f"{name} build: {' '.join(command)}", flush=True)
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # MkDocs' end-of-life banner is for `make build`
        if subprocess.run(command, cwd=cwd, env=env, check=False).returncode != 0:
            print(f"The {name} build failed (its messages are above).", file=sys.stderr)
            return None
    return mkdocs_site, project / "site"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mkdocs_site", type=Path, nargs="?")
    parser.add_argument("zensical_site", type=Path, nargs="?")
    parser.add_argument("--explain", type=_explanation, action="append", default=[], metavar="SELECTOR=REASON",
                        help="an expected difference: the elements matching SELECTOR are compared on their own")
    parser.add_argument("--build", type=Path, metavar="OUT", help="build both sites into OUT first")
    parser.add_argument("--zensical-python", type=Path, metavar="PATH",
                        help="the Python of Zensical's environment (with --build)")
    args = parser.parse_args(argv)
    if args.build:
        if not args.zensical_python:
            parser.error("--build needs --zensical-python PATH")
        built = build_both(args.build, args.zensical_python)
        if built is None:
            return 2
        args.mkdocs_site, args.zensical_site = built
    elif not (args.mkdocs_site and args.zensical_site):
        parser.error("give MKDOCS_SITE and ZENSICAL_SITE, or --build OUT --zensical-python PATH")
    for site in (args.mkdocs_site, args.zensical_site):
        if not site_pages(site):
            print(f"{site}: no HTML pages there; build the site first (make zensical does both builds).", file=sys.stderr)
            return 2
    explained = {**EXPLAINED, **dict(args.explain)}
    results = compare_sites(args.mkdocs_site, args.zensical_site, explained)
    for r in results:
        if r.ok and not r.explained:
            print(f"{r.page}: equal")
            continue
        status = "equal apart from explained differences" if r.ok else "DIFFERENT"
        print(f"{r.page}: {status}")
        for line in r.explained:
            print(f"  explained: {line}")
        for line in r.raw + r.differences:
            print(f"  {line}")
    bad = [r for r in results if not r.ok]
    print(f"\n{len(results)} pages: {len(results) - len(bad)} equal or explained, {len(bad)} with an unexplained "
          f"difference or a raw citation.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
