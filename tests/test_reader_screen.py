"""Issue 21, items 2 (tooltip size), 5 (long pages), 7-9 (fixed elements and smaller things), as a
reader sees them in Chromium: at 375 px with touch and at 1280 px, light and dark. Expected values
come from the built HTML (headings, citation groups), the page's own body text and mkdocs.yml."""

from __future__ import annotations

import re

import pytest
import yaml

from sitekit import ROOT, html_path, soup, wait_for_material

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
LONG_PAGES = ["evidence/studies.md", "safety.md", "evidence/details.md", "considering-a-trial.md", "faq.md"]


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # !ENV, !relative: not needed here
CONFIG = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)


def _url(base_url, site, md):
    return base_url.rstrip("/") + "/" + html_path(site, md).parent.relative_to(site).as_posix().strip(".").strip("/") + "/"


def _open(browser, base_url, site, md, viewport=PHONE, scheme="light"):
    context = browser.new_context(color_scheme=scheme, **viewport)
    page = context.new_page()
    page.goto(_url(base_url, site, md).replace("//", "/").replace(":/", "://"))
    wait_for_material(page)
    return context, page


def _sections(site, md):
    """The page's h2 sections, from the built HTML: (id, text)."""
    article = soup(html_path(site, md)).select_one("article")
    for tag in article.select(".headerlink"):
        tag.decompose()
    return [(h["id"], " ".join(h.get_text(" ", strip=True).split())) for h in article.find_all("h2")]


# ----------------------------------------------------------------- item 5: long pages on phones

@pytest.mark.parametrize("md", LONG_PAGES)
def test_long_pages_list_their_sections_near_the_top_on_phones(browser, base_url, site, md):
    expected = _sections(site, md)
    context, page = _open(browser, base_url, site, md)
    try:
        toc = page.locator("article nav.page-toc")
        assert toc.is_visible(), f"{md}: no list of sections on a phone"
        # the links a reader sees ([TOC] also holds the title's and subsections', not shown)
        shown = toc.locator("a:visible")
        links = shown.evaluate_all("as => as.map(a => [a.hash.slice(1), a.textContent.trim()])")
        assert [tuple(link) for link in links] == expected, f"{md}: {links} != {expected}"
        first_h2 = page.locator("article h2").first
        assert toc.evaluate("(n, h) => !!(n.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_FOLLOWING)", first_h2.element_handle())
        top = toc.evaluate("n => n.getBoundingClientRect().top + scrollY")
        assert top < 3 * 740, f"{md}: the list starts {top:.0f} px down, more than three screens"
        heights = shown.evaluate_all("as => as.map(a => a.getBoundingClientRect().height)")
        assert min(heights) >= 44, f"{md}: section links under 44 px tall: {heights}"
        # one tap reaches the last section
        target, _ = expected[-1]
        shown.last.tap()
        page.wait_for_function(f"Math.abs(document.getElementById({target!r}).getBoundingClientRect().top) < 120")
    finally:
        context.close()


def test_the_list_is_hidden_where_the_sidebar_shows_the_contents(browser, base_url, site):
    context, page = _open(browser, base_url, site, "safety.md", DESKTOP)
    try:
        assert not page.locator("article nav.page-toc").is_visible()
        assert page.locator(".md-sidebar--secondary .md-nav__link").first.is_visible()
        page.emulate_media(media="print")
        assert not page.locator("article nav.page-toc").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("md", ["references.md", "references-l-z.md"])
def test_short_pages_have_no_list(site, md):
    assert len(_sections(site, md)) < 3
    assert soup(html_path(site, md)).select("nav.page-toc") == []


# ----------------------------------------------------------------- item 7: nothing fixed covers the text

@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_back_to_top_sits_in_the_header_not_over_the_text(browser, base_url, site, scheme):
    context, page = _open(browser, base_url, site, "ucmsc/mechanisms.md", scheme=scheme)
    try:
        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(300)
        page.evaluate("scrollBy(0, 2400)")
        page.wait_for_timeout(300)
        for _ in range(4):  # Material shows the button on an upward scroll
            page.evaluate("scrollBy(0, -150)")
            page.wait_for_timeout(120)
        button = page.locator(".md-top")
        page.wait_for_function("!document.querySelector('.md-top').hidden")
        page.wait_for_timeout(300)  # the fade-in
        found = button.evaluate("""b => {
          const r = b.getBoundingClientRect(), h = document.querySelector('.md-header').getBoundingClientRect();
          const y = r.top + r.height / 2;  // a pill: its rounded ends are left out
          const hits = [[r.left + r.height / 2, y], [r.right - r.height / 2, y], [r.left + r.width / 2, y]]
            .map(([x, y]) => b.contains(document.elementFromPoint(x, y)));
          return {button: r.toJSON(), header: h.toJSON(), hits};
        }""")
    finally:
        context.close()
    button, header = found["button"], found["header"]
    assert all(found["hits"]), f"the back-to-top button is covered: {found}"
    assert button["top"] >= header["top"] and button["bottom"] <= header["bottom"], (
        f"the back-to-top button leaves the header bar and covers the text: {button} vs header {header}")


