"""evidence_citations_compat hook (MkDocs only, TEMPORARY): citations inside the evidence blocks
for today's citation hooks.

The evidence blocks (src/ucmsc/evidence.py) write ``[@key]`` into their cells as Markdown text.
Today's citations (hooks/citations.py with mkdocs-bibtex) are resolved in ``on_page_markdown``,
before Markdown runs, so they would never see those. Until the citation extension
(``ucmsc.citations``, whose inline processor sees every generated cell) replaces them, this hook
writes the three blocks that cite (``/// evidence-table``, ``/// summary-of-findings``,
``/// trials-table``) into the page's Markdown first, from the same builders, as HTML with
Markdown cells (``md_in_html``), followed by the table's script. ``/// evidence-map`` and the
``[=...]`` values cite nothing and stay with the extension.

Delete this file and its line in mkdocs.yml when hooks/citations.py goes.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

from mkdocs.plugins import event_priority

from ucmsc import context, data, evidence

BUILDERS = {
    "evidence-table": evidence.evidence_table,
    "summary-of-findings": evidence.summary_of_findings,
    "trials-table": evidence.trials_table,
}
# a block on its own, at the start of a line (as the pages write them)
BLOCK = re.compile(rf"^/// ({'|'.join(BUILDERS)})[ \t]*\n///[ \t]*$", re.MULTILINE)


def markdown_html(node: etree.Element) -> str:
    """An element tree of the builders as HTML whose leaf cells are Markdown (md_in_html)."""
    attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in node.attrib.items())
    if len(node):
        inner = "\n".join(markdown_html(child) for child in node)
        return f'<{node.tag}{attrs} markdown="1">\n{inner}\n</{node.tag}>'
    return f'<{node.tag}{attrs} markdown="span">{node.text or ""}</{node.tag}>'


@event_priority(100)  # before hooks/citations.py (50) and mkdocs-bibtex (0)
def on_page_markdown(markdown, page, config, files):
    if not BLOCK.search(markdown):
        return markdown
    try:
        ev = data.load()
    except data.DataError:
        return markdown  # the extension reports the problems, at the data files' lines
    here = page.file.src_uri
    script = [True]

    def expand(match: re.Match) -> str:
        text = "\n" + markdown_html(BUILDERS[match.group(1)](ev, here)) + "\n"
        if match.group(1) == "evidence-table" and script:
            script.clear()  # once per page
            source = context.resolve(evidence.SCRIPT).read_text(encoding="utf-8")
            text += "\n" + evidence.script_html(source) + "\n"
        return text

    return BLOCK.sub(expand, markdown)
