"""Assertions on the built HTML of every page in the nav."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from sitekit import ROOT, html_path, nav_pages, soup

NAV = nav_pages()
RAW_MARKUP = re.compile(r"\[@|\[\^[\w-]+\]|\\bibliography|\\full_bibliography")


def article(site, md):
    path = html_path(site, md)
    assert path.is_file(), f"{md} is in the nav but {path.relative_to(site)} was not built"
    node = soup(path).select_one("article.md-content__inner")
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


@pytest.mark.parametrize("md", NAV)
def test_images_have_meaningful_alt(site, md):
    for img in article(site, md).find_all("img"):
        alt = (img.get("alt") or "").strip()
        src = img.get("src", "")
        name = src.rsplit("/", 1)[-1]
        assert len(alt) >= 10, f"{md}: <img src={src!r}> has no meaningful alt text"
        assert alt not in (name, name.rsplit(".", 1)[0]), f"{md}: alt text of {src} is its file name"


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