def test_citation_sheet_close_button_stays_reachable_with_many_references(browser, base_url, site):
    md = "evidence/studies.md"
    groups = soup(html_path(site, md)).select("article sup.citation")
    index, biggest = max(enumerate(groups), key=lambda g: len(g[1].select("a.footnote-ref")))
    assert len(biggest.select("a.footnote-ref")) >= 6, "no citation group long enough to check"
    context, page = _open(browser, base_url, site, md)
    try:
        group = page.locator("article sup.citation").nth(index)
        group.scroll_into_view_if_needed()
        group.tap()
        sheet = page.locator("dialog.citation-sheet[open]")
        sheet.wait_for(state="visible", timeout=3000)
        scrolls = sheet.evaluate("s => s.scrollHeight > s.clientHeight + 50")
        assert scrolls, "the sheet's list does not scroll: not a test of a long sheet"
        sheet.evaluate("s => { s.scrollTop = s.scrollHeight; }")
        page.wait_for_timeout(100)
        found = page.evaluate("""() => {
          const b = document.querySelector('.citation-sheet__close'), s = document.querySelector('dialog.citation-sheet');
          const r = b.getBoundingClientRect(), q = s.getBoundingClientRect();
          return {inside: r.top >= q.top - 1 && r.bottom <= q.bottom + 1,
                  hit: b.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)), scrolled: s.scrollTop};
        }""")
        assert found["scrolled"] > 0 and found["inside"] and found["hit"], f"Close is out of reach: {found}"
        page.locator(".citation-sheet__close").tap()
        page.wait_for_function("!document.querySelector('dialog.citation-sheet').open")
    finally:
        context.close()


# ----------------------------------------------------------------- item 2: definitions

@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_a_meaning_shows_near_body_size_and_off_the_terms_line(browser, base_url, site, viewport):
    context, page = _open(browser, base_url, site, "faq.md", viewport)
    try:
        abbr = page.locator("article abbr[tabindex]").first
        abbr.scroll_into_view_if_needed()
        abbr.tap() if viewport is PHONE else abbr.hover()
        tip = page.locator(".md-tooltip2--active .md-tooltip2__inner")
        tip.wait_for(state="visible", timeout=5000)
        page.wait_for_timeout(500)  # the tooltip's slide-in
        body = page.evaluate("parseFloat(getComputedStyle(document.querySelector('article > p')).fontSize)")
        size = tip.evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
        term, box = abbr.bounding_box(), tip.bounding_box()
    finally:
        context.close()
    assert size >= 0.9 * body, f"the meaning in {size} px text, the body in {body} px"
    assert box["y"] >= term["y"] + term["height"] - 1 or box["y"] + box["height"] <= term["y"] + 1, (
        f"the meaning covers the term's line: term {term}, meaning {box}")


# ----------------------------------------------------------------- item 9: smaller things

def _luminance(rgb):
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a, b):
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _rgb(css):
    return [float(v) for v in re.findall(r"[\d.]+", css)[:3]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_logo_focus_ring_shows_on_the_header(browser, base_url, site, scheme):
    context, page = _open(browser, base_url, site, "index.md", DESKTOP, scheme)
    try:
        page.keyboard.press("Tab")  # the skip link first
        for _ in range(3):
            if page.evaluate("!!document.activeElement.closest('.md-header__button.md-logo')"):
                break
            page.keyboard.press("Tab")
        ring = page.evaluate("""() => { const a = document.activeElement; const s = getComputedStyle(a);
          return {logo: !!a.closest('.md-logo'), style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
                  header: getComputedStyle(document.querySelector('.md-header')).backgroundColor}; }""")
    finally:
        context.close()
    assert ring["logo"], "Tab did not reach the logo"
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    ratio = _contrast(_rgb(ring["color"]), _rgb(ring["header"]))
    assert ratio >= 3, f"focus ring at {ratio:.2f}:1 against the header (WCAG 1.4.11 wants 3:1): {ring}"


@pytest.mark.parametrize("md", ["safety.md", "considering-a-trial.md", "ucmsc/mechanisms.md", "ra/treatment.md", "evidence/reading.md"])
def test_no_blank_line_under_headings_on_phones(browser, base_url, site, md):
    context, page = _open(browser, base_url, site, md)
    try:
        gaps = page.evaluate("""() => [...document.querySelectorAll('article :is(h1, h2, h3, h4)')].map(h => {
          const range = document.createRange(), walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
          let bottom = 0, line = 0;
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (n.parentElement.closest('.headerlink')) continue;
            range.selectNodeContents(n);
            for (const r of range.getClientRects()) { bottom = Math.max(bottom, r.bottom); line = Math.max(line, r.height); }
          }
          return [h.textContent.replace('¶', '').trim(), h.getBoundingClientRect().bottom - bottom, line];
        })""")
    finally:
        context.close()
    blank = [(text, round(gap)) for text, gap, line in gaps if gap > 0.5 * line]
    assert gaps and blank == [], f"{md}: headings with an empty line under their text: {blank}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_header_shows_the_whole_site_name_on_a_phone(browser, base_url, site, scheme):
    name = CONFIG["site_name"]
    context, page = _open(browser, base_url, site, "index.md", scheme=scheme)
    try:
        topic = page.locator(".md-header__topic").first.locator(".md-ellipsis")
        shown = topic.evaluate("""t => { const r = t.getBoundingClientRect(), h = document.querySelector('.md-header').getBoundingClientRect();
          return {text: t.textContent.trim(), cut: t.scrollWidth > t.clientWidth + 1 || t.scrollHeight > t.clientHeight + 1,
                  inside: r.top >= h.top && r.bottom <= h.bottom, right: r.right,
                  next: document.querySelector('.md-header__option, .md-header__button[for=__search]').getBoundingClientRect().left,
                  size: parseFloat(getComputedStyle(t).fontSize)}; }""")
    finally:
        context.close()
    assert shown["text"] == name
    assert not shown["cut"] and shown["inside"], f"the site name is cut: {shown}"
    assert shown["right"] <= shown["next"] + 1, f"the name runs under the header's buttons: {shown}"
    assert shown["size"] >= 14, shown
