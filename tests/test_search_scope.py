"""src/ucmsc/search_scope.py, rendered with Python-Markdown alone: a table's body rows and a
figure's contents carry Material's data-search-exclude; captions and header lines do not."""

from __future__ import annotations

import markdown
from bs4 import BeautifulSoup

TABLE = """\
| Source | Used in RA studies |
| --- | --- |
| Bone marrow | Two trials |
| Cord blood | One trial |
"""

FIGURE = """\
<figure markdown="1">
![A diagram](diagram.svg)
<figcaption>Figure 1. What the diagram shows.</figcaption>
</figure>
"""


def render(text: str, *extensions: str) -> BeautifulSoup:
    return BeautifulSoup(markdown.markdown(text, extensions=["ucmsc.search_scope", *extensions]), "lxml")


def test_table_body_is_excluded_and_its_header_line_kept():
    doc = render(TABLE, "tables")
    assert doc.find("tbody").has_attr("data-search-exclude")
    assert not doc.find("thead").has_attr("data-search-exclude")
    assert not doc.find("table").has_attr("data-search-exclude")
    assert [td.get_text() for td in doc.find_all("td")] == ["Bone marrow", "Two trials", "Cord blood", "One trial"]


def test_table_without_tbody_keeps_its_first_row():
    html = '<table markdown="1"><tr><th>Head</th></tr><tr><td>Row one</td></tr><tr><td>Row two</td></tr></table>'
    rows = render(html, "md_in_html").find_all("tr")
    assert [r.has_attr("data-search-exclude") for r in rows] == [False, True, True]


def test_figure_keeps_its_caption_only():
    doc = render(FIGURE, "md_in_html")
    figure = doc.find("figure")
    children = [c for c in figure.children if getattr(c, "name", None)]
    assert {c.name: c.has_attr("data-search-exclude") for c in children} == {"p": True, "figcaption": False}
    assert figure.figcaption.get_text() == "Figure 1. What the diagram shows."


def test_text_without_tables_or_figures_is_untouched():
    text = "# Title\n\nA paragraph with *emphasis*.\n\n- a list\n"
    assert markdown.markdown(text, extensions=["ucmsc.search_scope"]) == markdown.markdown(text)
