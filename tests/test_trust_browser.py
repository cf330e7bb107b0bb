"""Reader aids in a real browser: abbreviations' meanings on keyboard focus and on a tap, the copy
button of "Cite this page", and the print stylesheet."""

from __future__ import annotations

import re

import pytest

from sitekit import desktop_loads, desktop_probe, html_path, nav_pages, soup, url_path, wait_for_material

pytestmark = pytest.mark.browser

FAQ = "faq/"


def _first_abbr(page):
    abbr = page.locator("article abbr[tabindex]").first
    abbr.wait_for(state="attached")
    return abbr


ACTIVE_TOOLTIP = "document.querySelector('.md-tooltip2--active')?.innerText ?? 'none'"


def _shown_meaning(abbr, meaning: str | None = None) -> str:
    """The text of Material's active tooltip (content.tooltips), "none" when none is shown.

    Material shows and hides its tooltip with a short delay: with ``meaning``, wait until a
    tooltip with that text is shown, or (meaning="none") until none is; else wait out the delay."""
    if meaning is None:
        abbr.page.wait_for_timeout(400)  # nothing to wait for: no tooltip may appear meanwhile
    else:
        try:
            abbr.page.wait_for_function(f"m => {{ const t = {ACTIVE_TOOLTIP}; return m === 'none' ? t === m : t.includes(m); }}",
                                        arg=meaning, timeout=2000)
        except Exception:  # noqa: BLE001 - the caller's assertion reports what is shown
            pass
    return abbr.page.evaluate(ACTIVE_TOOLTIP)


def test_abbreviation_meaning_shows_on_keyboard_focus_only(page, base_url):
    page.goto(base_url + FAQ)
    wait_for_material(page)
    abbr = _first_abbr(page)
    title = abbr.get_attribute("title")
    assert title and _shown_meaning(abbr) == "none", "the meaning shows before the term has focus"
    abbr.focus()
    assert page.evaluate("document.activeElement.tagName") == "ABBR", "<abbr> cannot take keyboard focus"
    assert title in _shown_meaning(abbr, title), _shown_meaning(abbr)
    abbr.evaluate("a => a.blur()")
    assert _shown_meaning(abbr, "none") == "none", "the meaning stays after focus moves on"


