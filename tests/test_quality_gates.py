"""Quality gates in a real browser, on every built page, in the light and the dark scheme.

The site is served the way GitHub Pages serves it (gzip, under its site_url path; see
tools/serve_gzip.py) and each page is loaded in a fresh Chromium context, once per colour scheme
(the `desktop_load` fixture, whose load the reading-comfort and Key points checks share). On
every load:

- axe-core (the npm-pinned version in package-lock.json), WCAG 2.0/2.1/2.2 A and AA rules plus
  best practice: no violations;
- no request to any host but the site's own; no console error, no uncaught exception.

Then the states a reader reaches by interaction (search dialog open, navigation drawer open on
a phone), the keyboard (skip link, every control reachable and visibly focused) and the lazy
search index (not fetched until search is opened, then search works).
Figures (Lighthouse scores, transfer sizes, build times) are in `make report`, not here.
"""

from __future__ import annotations

import functools
import json
import sys
from urllib.parse import urlsplit

import pytest

from sitekit import ROOT, SCHEMES, desktop_loads, desktop_probe, nav_pages, open_page, url_path

sys.path.insert(0, str(ROOT / "tools"))
from serve_gzip import site_pages  # noqa: E402

# Independent tests: pytest-xdist may run each on any worker (tests/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.spread]

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PHONE = {"width": 375, "height": 740}


@functools.cache
def read_axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(
            "node_modules/axe-core is missing: run `make test` (it runs `npm ci`) or `npm ci --ignore-scripts`.",
            pytrace=False,
        )
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def axe_source() -> str:
    return read_axe_source()


def run_axe(page, axe_source: str, context: str | None = None) -> list[dict]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source)
    return page.evaluate(
        """async ([tags, context]) => {
            const result = await axe.run(context ? document.querySelector(context) : document,
                                         {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(0, 2).join(' '))
            }));
        }""",
        [AXE_TAGS, context],
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"      at {node}" for node in v["nodes"])
    return "\n".join(lines)


def foreign(requested: list[str], base_url: str) -> list[str]:
    own = urlsplit(base_url).netloc
    return [u for u in requested if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != own]


def assert_clean(violations: list[dict], requested: list[str], errors: list[str], gz, label: str) -> None:
    """No axe-core violation, no request to another host, no error in the browser."""
    problems = []
    if violations:
        problems.append(f"axe-core violations on {label}:\n{describe(violations)}")
    elsewhere = foreign(requested, gz)
    if elsewhere:
        problems.append(f"requests to other hosts from {label}: {elsewhere}")
    if errors:
        problems.append(f"errors in the browser on {label}: {errors}")
    assert not problems, "\n".join(problems)


def check_loaded_page(page, gz, axe_source, label: str) -> None:
    assert_clean(run_axe(page, axe_source), page.requested, page.problems, gz, label)


# --------------------------------------------------------------------------- every page


PAGES = sorted({url_path(md) for md in nav_pages()})


def test_every_built_page_is_gated(site):
    built = set(site_pages(site))
    assert built <= set(PAGES), f"built pages the browser gates do not visit (add them to the nav): {sorted(built - set(PAGES))}"


@desktop_probe("axe", last=True)
def axe_on_the_whole_page(page) -> list[dict]:
    return run_axe(page, read_axe_source())


