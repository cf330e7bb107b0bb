"""Issue 12, item 4: the reader's colour scheme from the first paint, on Material's own path.

A reader who never touched the palette toggle gets the scheme of prefers-color-scheme before
Material's bundle runs (overrides/main.html, block "header"); the test blocks the bundle's
request, so what it reads is what the browser paints before the bundle could run."""

from __future__ import annotations

import re

import pytest

from sitekit import wait_for_material

pytestmark = pytest.mark.browser

BUNDLE = re.compile(r"/assets/javascripts/bundle\.[0-9a-f]+\.min\.js$")


def _luminance(css_colour: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+(?:\.\d+)?", css_colour)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _without_bundle(browser, base_url, scheme, stored=None, **context):
    ctx = browser.new_context(color_scheme=scheme, **context)
    pg = ctx.new_page()
    blocked = []
    pg.route(BUNDLE, lambda route: (blocked.append(route.request.url), route.abort()))
    if stored is not None:
        # a choice made earlier with the toggle, as Material stores it ("<scope path>.__palette")
        # (the test server serves the site at "/", so the scope is "/")
        pg.add_init_script(f"localStorage.setItem('/.__palette', JSON.stringify({stored}))")
    pg.goto(base_url)
    state = pg.evaluate("""() => ({
        background: getComputedStyle(document.body).backgroundColor,
        scheme: document.body.dataset.mdColorScheme,
        mounted: typeof window.document$ === 'object',
    })""")
    ctx.close()
    assert blocked, "the test did not block Material's bundle: its file name changed?"
    assert not state["mounted"], "Material's bundle ran although its request was blocked"
    return state


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 740}, {"width": 1280, "height": 900}])
def test_dark_scheme_before_the_bundle_runs(browser, base_url, viewport):
    state = _without_bundle(browser, base_url, "dark", viewport=viewport)
    assert state["scheme"] == "slate", state
    assert _luminance(state["background"]) < 0.05, f"a dark-scheme reader sees a light page first: {state}"


def test_light_scheme_before_the_bundle_runs(browser, base_url):
    state = _without_bundle(browser, base_url, "light")
    assert state["scheme"] == "default", state
    assert _luminance(state["background"]) > 0.9, state


def test_a_choice_made_with_the_toggle_wins_over_the_system_scheme(browser, base_url):
    stored = '{"index": 0, "color": {"media": "(prefers-color-scheme: light)", "scheme": "default", "primary": "indigo", "accent": "indigo"}}'
    state = _without_bundle(browser, base_url, "dark", stored=stored)
    assert state["scheme"] == "default", f"the reader chose light, but the page starts dark: {state}"


def test_material_mounts_and_follows_the_system_scheme(browser, base_url):
    ctx = browser.new_context(color_scheme="dark")
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(base_url)
    wait_for_material(pg)
    assert pg.evaluate("document.body.dataset.mdColorMedia") == "(prefers-color-scheme: dark)"
    assert pg.evaluate("document.body.dataset.mdColorScheme") == "slate"
    assert not errors, errors
    ctx.close()


@pytest.mark.parametrize("path", ["", "references/"])
def test_the_page_paints_while_materials_bundle_is_still_loading(browser, base_url, path):
    """Material's bundle is loaded as Material writes it (a plain script, the last element of the
    body, overrides/main.html): the browser paints the page, down to its last paragraph, before
    the bundle has arrived. The bundle's request is held open while the test looks."""
    ctx = browser.new_context(viewport={"width": 375, "height": 740})
    pg = ctx.new_page()
    held = []
    pg.route(BUNDLE, lambda route: held.append(route))  # neither answered nor aborted: still loading
    pg.goto(base_url + path, wait_until="commit")
    pg.wait_for_function("performance.getEntriesByType('paint').some(e => e.name === 'first-contentful-paint')", timeout=10000)
    state = pg.evaluate("""() => {
        const paras = document.querySelectorAll('article p');
        const last = paras[paras.length - 1];
        return {
            h1: document.querySelector('article h1')?.textContent.trim(),
            lastParagraphHeight: last ? last.getBoundingClientRect().height : 0,
            mounted: typeof window.document$ === 'object',
        };
    }""")
    assert held, "the test did not hold Material's bundle: its file name changed?"
    assert not state["mounted"], "Material's bundle ran although its request was held"
    assert state["h1"], f"/{path}: nothing of the article painted before the bundle arrived: {state}"
    assert state["lastParagraphHeight"] > 0, f"/{path}: the article's end was not laid out before the bundle arrived: {state}"
    for route in held:
        route.abort()
    ctx.close()