def test_abbreviation_meaning_shows_on_a_tap(browser, base_url):
    """On a phone nothing hovers, so a tap must show the meaning."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(base_url + FAQ)
        wait_for_material(page)
        abbr = _first_abbr(page)
        abbr.scroll_into_view_if_needed()
        title = abbr.get_attribute("title")
        abbr.tap()
        assert title in _shown_meaning(abbr, title)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the meaning makes the page scroll sideways"
    finally:
        context.close()


def test_tab_key_reaches_abbreviations(page, base_url):
    """From the link just before an abbreviation, one Tab lands on the abbreviation."""
    page.goto(base_url + FAQ)
    wait_for_material(page)
    found = page.evaluate(
        """() => {
          const all = [...document.querySelectorAll('article a[href], article abbr[tabindex]')];
          const i = all.findIndex((el, k) => el.tagName === 'A' && all[k + 1] && all[k + 1].tagName === 'ABBR'
                                          && !el.closest('details:not([open])'));
          if (i < 0) return null;
          all[i].focus();
          return all[i + 1].textContent;
        }"""
    )
    assert found, "no link followed by an abbreviation on the FAQ page"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "ABBR"
    assert page.evaluate("document.activeElement.textContent") == found
    title = page.evaluate("document.activeElement.title || document.getElementById("
                          "document.activeElement.getAttribute('aria-describedby')).innerText")
    assert title in _shown_meaning(page.locator("abbr:focus"), title), "Tab reached the abbreviation but its meaning is not shown"


def test_cite_this_page_copy_button_copies_the_bibtex(page, base_url):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    page.goto(base_url + FAQ)
    box = page.locator("details.trust-cite")
    box.locator("summary").click()
    expected = box.locator("pre code").inner_text()
    button = box.locator("button.md-code__button[data-md-type='copy']")
    button.wait_for(state="visible", timeout=5000)
    button.click()
    page.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)", timeout=5000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == expected.strip()
    assert copied.startswith("@misc{")


def _page_with(site, selector: str) -> str:
    for md in nav_pages():
        if soup(html_path(site, md)).select_one(f"article {selector}"):
            return html_path(site, md).parent.relative_to(site).as_posix().strip(".") + "/"
    pytest.fail(f"no page has {selector!r}")


def test_print_drops_navigation_and_shows_each_reference_address_once(page, base_url, site):
    path = _page_with(site, ".footnote a[href^='http']")
    page.goto(base_url + path.lstrip("/"))
    page.emulate_media(media="print")
    for selector in (".md-header", ".md-sidebar--primary", ".md-footer", ".md-sidebar--secondary"):
        display = page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).display")
        assert display == "none", f"{selector} is printed (display: {display})"
    # Each reference's links print once, as the reader sees them: a web page's address is its
    # text; a DOI, PMID or PMCID prints as that identifier, after its label. Nothing is added
    # after a link (issue 21: every address printed twice).
    printed = page.evaluate(
        """() => [...document.querySelectorAll("article .footnote a[href^='http']:not(.footnote-backref)")].map(a => ({
          href: a.href, text: a.textContent.trim(), after: getComputedStyle(a, '::after').content,
          label: (a.previousSibling && a.previousSibling.textContent || '').slice(-7)}))"""
    )
    assert printed, "no reference links to check"
    for link in printed:
        assert link["after"] in ("none", "normal", '""'), f"something printed after {link['href']}: {link['after']}"
        shown = link["text"] == link["href"] or link["text"].rstrip("/") == link["href"].rstrip("/")
        identifier = re.search(r"(doi:|PMID: |PMCID: )$", link["label"]) and link["text"] in link["href"]
        assert shown or identifier, f"a printed reference shows neither its address nor an identifier: {link}"
    internal = page.evaluate(
        """() => {
          const a = [...document.querySelectorAll('article a[href]')].find(a =>
            !a.closest('.footnote, .site-references') && !a.matches('.footnote-ref, .headerlink'));
          return getComputedStyle(a, '::after').content;
        }"""
    )
    assert "http" not in internal, f"an internal link prints its address: {internal}"


PRINTED_TABLES = """() => {
  const box = document.querySelector('article').getBoundingClientRect();
  return [...document.querySelectorAll('article table')].map(t => {
    const wrap = t.parentElement;
    const r = t.getBoundingClientRect();
    // A card's label is its cell's ::before; it is seen only if it is not pushed out
    // of the cell (a negative margin larger than the cell's left padding).
    const labels = [...t.querySelectorAll('td[data-label]')].map(td => {
      const before = getComputedStyle(td, '::before');
      const inside = parseFloat(getComputedStyle(td).paddingLeft) + parseFloat(before.marginLeft) >= -1;
      return before.display !== 'none' && inside ? before.content : 'none';
    });
    return {display: getComputedStyle(t).display,
            overflow: getComputedStyle(wrap).overflowX,
            head: t.tHead ? getComputedStyle(t.tHead).display : 'table-header-group',
            cells: t.querySelectorAll('td').length,
            labelled: labels.filter(c => c && c !== 'none' && c !== 'normal').length,
            fits: r.left >= box.left - 1 && r.right <= box.right + 1};
  });
}"""


@desktop_probe("printed tables", schemes=["light"], last=True)
def printed_tables(page) -> list[dict]:
    """The tables of the page as printed (print media emulated, then the screen again)."""
    page.emulate_media(media="print")
    try:
        return page.evaluate(PRINTED_TABLES)
    finally:
        page.emulate_media(media="screen")


def test_some_page_has_a_table_to_print(site):
    assert any(soup(html_path(site, md)).select_one("article table") for md in nav_pages()), "no page has a table"


@pytest.mark.parametrize("md, scheme", desktop_loads(schemes=["light"]))
def test_print_keeps_tables_whole_and_readable(desktop_load, md, scheme):
    """Every table of every page (none on some) as printed, on the shared desktop load."""
    path = url_path(md)
    for info in desktop_load(md, scheme).probes["printed tables"]:
        assert info["overflow"] == "visible", (path, info)
        assert info["fits"], f"/{path}: a table is wider than the printed page: {info}"
        if info["display"] == "table":
            assert info["head"] == "table-header-group", (path, info)
        else:  # printed as cards (the data tables): every cell shows its column's name
            assert info["cells"] and info["labelled"] == info["cells"], (path, info)