@pytest.mark.parametrize("md, scheme", desktop_loads())
def test_page_passes_axe_with_no_foreign_requests_or_errors(desktop_load, gz, md, scheme):
    page_path = url_path(md)
    loaded = desktop_load(md, scheme)
    assert loaded.status == 200, f"{page_path or 'home'}: HTTP {loaded.status}"
    assert loaded.color_scheme == SCHEMES[scheme], "colour scheme not applied"
    assert_clean(loaded.probes["axe"], loaded.requested, loaded.problems, gz, f"/{page_path} ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_not_found_page_passes_axe(browser, gz, axe_source, scheme):
    context, page = open_page(browser, gz + "no-such-page/", scheme)
    try:
        assert page.status == 404, f"a missing page answered HTTP {page.status}, not 404"
        assert page.locator("article h1").count() == 1, "the 404 page is not the site's own"
        # Chrome logs the 404 status of the page itself as a console error; that one is expected.
        page.problems = [p for p in page.problems if not (p.startswith("console error: Failed to load resource") and p.endswith("/no-such-page/)"))]
        check_loaded_page(page, gz, axe_source, f"the 404 page ({scheme})")
    finally:
        context.close()


# --------------------------------------------------------------------------- interactive states


def search_for(page, words: str) -> None:
    """Open search from the keyboard, type ``words`` and wait for results (clear failure if none)."""
    page.keyboard.press("/")  # Material's search shortcut
    page.locator("input.md-search__input").fill(words)
    try:
        page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=15000)
    except Exception:  # noqa: BLE001 - turned into a readable failure
        meta = page.locator(".md-search-result__meta").inner_text()
        fetched = [u for u in page.requested if "search" in u]
        pytest.fail(f"no search results for {words!r}: the dialog says {meta!r}; search files fetched: {fetched}; "
                    f"browser errors: {page.problems}", pytrace=False)
    # The dialog fades in (CSS transition on opacity): axe would measure colours half-way.
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')", timeout=5000)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_open_search_dialog_with_results_passes_axe(browser, gz, axe_source, scheme):
    context, page = open_page(browser, gz, scheme)
    try:
        search_for(page, "cells")
        check_loaded_page(page, gz, axe_source, f"the search dialog with results ({scheme})")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_phone_layout_with_open_drawer_passes_axe(browser, gz, axe_source, scheme):
    context, page = open_page(browser, gz + "ra/disease/", scheme, viewport=PHONE, mobile=True)
    try:
        check_loaded_page(page, gz, axe_source, f"/ra/disease/ on a phone ({scheme})")
        page.locator("label.md-header__button[for='__drawer']").click()
        page.locator(".md-nav--primary").first.wait_for(state="visible")
        page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')", timeout=5000)  # it slides in
        check_loaded_page(page, gz, axe_source, f"the open navigation drawer on a phone ({scheme})")
    finally:
        context.close()


# --------------------------------------------------------------------------- lazy search index


def test_search_index_loads_only_when_search_is_opened(browser, gz):
    context, page = open_page(browser, gz + "ra/disease/")
    try:
        fetched = [u for u in page.requested if "search_index" in u or "/workers/search." in u]
        assert fetched == [], f"the search index or worker was downloaded on page load: {fetched}"
        page.locator("input.md-search__input").click()  # the search box in the header (desktop)
        page.locator("input.md-search__input").fill("arthritis")
        page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=15000)
        assert any("search/search_index.json" in u for u in page.requested), "search worked without its index?"
        assert page.problems == [], page.problems
    finally:
        context.close()


# --------------------------------------------------------------------------- keyboard

# A readable name for an element: its path (tag#id.classes, without the focus-visible
# polyfill's classes), its href, and the number TABBABLE gave it (data-kb), so that two
# look-alike controls (two citations of one source) stay apart.
KEY_JS = """el => { const path = [];
    for (let n = el; n && n.nodeType === 1 && path.length < 4; n = n.parentElement) {
        const cls = [...n.classList].filter(c => !c.includes('focus-visible'));
        path.unshift(n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') + (cls.length ? '.' + cls.join('.') : ''));
    }
    return (el.dataset.kb ? '#' + el.dataset.kb + ' ' : '') + path.join(' > ')
        + (el.getAttribute('href') ? ` [href=${el.getAttribute('href')}]` : ''); }"""

FOCUS_STATE = """() => { const KEY = KEY_JS;
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    // Links inside a citation's preview (Material's tooltip, built and removed by its script) are
    // reached after the citation while the preview fades: Material's behaviour, the same before
    // this site changed anything; the page's own controls are checked, not the theme's preview.
    if (el.closest('.md-tooltip2')) return null;
    const visibleBox = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && parseFloat(s.opacity) > 0; };
    const ring = e => { const s = getComputedStyle(e);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; };
    // A visually hidden radio or checkbox shows its focus on the label that follows it
    // (Material's palette toggle: ".md-option.focus-visible + label").
    const next = el.nextElementSibling;
    const label = next && next.tagName === 'LABEL' ? next
        : (el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null);
    const shown = visibleBox(el) ? el : (label && visibleBox(label) ? label : null);
    return {key: KEY(el), visible: !!shown, ring: !!shown && ring(shown)};
}"""

