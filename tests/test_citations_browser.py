"""Citations in a real browser (Chromium through Playwright), on the citation fixture site:
tooltips on hover and keyboard focus, and links that are not told apart by colour alone."""

from __future__ import annotations

import pytest

from citation_fixture import build_fixture
from sitekit import serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("citations_browser")
    (tmp / "site").mkdir()
    with serve(tmp / "site") as url:
        build_fixture(tmp, site_url=url)
        yield url


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    try:
        yield page
    finally:
        context.close()


def tooltip_text(page) -> str:
    tip = page.locator(".md-tooltip2--active .md-tooltip2__inner")
    tip.first.wait_for(state="visible", timeout=5000)
    return tip.first.inner_text()


def test_hover_shows_the_full_reference(tab, fixture_url):
    tab.goto(fixture_url)
    tab.locator("sup.citation a.footnote-ref").first.hover()
    text = tooltip_text(tab)
    assert "McInnes IB, Schett G. The Pathogenesis of Rheumatoid Arthritis." in text
    assert "10.1056/NEJMra1004965" in text
    assert tab.errors == []


def test_keyboard_focus_shows_the_full_reference(tab, fixture_url):
    tab.goto(fixture_url)
    tab.locator("sup.citation a.footnote-ref").nth(2).focus()  # the "2" of the group "1,2"
    assert "Noël D, Öztürk A, Jorgensen C." in tooltip_text(tab)


def test_locator_citation_shows_its_reference(tab, fixture_url):
    tab.goto(fixture_url)
    link = tab.locator("sup.citation", has_text="(p12)").locator("a.footnote-ref")
    link.hover()
    assert "Accented Öffentliche names" in tooltip_text(tab)


def test_citation_number_jumps_to_the_reference_list(tab, fixture_url):
    tab.goto(fixture_url + "sub/second/")
    tab.locator("sup.citation a.footnote-ref").first.click()
    tab.wait_for_url("**#fn:wang2013umbilical")
    assert tab.locator("#fn\\:wang2013umbilical").is_visible()
    assert tab.locator("h2#references").is_visible()


def test_links_are_underlined_not_only_coloured(tab, fixture_url):
    tab.goto(fixture_url)
    for selector in ("sup.citation a.footnote-ref", ".footnote li a[href^='https://doi.org/']"):
        decoration = tab.locator(selector).first.evaluate("a => getComputedStyle(a).textDecorationLine")
        assert "underline" in decoration, (selector, decoration)
    tab.goto(fixture_url + "references/")
    decoration = tab.locator(".cited-on a").first.evaluate("a => getComputedStyle(a).textDecorationLine")
    assert "underline" in decoration


def test_grouped_numbers_read_with_separators(tab, fixture_url):
    tab.goto(fixture_url)
    texts = [t.replace("\u2060", "") for t in tab.locator("sup.citation").all_inner_texts()]  # the word joiner is invisible
    assert texts[:4] == ["1", "1,2", "1–3", "4,5"]
