"""Readability report for the built site: words, citations and the key points' reading grade.

For every page in the nav this reads the built HTML and reports

* ``words``: the number of words in the article (footnotes and the reference list excluded);
* ``citations`` / ``sources``: footnote references in the text, and how many distinct sources they
  point to;
* ``grade``: the Flesch-Kincaid grade of the page's "Key points" admonition (None if it has none).

Usage::

    .venv/bin/python tools/readability.py               # builds the site into a temp dir first
    .venv/bin/python tools/readability.py --site site   # reads an existing build
    .venv/bin/python tools/readability.py --json        # machine-readable rows

Import ``readability_rows()`` to get the rows as data (the tests do).

Offline by design, and without textstat: its ``flesch_kincaid_grade()`` looks English words up
in NLTK's CMU dictionary (a large dependency) and tries to *download* it when it is missing,
which must never happen here. So this module applies the Flesch-Kincaid formula itself::

    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

counting syllables per word as the larger of two offline estimates: Pyphen's English
hyphenation points + 1 (what textstat falls back to for words outside the CMU dictionary) and a
vowel-group count. Pyphen alone undercounts ("every", "arthritis", "rheumatoid" come out as 2), so
taking the larger count errs towards a slightly *higher*, stricter grade. Each bullet of the key
points counts as at least one sentence.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from sitekit import build_site, html_path, nav_pages, soup  # noqa: E402

KEY_POINTS_TITLE = "key points"
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.,%×^+-]*")
SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
VOWEL_GROUP = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class PageReadability:
    page: str               # docs-relative Markdown path, e.g. "ra/disease.md"
    words: int              # words in the article body
    citations: int          # footnote references in the text
    sources: int            # distinct sources those references point to
    key_points_words: int   # words in the "Key points" admonition (0 if none)
    grade: float | None     # Flesch-Kincaid grade of the key points (None if none)


# ---------------------------------------------------------------- text statistics (offline)


@lru_cache(maxsize=1)
def _hyphenator():
    import pyphen  # pinned in requirements-test.lock; works offline from bundled dictionaries

    return pyphen.Pyphen(lang="en_US")


def _vowel_groups(word: str) -> int:
    w = word.lower()
    n = len(VOWEL_GROUP.findall(w))
    if n > 1 and w.endswith("e") and not w.endswith(("le", "ee", "ye")):
        n -= 1  # silent final e: "disease", "immune"
    if n > 1 and w.endswith("ed") and not w.endswith(("ted", "ded")):
        n -= 1  # "-ed" is usually not a syllable: "approved", "used"
    return max(n, 1)


def syllables(word: str) -> int:
    """Syllables in one word: the larger of Pyphen's and the vowel-group estimate."""
    total = 0
    for part in re.split(r"[-’']", word):
        letters = re.sub(r"[^A-Za-z]", "", part)
        if not letters:
            if re.search(r"\d", part):
                total += 1  # a number is read as at least one syllable
            continue
        by_pyphen = len(_hyphenator().positions(letters.lower())) + 1
        total += max(by_pyphen, _vowel_groups(letters))
    return max(total, 1)


def words_of(text: str) -> list[str]:
    return [w.strip(".,") for w in WORD.findall(text) if w.strip(".,")]


def sentences_of(text: str) -> int:
    return max(len(SENTENCE_END.findall(text.strip())), 1) if text.strip() else 0


def flesch_kincaid_grade(chunks: list[str]) -> float | None:
    """Flesch-Kincaid grade of ``chunks`` (e.g. bullets), each ending at least one sentence."""
    words = sentences = syllable_total = 0
    for chunk in chunks:
        chunk = " ".join(chunk.split())
        if not chunk:
            continue
        if not SENTENCE_END.search(chunk[-1:] + " "):
            chunk += "."
        found = words_of(chunk)
        words += len(found)
        sentences += sentences_of(chunk)
        syllable_total += sum(syllables(w) for w in found)
    if not words or not sentences:
        return None
    return round(0.39 * words / sentences + 11.8 * syllable_total / words - 15.59, 1)


# ---------------------------------------------------------------- reading the built pages


def _text(node) -> str:
    for tag in node(["script", "style", "code", "pre", "svg"]):
        tag.decompose()
    for tag in node.select("a.headerlink, sup, .footnote"):
        tag.decompose()
    return " ".join(node.get_text(" ").split())


def key_points(article):
    """The page's "Key points" admonition, or None."""
    for box in article.select(".admonition, details"):
        title = box.select_one(".admonition-title, summary")
        if title and title.get_text(" ", strip=True).lower() == KEY_POINTS_TITLE:
            return box
    return None


def key_point_chunks(box) -> list[str]:
    """The admonition's bullets (or paragraphs), without its title."""
    from bs4 import BeautifulSoup

    clone = BeautifulSoup(str(box), "lxml")
    for title in clone.select(".admonition-title, summary"):
        title.decompose()
    items = clone.select("li") or clone.select("p")
    return [_text(BeautifulSoup(str(item), "lxml")) for item in items]


def page_row(site: Path, md: str) -> PageReadability:
    from bs4 import BeautifulSoup

    path = html_path(site, md)
    if not path.is_file():
        raise FileNotFoundError(f"{md}: no built page at {path} (is the site built?)")
    article = soup(path).select_one("article.md-content__inner")
    if article is None:
        raise ValueError(f"{md}: the built page has no <article class='md-content__inner'>")
    refs = article.select("a.footnote-ref")
    sources = {a.get("href", "").split(":", 1)[-1] for a in refs}
    box = key_points(article)
    chunks = key_point_chunks(box) if box is not None else []
    body = _text(BeautifulSoup(str(article), "lxml"))
    return PageReadability(
        page=md,
        words=len(words_of(body)),
        citations=len(refs),
        sources=len(sources),
        key_points_words=sum(len(words_of(c)) for c in chunks),
        grade=flesch_kincaid_grade(chunks) if chunks else None,
    )


def readability_rows(site: Path | None = None, pages: list[str] | None = None) -> list[PageReadability]:
    """One row per page. With no ``site``, the real site is built strictly into a temp dir."""
    pages = pages if pages is not None else nav_pages()
    if site is not None:
        return [page_row(Path(site), md) for md in pages]
    with tempfile.TemporaryDirectory(prefix="readability-") as tmp:
        build_site(ROOT / "mkdocs.yml", Path(tmp))
        return [page_row(Path(tmp), md) for md in pages]


def format_table(rows: list[PageReadability]) -> str:
    head = f"{'page':<28} {'words':>6} {'cites':>6} {'sources':>7} {'KP words':>8} {'KP grade':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        grade = "-" if r.grade is None else f"{r.grade:.1f}"
        lines.append(f"{r.page:<28} {r.words:>6} {r.citations:>6} {r.sources:>7} {r.key_points_words:>8} {grade:>8}")
    lines.append("KP = the page's \"Key points\" box; grade = Flesch-Kincaid (offline syllable count).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="read this built site instead of building one")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    if args.site is not None and not (args.site / "index.html").is_file():
        print(f"readability: {args.site} is not a built site (no index.html). Run 'make build' first.", file=sys.stderr)
        return 1
    try:
        rows = readability_rows(args.site)
    except Exception as exc:  # a failed build or a missing page: say what, not a traceback
        print(f"readability: {exc}", file=sys.stderr)
        return 1
    print(json.dumps([asdict(r) for r in rows], indent=2) if args.json else format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
