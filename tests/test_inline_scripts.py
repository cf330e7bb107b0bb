"""The theme overrides' inline scripts: written readable in overrides/ (comments as Jinja comments
or JavaScript ones), minified for readers by the page minifier (hooks/html_minify.py, minify-html's
``minify_js``); no Jinja filter that only a hook provides. The browser tests (search, palette,
citation sheet, Material's mount) check that the minified scripts still work."""

from __future__ import annotations

import json
import sys

from bs4 import BeautifulSoup
from jinja2 import Environment, FileSystemLoader, nodes

from sitekit import ROOT

sys.path.insert(0, str(ROOT / "hooks"))
import html_minify  # noqa: E402

OVERRIDES = ROOT / "overrides"
# Filters MkDocs and Material give their templates (mkdocs.utils.templates, material's plugins are
# not involved): anything else would exist only because a hook registers it.
DOCUMENTED_FILTERS = {"url", "script_tag", "tojson", "d", "default", "e", "escape", "first", "replace", "length",
                      "lower", "upper", "trim", "join", "safe", "string", "int", "striptags", "title", "truncate",
                      "urlencode"}

PAGE = """<!doctype html><html><head>
<script type="application/ld+json">{"name": "A  title", "text": "a </x> b"}</script>
<script id="__config" type="application/json">{"base": "..",  "features": []}</script>
<script>
  (function () {
    // a note for editors
    var greeting = "hello // not a comment" /* why */
    window.greeting = greeting
  })()
</script>
</head><body><p>Text</p></body></html>"""


def test_minifier_shortens_inline_javascript_and_keeps_it_working():
    out = BeautifulSoup(html_minify.minify(PAGE), "lxml")
    script = [s.string for s in out.find_all("script") if not s.get("type")][0]
    # minify-html keeps a comment that stands before a statement (here "a note for editors"):
    # notes in the overrides' scripts are Jinja comments, which never reach the page
    assert "why" not in script
    assert "\n  " not in script
    assert "hello // not a comment" in script, "a string that looks like a comment was cut"
    assert "window.greeting" in script, "a global the page relies on was renamed"


def test_minifier_leaves_json_data_as_written():
    before = BeautifulSoup(PAGE, "lxml")
    after = BeautifulSoup(html_minify.minify(PAGE), "lxml")
    for kind in ("application/ld+json", "application/json"):
        assert json.loads(after.find("script", type=kind).string) == json.loads(before.find("script", type=kind).string)


def _filters_used(template: str) -> set[str]:
    env = Environment(loader=FileSystemLoader(str(OVERRIDES)))
    tree = env.parse(env.loader.get_source(env, template)[0])
    return {node.name for node in tree.find_all((nodes.Filter, nodes.FilterBlock)) if getattr(node, "name", None)}


def test_overrides_use_only_filters_mkdocs_and_jinja_provide():
    for path in sorted(OVERRIDES.rglob("*.html")):
        template = path.relative_to(OVERRIDES).as_posix()
        unknown = _filters_used(template) - DOCUMENTED_FILTERS
        assert not unknown, f"overrides/{template}: Jinja filter(s) {sorted(unknown)} are not MkDocs' or Jinja's"


def test_built_pages_carry_the_overrides_scripts_minified(site):
    doc = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "lxml")
    scripts = [s.string or "" for s in doc.find_all("script") if not s.get("type") and not s.get("src")]
    # the lazy search start (partials/search.html), the first-paint palette (main.html), the citation sheet
    ours = {
        "lazy search": [s for s in scripts if "NativeWorker" in s],
        "first-paint palette": [s for s in scripts if "querySelectorAll" in s and "data-md-color-media" in s],
        "citation sheet": [s for s in scripts if "citation-sheet" in s],
    }
    for name, found in ours.items():
        assert len(found) == 1, f"{name}: {len(found)} inline scripts found on the home page"
        assert "\n  " not in found[0], f"{name}: the script reaches readers unminified"
    for name in ("lazy search", "first-paint palette"):
        source = ours[name][0]
        assert "/*" not in source and "\n//" not in source, f"{name}: a comment reaches readers: {source[:300]}"
