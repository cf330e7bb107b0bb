"""hooks/inline_scripts.py: the overrides' inline scripts reach readers without comments or
indentation, and still work (the browser tests search, switch palettes and load Material)."""

from __future__ import annotations

import re
import sys

from sitekit import ROOT

sys.path.insert(0, str(ROOT / "hooks"))
import inline_scripts  # noqa: E402


def test_minify_strips_comments_and_indentation_only():
    source = "(function () {\n  // a note\n  var a = 1 /* why */\n  return a + 'x // not a comment'\n})()\n"
    out = inline_scripts.minify(source)
    assert "a note" not in out and "why" not in out and "\n  " not in out
    assert "'x // not a comment'" in out and "var a=1" in out


def test_built_pages_inline_scripts_are_minified(site):
    page = (site / "index.html").read_text(encoding="utf-8")
    scripts = [s for s in re.findall(r"<script>(.*?)</script>", page, re.S) if len(s) > 400]
    # the lazy search loader and the citation sheet (overrides/)
    assert any("NativeWorker" in s for s in scripts) and any("citation-sheet" in s for s in scripts)
    for script in scripts:
        assert "/*" not in script and "\n  " not in script, script[:200]
