"""hooks/html_minify.py: published pages are minified (minify-html) without changing what a
reader sees: text, <pre> blocks and closing tags are kept; `make serve` (MINIFY=false) skips it."""

from __future__ import annotations

import re
import sys

from bs4 import BeautifulSoup

from sitekit import ROOT, cached_soup

sys.path.insert(0, str(ROOT / "hooks"))
import html_minify  # noqa: E402

PAGE = """<!doctype html>
<html lang="en">
  <head>
    <!-- a comment for editors -->
    <title>T</title>
  </head>
  <body>
    <p class="lead">Two   words <a href="x/">and a link</a> .</p>
    <pre><code>line one
    indented line two</code></pre>
  </body>
</html>
"""


def test_minify_drops_comments_and_spacing_and_keeps_text_pre_and_closing_tags():
    out = html_minify.minify(PAGE)
    assert "comment for editors" not in out and "\n  <" not in out
    assert len(out) < len(PAGE)
    assert "line one\n    indented line two" in out, "a <pre> block lost its spacing"
    assert out.count("</p>") == 1 and "</body>" in out and "</html>" in out and "<head>" in out
    before, after = BeautifulSoup(PAGE, "lxml"), BeautifulSoup(out, "lxml")
    assert after.p.get_text().split() == before.p.get_text().split(), "the words of a paragraph changed"
    assert after.find("a")["href"] == "x/" and after.p["class"] == ["lead"]


def test_make_serve_skips_minification(monkeypatch):
    monkeypatch.setenv("MINIFY", "false")
    assert html_minify.on_post_page(PAGE, page=None, config=None) == PAGE
    monkeypatch.setenv("MINIFY", "true")
    assert html_minify.on_post_page(PAGE, page=None, config=None) != PAGE


def test_the_hook_and_the_serve_switch_are_configured():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^  - hooks/html_minify\.py", config, re.M)
    assert re.search(r"^serve:.*\n\t.*MINIFY=false", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)


def test_published_pages_are_minified(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 18
    for path in pages:
        text = path.read_text(encoding="utf-8")
        outside_scripts = re.sub(r"<(script|pre)\b.*?</\1>", "", text, flags=re.S)
        name = path.relative_to(site)
        assert "<!--" not in outside_scripts, f"{name}: an HTML comment reached readers"
        assert not re.search(r">\n\s+<", outside_scripts), f"{name}: indentation between tags was not removed"
        assert text.rstrip().endswith("</html>"), f"{name}: closing tags were dropped"
    soup = cached_soup(site / "index.html")
    assert soup.find("link", rel="canonical") and soup.find("h1")
