"""hooks/evidence_citations_compat.py (temporary: delete this file with the hook) writes the
citing evidence blocks into the page's Markdown for today's citation hooks. What it writes must
render to the same HTML as the blocks themselves, so that the site does not change when the
citation extension replaces it."""

from __future__ import annotations

import importlib.util

import markdown
import pytest
from bs4 import BeautifulSoup

from sitekit import ROOT
from ucmsc import context, data, evidence

spec = importlib.util.spec_from_file_location("evidence_citations_compat", ROOT / "hooks/evidence_citations_compat.py")
compat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat)

EXTENSIONS = ["ucmsc.evidence", "attr_list", "md_in_html", "abbr"]


def _normal(text: str) -> list[str]:
    """Every element with its sorted attributes and its text, whitespace collapsed."""
    out = []
    for node in BeautifulSoup(text, "lxml").body.descendants:
        if getattr(node, "name", None):
            out.append(f"<{node.name} {sorted((k, str(v)) for k, v in node.attrs.items())}>")
        elif str(node).strip():
            out.append(" ".join(str(node).split()))
    return out


@pytest.mark.parametrize("name", sorted(compat.BUILDERS))
@pytest.mark.parametrize("page", ["evidence/studies.md", "evidence/summary.md", "index.md"])
def test_the_compatibility_path_renders_what_the_block_renders(name, page):
    context.set_project_root(ROOT)
    with context.rendering(f"docs/{page}"):
        block = markdown.markdown(f"/// {name}\n///\n", extensions=EXTENSIONS)
    written = compat.markdown_html(compat.BUILDERS[name](data.load(), page))
    if name == "evidence-table":
        written += "\n\n" + evidence.script_html((ROOT / evidence.SCRIPT).read_text(encoding="utf-8"))
    expanded = markdown.markdown(f"\n{written}\n", extensions=EXTENSIONS)
    assert "[@" in block  # the citations are there for a citation extension
    assert _normal(expanded) == _normal(block)
