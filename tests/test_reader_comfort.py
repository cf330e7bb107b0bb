"""Issue 12, item 9: comfortable reading. Lines of about 65-75 characters on a desktop screen;
reference lists in body colour and size; diagrams no taller than the screen; the edit and source
links at the page end, not beside the title or in the header; the title at 4.5:1 contrast or more.
Measured in the real browser, light and dark; expected values read from the page itself."""

from __future__ import annotations

import re
import statistics

import pytest

from sitekit import desktop_loads, desktop_probe, html_path, nav_pages, soup

pytestmark = pytest.mark.browser

NAV = nav_pages()
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}

# Characters on each full line of the page's body paragraphs (the last line of each is left out).
LINE_LENGTHS = """() => {
    const out = [];
    for (const p of document.querySelectorAll('article.md-content__inner > p')) {
        const tops = new Map();
        const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (node.parentElement.closest('sup')) continue;
            for (let i = 0; i < node.length; i++) {
                range.setStart(node, i); range.setEnd(node, i + 1);
                const r = range.getClientRects()[0];
                if (!r) continue;
                const top = Math.round(r.top / 4);
                tops.set(top, (tops.get(top) || 0) + 1);
            }
        }
        const lines = [...tops.entries()].sort((a, b) => a[0] - b[0]).map(e => e[1]);
        out.push(...lines.slice(0, -1));
    }
    return out;
}"""


def _luminance(rgb):
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _rgba(css):
    values = [float(v) for v in re.findall(r"[\d.]+", css)]
    return values[:3], (values[3] if len(values) > 3 else 1.0)


def _contrast(fg_css, bg_css):
    (fg, alpha), (bg, _) = _rgba(fg_css), _rgba(bg_css)
    shown = [alpha * f + (1 - alpha) * b for f, b in zip(fg, bg)]
    hi, lo = sorted((_luminance(shown), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _url(base_url, site, md):
    return base_url.rstrip("/") + ("/" + html_path(site, md).parent.relative_to(site).as_posix().lstrip(".").strip("/") + "/").replace("//", "/")


def test_desktop_lines_run_about_65_to_75_characters(browser, base_url, site):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    medians = {}
    try:
        for md in ["index.md", "ra/disease.md", "safety.md", "faq.md", "conclusion.md"]:
            page.goto(_url(base_url, site, md))
            lines = page.evaluate(LINE_LENGTHS)
            assert len(lines) >= 5, f"{md}: too few full lines to measure"
            medians[md] = statistics.median(lines)
    finally:
        context.close()
    print("\nmedian characters per full line at 1280 px:", medians)
    assert all(62 <= m <= 77 for m in medians.values()), medians


@desktop_probe("comfort")
def references_title_and_page_end(page) -> dict:
    return page.evaluate("""() => {
                const style = sel => { const el = document.querySelector(sel); return el && getComputedStyle(el); };
                const body = style('article.md-content__inner > p');
                const notes = style('article .footnote li');
                const h1 = style('article h1');
                const visible = sel => [...document.querySelectorAll(sel)].some(el => el.getClientRects().length);
                return {
                    bodyColour: body && body.color, bodySize: body && parseFloat(body.fontSize),
                    notesColour: notes && notes.color, notesSize: notes && parseFloat(notes.fontSize),
                    h1: h1.color, background: getComputedStyle(document.body).backgroundColor,
                    pencil: visible('.md-content__button'), headerSource: visible('.md-header__source, .md-nav__source'),
                    edit: [...document.querySelectorAll('article .trust-edit a')].map(a => a.href),
                };
            }""")


@pytest.mark.parametrize("md, scheme", desktop_loads())
def test_references_title_and_page_end_links(desktop_load, md, scheme):
    """Every page, light and dark, on the one desktop load the axe-core gate also reads."""
    state = desktop_load(md, scheme).probes["comfort"]
    if state["notesColour"]:
        assert state["notesColour"] == state["bodyColour"], f"{md}: references in {state['notesColour']}"
        assert state["notesSize"] >= state["bodySize"], f"{md}: references at {state['notesSize']} px"
    ratio = _contrast(state["h1"], state["background"])
    assert ratio >= 4.5, f"{md} ({scheme}): title contrast {ratio:.2f}:1"
    assert not state["pencil"] and not state["headerSource"], f"{md}: edit or source link still at the top"
    assert any(h.endswith("docs/" + md) for h in state["edit"]), f"{md}: no edit link at the page end: {state['edit']}"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_diagrams_are_no_taller_than_the_screen(browser, base_url, site, size):
    pages = [md for md in NAV if soup(html_path(site, md)).select("figure.diagram svg")]
    assert pages, "no diagrams found"
    context = browser.new_context(**PHONE) if size == "phone" else browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        for md in pages:
            page.goto(_url(base_url, site, md))
            heights = page.evaluate("[...document.querySelectorAll('figure.diagram svg')].map(s => s.getBoundingClientRect().height)")
            limit = page.evaluate("innerHeight")
            assert heights and max(heights) <= limit, f"{md}: diagram {max(heights)} px tall, screen {limit} px"
    finally:
        context.close()