TABBABLE = """() => { const KEY = KEY_JS;
    const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
    const out = [];
    for (const el of document.querySelectorAll(sel)) {
        if (el.disabled || el.tabIndex < 0 || el.closest('[inert], [hidden], [aria-hidden=true]')) continue;
        const r = el.getBoundingClientRect(), s = getComputedStyle(el);
        if (r.width === 0 || r.height === 0 || s.visibility === 'hidden' || s.display === 'none') continue;
        if (el.closest('.md-search__output, .md-search__options')) continue;  // parts of the closed search dialog
        const shut = el.closest('details:not([open])');
        if (shut && !(el.tagName === 'SUMMARY' && el.parentElement === shut)) continue;  // inside a closed <details>
        let hidden = false;
        for (let n = el; n; n = n.parentElement) { const ps = getComputedStyle(n);
            if (ps.display === 'none' || ps.visibility === 'hidden' || parseFloat(ps.opacity) === 0) { hidden = true; break; } }
        if (hidden) continue;
        el.dataset.kb = String(out.length + 1);
        out.push(KEY(el));
    }
    return out;
}"""


FOCUS_STATE = FOCUS_STATE.replace("KEY_JS", KEY_JS)
TABBABLE = TABBABLE.replace("KEY_JS", KEY_JS)


def tab_through(page, limit: int) -> list[dict]:
    """Press Tab until focus comes back to the first control (or ``limit`` presses); the focus states seen."""
    seen: list[dict] = []
    keys: set[str] = set()
    first = None
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None:
            continue
        if not (state["visible"] and state["ring"]):
            try:  # Material fades some controls in (skip link: 175 ms): wait for it, no longer
                page.wait_for_function(f"(() => {{ const s = ({FOCUS_STATE})(); return s && s.visible && s.ring; }})()", timeout=400)
            except Exception:  # noqa: BLE001 - still not visibly focused: reported below
                pass
            state = page.evaluate(FOCUS_STATE) or state
        if state["key"] == first:
            break
        first = first or state["key"]
        if state["key"] not in keys:
            keys.add(state["key"])
            seen.append(state)
    return seen


def test_skip_link_is_first_visible_and_moves_focus_to_content(browser, gz):
    context, page = open_page(browser, gz + "ra/disease/")
    try:
        page.keyboard.press("Tab")
        page.wait_for_function("getComputedStyle(document.activeElement).opacity === '1'", timeout=2000)  # it fades in
        skip = page.evaluate("""() => { const el = document.activeElement; const r = el.getBoundingClientRect();
            return {cls: el.className, href: el.getAttribute('href'), opacity: getComputedStyle(el).opacity,
                    inView: r.top >= 0 && r.bottom <= innerHeight && r.width > 0}; }""")
        assert "md-skip" in skip["cls"], f"the first Tab stop is not the skip link: {skip}"
        assert float(skip["opacity"]) == 1 and skip["inView"], f"the skip link is not visible on focus: {skip}"
        page.keyboard.press("Enter")
        page.wait_for_function(f"location.hash === {json.dumps(skip['href'][skip['href'].index('#'):])}")
        page.keyboard.press("Tab")
        inside = page.evaluate("!!document.activeElement.closest('article')")
        assert inside, "after the skip link, the next Tab stop is not in the page's content"
    finally:
        context.close()


@pytest.mark.parametrize("page_path", ["", "ra/disease/", "evidence/studies/"])
def test_every_control_is_reachable_by_keyboard_and_visibly_focused(browser, gz, page_path):
    context, page = open_page(browser, gz + page_path)
    try:
        expected = page.evaluate(TABBABLE)
        seen = tab_through(page, limit=2 * len(expected) + 50)
        reached = {s["key"] for s in seen}
        missing = [k for k in expected if k not in reached]
        assert not missing, f"/{page_path}: controls the keyboard never reaches: {missing[:10]}"
        unseen = [s["key"] for s in seen if not (s["visible"] and s["ring"])]
        assert not unseen, f"/{page_path}: controls with no visible focus indicator: {unseen[:10]}"
    finally:
        context.close()
