"""Search results short enough to scan: tables and figures are indexed by their caption and a line.

A Python-Markdown extension (``ucmsc.search_scope`` in mkdocs.yml's ``markdown_extensions``).
Material's search plugin makes each heading's section one search result, with all its text; a
table or a figure would make that result a run-together copy of every cell or label. Material
documents one way to keep an element out of the index, the ``data-search-exclude`` attribute;
this extension sets it, on the element tree, on

* the body rows of every table (``<tbody>``; a table without one: every row but the first).
  Its caption and its header line stay in the index, so a search for a column's name or the
  table's subject still finds the section;
* everything in a ``<figure>`` but its ``<figcaption>``.

Tables and figures written as raw HTML (without ``markdown="1"``) never reach the element tree:
give them the attribute by hand (the SVG diagrams in includes/diagrams/ carry it on <svg>).
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

ATTRIBUTE = "data-search-exclude"


def exclude(element: etree.Element) -> None:
    element.set(ATTRIBUTE, "")


class SearchScope(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for table in root.iter("table"):
            bodies = [child for child in table if child.tag == "tbody"]
            if bodies:
                for body in bodies:
                    exclude(body)
            else:
                rows = [child for child in table if child.tag == "tr"]
                for row in rows[1:]:
                    exclude(row)
        for figure in root.iter("figure"):
            for child in figure:
                if child.tag != "figcaption":
                    exclude(child)


class SearchScopeExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        # after the block parser (tables, md_in_html) built the tree; before prettify (10)
        md.treeprocessors.register(SearchScope(md), "ucmsc_search_scope", 15)


def makeExtension(**kwargs) -> SearchScopeExtension:  # noqa: N802 - Python-Markdown's entry point
    return SearchScopeExtension(**kwargs)
