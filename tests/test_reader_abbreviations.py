"""Issue 12, item 6: abbreviations are explained at their first use on each page, not at every use.

src/ucmsc/glossary.py keeps one <abbr> per term and page (the first use outside a link) and makes
it focusable; Material's tooltip (content.tooltips) shows the meaning on hover, focus and tap. The
expected terms are read here from includes/abbreviations.md with a regular expression of the
test's own, not with the extension."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from sitekit import ROOT, desktop_loads, desktop_probe, html_path, nav_pages, soup, wait_for_material

NAV = nav_pages()
MEANINGS = dict(
    re.findall(r"^\*\[([^\]]+)\]:\s*(.+?)\s*$", (ROOT / "includes" / "abbreviations.md").read_text(encoding="utf-8"), re.M)
)
# Every term, longest first, as whole words: "UC-MSCs" is one use of UC-MSCs, not of MSCs.
ANY_TERM = re.compile(r"(?<!\w)(" + "|".join(re.escape(t) for t in sorted(MEANINGS, key=len, reverse=True)) + r")(?!\w)")
NOT_TEXT = ["code", "pre", "script", "style", "svg"]  # svg: inlined diagrams are raw HTML, not Markdown
INTERACTIVE = ["a", "button", "summary"]


def _article(site, md):
    return soup(html_path(site, md)).select_one("article")


def _uses_before(article, term, abbr):
    """Whole-word uses of ``term`` in the text before ``abbr``, outside links and code."""
    count = 0
    for text in article.find_all(string=True):
        if text is abbr.string or (abbr in text.parents):
            break
        if text.find_parent(NOT_TEXT + INTERACTIVE):
            continue
        count += ANY_TERM.findall(text).count(term)
    return count


@pytest.mark.parametrize("md", NAV)
def test_one_explained_use_per_term_and_page_the_first(site, md):
    article = _article(site, md)
    abbrs = article.find_all("abbr")
    per_term = Counter(a.get_text() for a in abbrs)
    assert [t for t, n in per_term.items() if n > 1] == [], f"{md}: terms marked more than once: {per_term}"
    for abbr in abbrs:
        term = abbr.get_text()
        assert term in MEANINGS and abbr.get("title") == MEANINGS[term], f"{md}: {abbr}"
        if not abbr.find_parent(INTERACTIVE):
            assert abbr.get("tabindex") == "0", f"{md}: the explained use of {term} cannot be reached by keyboard"
        assert _uses_before(article, term, abbr) == 0, f"{md}: {term} is used before the use that explains it"


@pytest.mark.parametrize("md", NAV)
def test_every_term_used_on_a_page_is_explained_there(site, md):
    article = _article(site, md)
    for tag in article.find_all(NOT_TEXT) + article.select(".footnote, .site-references, .glossary-list, .trust-footer"):
        tag.decompose()  # reference lists, the glossary list, the page footer: HTML, not Markdown
    marked = {a.get_text() for a in article.find_all("abbr")}
    text = article.get_text(" ")
    used = set(ANY_TERM.findall(text))
    # a term used only inside a link is explained there without a tab stop; it is still marked
    assert used <= marked, f"{md}: terms used but never explained: {sorted(used - marked)}"


TAB_STOPS = """() => {
    const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
    const stops = [...document.querySelectorAll(sel)].filter(el => {
        if (el.disabled || el.tabIndex < 0 || el.closest('[inert], [hidden], details:not([open]) > :not(summary)')) return false;
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    });
    return {total: stops.length, abbrs: stops.filter(el => el.tagName === 'ABBR').map(el => el.textContent)};
}"""


@desktop_probe("tab stops", schemes=["light"])
def tab_stops(page) -> dict:
    return page.evaluate(TAB_STOPS)


@pytest.mark.browser
@pytest.mark.parametrize("md, scheme", desktop_loads(schemes=["light"]))
def test_tab_stops_per_page(desktop_load, md, scheme):
    """Report the tab stops of every page (1280 x 900, on the shared desktop load); abbreviations
    add at most one per term."""
    stops = desktop_load(md, scheme).probes["tab stops"]
    repeated = [t for t, n in Counter(stops["abbrs"]).items() if n > 1]
    assert repeated == [], f"{md}: abbreviations with more than one tab stop: {repeated}"
    assert len(stops["abbrs"]) <= len(set(stops["abbrs"]) & set(MEANINGS)), md
    print(f"\n{md}: {stops['total']} tab stops, of which {len(stops['abbrs'])} abbreviations")


def _tooltip(page):
    tip = page.locator(".md-tooltip2--active")
    tip.first.wait_for(state="visible", timeout=5000)
    return " ".join(tip.first.inner_text().split())


@pytest.mark.browser
def test_meaning_on_hover_and_on_keyboard_focus(page, base_url):
    page.goto(base_url + "faq/")
    wait_for_material(page)
    abbr = page.locator("article abbr[tabindex]").first
    term = abbr.inner_text()
    abbr.hover()
    assert _tooltip(page) == MEANINGS[term]
    page.mouse.move(0, 0)
    page.wait_for_function("!document.querySelector('.md-tooltip2--active')", timeout=5000)
    abbr.focus()
    assert _tooltip(page) == MEANINGS[term]


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_meaning_on_a_tap_without_moving_the_text(browser, base_url, scheme):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
                                  color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(base_url + "faq/")
        wait_for_material(page)
        abbr = page.locator("article abbr[tabindex]").first
        term = abbr.inner_text()
        abbr.scroll_into_view_if_needed()
        where = "a => [a.getBoundingClientRect().toJSON(), a.closest('article').getBoundingClientRect().height]"
        before = abbr.evaluate(where)
        abbr.tap()
        assert _tooltip(page) == MEANINGS[term]
        assert abbr.evaluate(where) == before, "the meaning moved the text"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
