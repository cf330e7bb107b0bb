"""What a reader sees in a real browser: Chromium driven by Playwright, site on 127.0.0.1."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from sitekit import html_path, nav_pages, wait_for_material

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
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


@pytest.mark.parametrize("md", nav_pages())
def test_no_console_errors_and_no_third_party_requests(page, base_url, site, md):
    url = base_url + html_path(site, md).parent.relative_to(site).as_posix() + "/"
    page.goto(url.replace("/./", "/"), wait_until="networkidle")
    assert page.console_errors == [] and page.page_errors == [], page.console_errors + page.page_errors
    foreign = [u for u in page.requested_urls if urlsplit(u).scheme in ("http", "https") and urlsplit(u).hostname not in LOCAL_HOSTS]
    assert foreign == [], f"requests to other hosts: {foreign}"


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
