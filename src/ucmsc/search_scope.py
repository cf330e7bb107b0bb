"""Search results short enough to scan: tables and figures are indexed by their caption and a line.

A Python-Markdown extension (``ucmsc.search_scope``). It gives Material's documented
``data-search-exclude`` attribute to the body rows of every table (``<tbody>``; without one, every
row but the first) and to everything in a ``<figure>`` but its ``<figcaption>``, so captions and
header rows stay searchable. Raw HTML never reaches the element tree (CONTRIBUTING.md, "Search").
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

ATTRIBUTE = "data-search-exclude"


class SearchScope(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for table in root.iter("table"):
            bodies = [child for child in table if child.tag == "tbody"]
            for part in bodies or [child for child in table if child.tag == "tr"][1:]:
                part.set(ATTRIBUTE, "")
        for figure in root.iter("figure"):
            for child in figure:
                if child.tag != "figcaption":
                    child.set(ATTRIBUTE, "")


class SearchScopeExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        # after the block parser (tables, md_in_html) built the tree; before prettify (10)
        md.treeprocessors.register(SearchScope(md), "ucmsc_search_scope", 15)


def makeExtension(**kwargs) -> SearchScopeExtension:  # noqa: N802 - Python-Markdown's entry point
    return SearchScopeExtension(**kwargs)
