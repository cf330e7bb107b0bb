"""What a reader sees in a real browser: Chromium driven by Playwright, site on 127.0.0.1."""

from __future__ import annotations

import pytest

from sitekit import nav_pages, page_url, wait_for_material

pytestmark = pytest.mark.browser

CITING_PAGE = "ra/immunopathology/"


def _tooltip_text(page) -> str:
    tip = page.locator(".md-tooltip2--active .md-tooltip2__inner, .md-tooltip2.md-tooltip2--active")
    tip.first.wait_for(state="visible", timeout=5000)
    return tip.first.inner_text()


def test_citation_shows_full_reference_on_hover(page, base_url):
    page.goto(base_url + CITING_PAGE)
    wait_for_material(page)  # Material's tooltips
    ref = page.locator("a.footnote-ref").first
    ref.hover()
    text = _tooltip_text(page)
    assert "pathogenesis of rheumatoid arthritis" in text.lower(), text


def test_citation_shows_full_reference_on_keyboard_focus(page, base_url):
    page.goto(base_url + CITING_PAGE)
    wait_for_material(page)  # Material's tooltips
    ref = page.locator("a.footnote-ref").first
    ref.focus()
    text = _tooltip_text(page)
    assert "pathogenesis of rheumatoid arthritis" in text.lower(), text


def test_search_finds_wharton(page, base_url):
    page.goto(base_url)
    wait_for_material(page)
    page.keyboard.press("/")  # Material's search shortcut
    query = page.locator("input.md-search__input")
    query.fill("Wharton")
    result = page.locator(".md-search-result__item").first
    result.wait_for(state="visible", timeout=10000)
    assert "wharton" in page.locator(".md-search-result").inner_text().lower()


def test_dark_mode_toggle_switches_scheme(page, base_url):
    page.emulate_media(color_scheme="light")
    page.goto(base_url)
    wait_for_material(page)
    body = page.locator("body")
    assert body.get_attribute("data-md-color-scheme") == "default"
    page.locator("label[title='Switch to dark mode']:visible").click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'", timeout=5000)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)", "dark scheme still paints a white page"




def test_usable_at_375px(browser, base_url):
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(base_url + CITING_PAGE)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"page scrolls sideways at 375 px: content is {width}px wide"
        h1 = page.locator("article h1")
        assert h1.is_visible()
        box = h1.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
        # the navigation is reachable through the menu button
        page.locator("label.md-header__button[for='__drawer']").click()
        page.locator(".md-nav--primary").first.wait_for(state="visible")
    finally:
        context.close()


# A citation superscript that is the first thing on its line, after a line break the browser chose.
SUPERSCRIPTS_STARTING_A_LINE = """() => {
  const found = [];
  for (const sup of document.querySelectorAll("article sup.citation")) {
    const first = sup.getClientRects()[0];
    if (!first) continue;
    const block = sup.closest("p, li, td, th, dd, dt, figcaption, blockquote") || sup.parentElement;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let before = null, node;
    while ((node = walker.nextNode())) {
      if (sup.contains(node) || (node.compareDocumentPosition(sup) & Node.DOCUMENT_POSITION_PRECEDING)) break;
      if (node.textContent.trim()) before = node;
    }
    if (!before) continue;  // the first thing in its block, not after a break
    const text = before.textContent;
    let end = text.length;
    while (end > 0 && /\\s/.test(text[end - 1])) end--;
    const range = document.createRange();
    range.setStart(before, end - 1);
    range.setEnd(before, end);
    const rects = range.getClientRects();
    const last = rects[rects.length - 1];
    if (last && first.top > last.top + last.height / 2) found.push(text.slice(Math.max(0, end - 30), end));
  }
  return [document.querySelectorAll("article sup.citation").length, found];
}"""


def test_no_citation_superscript_starts_a_line_at_375px(browser, base_url):
    """Issue 12: on a phone a superscript must stay with the word it supports (no breakable space before it)."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True)
    try:
        page = context.new_page()
        total, starting = 0, []
        for md in nav_pages():
            page.goto(page_url(base_url, md))
            count, found = page.evaluate(SUPERSCRIPTS_STARTING_A_LINE)
            total += count
            starting += [f"{md}: …{text}" for text in found]
        assert total > 100, f"only {total} citation groups found: is the check reading the pages?"
        assert starting == [], f"{len(starting)} of {total} citation superscripts start a line:\n" + "\n".join(starting)
    finally:
        context.close()
