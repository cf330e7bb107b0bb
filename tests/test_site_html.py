"""Assertions on the built HTML of every page in the nav."""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup

from sitekit import ROOT, html_path, nav_pages, cached_soup

NAV = nav_pages()
RAW_MARKUP = re.compile(r"\[@|\[\^[\w-]+\]|\\bibliography|\\full_bibliography")


def article(site, md):
    path = html_path(site, md)
    assert path.is_file(), f"{md} is in the nav but {path.relative_to(site)} was not built"
    node = cached_soup(path).select_one("article.md-content__inner")
    assert node is not None, f"{md}: no <article> in the built page"
    return node


def visible_text(node) -> str:
    clone = BeautifulSoup(str(node), "lxml")
    for tag in clone(["code", "pre", "script", "style", "template"]):
        tag.decompose()
    return clone.get_text(" ")


def test_nav_lists_every_page_once():
    assert len(NAV) == len(set(NAV)), "a page appears twice in the nav"
    docs = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert docs == set(NAV), f"pages not in the nav: {docs - set(NAV)}; missing files: {set(NAV) - docs}"


@pytest.mark.parametrize("md", NAV)
def test_page_has_exactly_one_h1(site, md):
    h1s = article(site, md).find_all("h1")
    assert len(h1s) == 1, f"{md}: {len(h1s)} <h1> elements"


@pytest.mark.parametrize("md", NAV)
def test_heading_levels_never_skip(site, md):
    levels = [int(h.name[1]) for h in article(site, md).find_all(re.compile(r"^h[1-6]$"))]
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"{md}: heading h{before} is followed by h{after}"


def figure_names(node) -> list[tuple[str, str]]:
    """(what, accessible name) of every image in ``node``: <img> by its alt text, a figure drawn
    as inline <svg role="img"> by the elements its aria-labelledby names (or aria-label)."""
    found = []
    for img in node.find_all("img"):
        found.append((f"<img src={img.get('src', '')!r}>", (img.get("alt") or "").strip()))
    for svg in node.select('svg[role="img"]'):
        ids = (svg.get("aria-labelledby") or "").split()
        label = " ".join(svg.find(id=i).get_text(" ", strip=True) for i in ids if svg.find(id=i))
        found.append((f"<svg class={svg.get('class')}>", (svg.get("aria-label") or label).strip()))
    return found


def test_every_figure_has_a_meaningful_text_alternative(site):
    """Over the whole site, so the check never runs over zero images: the site's figures are inline SVG."""
    figures = [(md, what, name) for md in NAV for what, name in figure_names(article(site, md))]
    assert len(figures) >= 2, f"expected the site's diagrams, found {figures}"
    for md, what, name in figures:
        assert len(name) >= 10, f"{md}: {what} has no meaningful text alternative ({name!r})"


def test_figure_check_catches_a_missing_name():
    node = BeautifulSoup('<div><svg role="img"></svg><img src="a.png" alt="a"></div>', "lxml")
    assert [len(name) for _, name in figure_names(node)] == [1, 0]


@pytest.mark.parametrize("md", NAV)
def test_no_raw_citation_markup_reaches_readers(site, md):
    text = visible_text(article(site, md))
    found = RAW_MARKUP.findall(text)
    assert not found, f"{md}: raw citation markup in the published text: {found}"


@pytest.mark.parametrize("md", NAV)
def test_citing_page_has_its_references(site, md):
    node = article(site, md)
    refs = node.select("a.footnote-ref, sup a[href^='#fn:']")
    if not refs:
        return
    targets = {a["href"].lstrip("#") for a in refs}
    listed = {li.get("id") for li in node.select(".footnote li[id]")}
    assert targets <= listed, f"{md}: citations without an entry in the page's references: {targets - listed}"


# "On this page" and the "Not an approved treatment" notice, written in the Markdown (issue 21,
# items 5 and 6; includes/page-toc.md, includes/not-approved.md). tests/test_reader_screen.py and
# tests/test_reader_home.py look at them in a browser and on every page.

def test_every_page_of_three_sections_or_more_lists_them_and_no_other(site):
    """The list is a line an editor writes (--8<-- "page-toc.md"): a page that grows a third section
    needs it, a page cut to two loses it. The count comes from the built page's own h2."""
    for md in NAV:
        count = len(article(site, md).find_all("h2"))
        lists = article(site, md).select("nav.page-toc")
        if count >= 3:
            assert len(lists) == 1, (
                f"docs/{md}: {count} sections and {len(lists)} lists of them: write the line "
                '--8<-- "page-toc.md" (once) before the first ## section'
            )
        else:
            assert not lists, f'docs/{md}: {count} sections: remove the line --8<-- "page-toc.md"'


def test_the_list_and_the_notice_are_no_search_results(site):
    """Both are written in the page's Markdown now (includes/page-toc.md, includes/not-approved.md):
    data-search-exclude keeps them out of the index, as when the theme added them."""
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    texts = [" ".join(BeautifulSoup(doc["text"], "lxml").get_text(" ").split()) for doc in docs]
    notice = " ".join(article(site, "index.md").select_one(".not-approved p:not(.admonition-title)").get_text(" ").split())
    title = article(site, "safety.md").select_one("nav.page-toc p").get_text(strip=True)
    assert notice and title == "On this page"
    assert not [t for t in texts if notice[:60] in t], "the notice's text is in the search index"
    assert not [t for t in texts if title in t], "the list of sections is in the search index"

