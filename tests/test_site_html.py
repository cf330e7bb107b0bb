"""Assertions on the built HTML of every page in the nav."""

from __future__ import annotations

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
