"""Citation rules checked on the real site (built once by conftest.py)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sitekit import ROOT, html_path, nav_pages, cached_soup

NAV = nav_pages()
# The site-wide list, split by the first author's initial to keep each page light (issue 21).
REFERENCES_PAGES = ["references.md", "references-l-z.md"]


def cited_keys(site: Path) -> dict[str, set[str]]:
    """bib key -> pages (docs-relative) whose citations link to it."""
    found: dict[str, set[str]] = {}
    for md in NAV:
        article = cached_soup(html_path(site, md)).select_one("article")
        for a in article.select("a.footnote-ref"):
            found.setdefault(a["href"].removeprefix("#fn:"), set()).add(md)
    return found


def bib_notes() -> list[str]:
    from pybtex.database import parse_file

    entries = parse_file(str(ROOT / "references.bib")).entries
    return [e.fields["note"].strip() for e in entries.values() if len(e.fields.get("note", "").strip()) > 20]


def letter_range(md: str) -> tuple[str, str]:
    """The 'authors: A-K' option of the page's /// site-references block, read from its source."""
    found = re.search(r"^/// site-references\n\s+authors:\s*([A-Z])-([A-Z])$", (ROOT / "docs" / md).read_text(encoding="utf-8"), re.M)
    assert found, f"{md}: no /// site-references block with an 'authors:' range"
    return found[1].casefold(), found[2].casefold()


def first_author_initial(entry) -> str:
    """From references.bib read by pybtex: the first author's family name (or the organisation,
    or the title), without accents; a-z."""
    people = entry.persons.get("author", [])
    fields = entry.fields
    name = " ".join(people[0].prelast_names + people[0].last_names) if people else \
        fields.get("organization") or fields.get("institution") or fields["title"]
    plain = re.sub(r"\\[^A-Za-z]|[{}]", "", name)  # {\'A}lvaro -> Alvaro (LaTeX accents and braces dropped)
    letter = unicodedata.normalize("NFKD", plain)[0].casefold()
    assert "a" <= letter <= "z", name
    return letter


def test_site_list_has_each_cited_work_once(site):
    ids = [li["id"].removeprefix("ref-") for md in REFERENCES_PAGES
           for li in cached_soup(html_path(site, md)).select("ul.site-references > li")]
    assert len(ids) == len(set(ids)), "a work is listed twice"
    assert set(ids) == set(cited_keys(site)), "the site-wide list and the pages' citations differ"


def test_site_list_pages_split_by_the_first_authors_initial(site):
    from pybtex.database import parse_file

    entries = parse_file(str(ROOT / "references.bib")).entries
    for md in REFERENCES_PAGES:
        first, last = letter_range(md)
        items = cached_soup(html_path(site, md)).select("ul.site-references > li")
        assert items, md
        letters = []
        for li in items:
            key = li["id"].removeprefix("ref-")
            letters.append(first_author_initial(entries[key]))
            assert first <= letters[-1] <= last, f"{md}: {key} is outside {first}-{last}"
        assert letters == sorted(letters), f"{md}: not in alphabetical order (an accented name filed after z?)"


@pytest.mark.parametrize("md", REFERENCES_PAGES)
def test_site_list_cited_on_links_reach_the_citing_pages(site, md):
    page = html_path(site, md)
    cited = cited_keys(site)
    for li in cached_soup(page).select("ul.site-references > li"):
        key = li["id"].removeprefix("ref-")
        pages = set()
        for a in li.select(".cited-on a"):
            target, _, anchor = a["href"].partition("#")
            file = (page.parent / target / "index.html").resolve()
            assert file.is_file(), f"{key}: {a['href']} does not exist"
            if anchor:
                assert cached_soup(file).find(id=anchor) is not None, f"{key}: no #{anchor} in {file.relative_to(site)}"
            pages.add(file.relative_to(site).as_posix())
        assert pages == {html_path(site, md).relative_to(site).as_posix() for md in cited[key]}, key


@pytest.mark.parametrize("md", NAV)
def test_citing_pages_have_a_references_heading(site, md):
    article = cached_soup(html_path(site, md)).select_one("article")
    if not article.select("a.footnote-ref"):
        return
    heading = article.select_one("h2#references")
    assert heading is not None and heading.get_text(strip=True).startswith("References"), md
    for original in article.select("sup.citation"):
        group = BeautifulSoup(str(original), "lxml")
        for hidden in group.select("[hidden]"):
            hidden.decompose()
        group = group.sup
        assert re.fullmatch(r"\d+(\([^)]+\))?([,–]\d+(\([^)]+\))?)*", group.get_text().replace("\u2060", "")), f"{md}: {group.get_text()!r}"


def test_verification_notes_never_published(site):
    notes = bib_notes()
    assert notes, "references.bib has no notes to check"
    for path in site.rglob("*"):
        if path.suffix in (".html", ".json", ".xml"):
            text = path.read_text(encoding="utf-8")
            leaked = [n[:60] for n in notes if n in text]
            assert not leaked, f"{path.relative_to(site)} shows bib notes: {leaked}"


def test_search_index_leaves_out_the_reference_lists(site):
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    # the References pages are left out (their front matter, search: exclude; issue 12)
    indexed = [d["location"] for d in docs if d["location"].startswith(("references/", "references-l-z/"))]
    assert not indexed, "a References page is indexed"
    assert not [d["location"] for d in docs if d["location"].endswith("#references")], "per-page reference lists are indexed"
