"""The citations extension (src/ucmsc/citations.py), Markdown to HTML, no site build.

Each test renders a little Markdown with ``markdown.markdown(..., extensions=[...])`` against the
small bibliography below and compares the HTML with markup written by hand (the numbers, links
and reference texts come from the entries as written here), or the messages with the ones an
editor must see.
"""

from __future__ import annotations

import logging
import re
import textwrap

import markdown
import pytest
from bs4 import BeautifulSoup

from ucmsc import citations, context

BIB = r"""@article{smith2020trial,
  author  = {Smith, John Adam and Jones, Mary},
  title   = {A trial of cells},
  journal = {J Test},
  year    = {2020},
  volume  = {12},
  pages   = {100--110},
  doi     = {10.1000/xyz}
}

@misc{who2021report,
  author    = {{World Health Organization}},
  title     = {A report},
  publisher = {WHO Press},
  year      = {2021},
  url       = {https://example.org/report}
}

@article{brown2019study,
  author  = {Brown, Ann},
  title   = {A study},
  journal = {J Test},
  year    = {2019},
  pmid    = {123}
}

@article{zhang2018cohort,
  author  = {Zhang, Wei},
  title   = {A cohort},
  journal = {J Test},
  year    = {2018},
  doi     = {10.1/c}
}
"""
# The references as an editor reads them in the entries above (AMA style: no full stop after the last identifier)
SMITH = ('Smith JA, Jones M. A trial of cells. <i>J Test</i>. 2020;12:100-110. '
         'doi:<a href="https://doi.org/10.1000/xyz">10.1000/xyz</a>')
WHO = 'World Health Organization. A report. WHO Press. 2021. <a href="https://example.org/report">https://example.org/report</a>'
EXTENSIONS = ["abbr", "admonition", "attr_list", "footnotes", "md_in_html", "tables", "toc",
              "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.details"]
WJ = "\u2060"
RANGE = '<span class="citation-range">–</span>'


@pytest.fixture
def bib_file(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    return path


@pytest.fixture
def render(bib_file, caplog):
    """render(text) -> (html, messages); each call is a new build (messages once per build).

    A site built earlier in the same test process (MkDocs' hook) leaves its Markdown parser set for
    the site-wide scan; these tests render on their own, as a generator without the hook does."""
    context.set_markdown_factory(None)

    def run(text: str, page: str = "docs/p.md", source: str | None = None, bib=None, extensions=EXTENSIONS):
        context.new_build()
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="mkdocs.ucmsc"), context.rendering(page, source):
            html = markdown.markdown(
                textwrap.dedent(text),
                extensions=[*extensions, "ucmsc.citations"],
                extension_configs={"ucmsc.citations": {"bib_file": str(bib or bib_file)}},
            )
        return html, [r.getMessage() for r in caplog.records if r.name == "mkdocs.ucmsc"]

    return run


def body(html: str) -> str:
    """The page without its References list."""
    return html.split('\n<h2 data-search-exclude id="references">')[0]


def sup(*links: str) -> str:
    return f'<sup class="citation" data-search-exclude>{WJ}{"".join(links)}</sup>'


def ref(key: str, number: int, n: int = 1, hidden: bool = False) -> str:
    ident = f"fnref:{key}" if n == 1 else f"fnref{n}:{key}"
    return f'<a class="footnote-ref"{" hidden" if hidden else ""} href="#fn:{key}" id="{ident}">{number}</a>'


def groups(html: str) -> list[str]:
    """What readers see of each superscript: hidden numbers and the word joiner left out."""
    soup = BeautifulSoup(html, "html.parser")
    out = []
    for group in soup.select("sup.citation"):
        for hidden in group.select("[hidden]"):
            hidden.decompose()
        out.append(group.get_text().replace(WJ, ""))
    return out


# ----------------------------------------------------------------------------- rendering


def test_one_citation_gives_a_superscript_and_the_references_list(render):
    html, messages = render("Cells were given [@smith2020trial].\n")
    assert messages == []
    assert html == (
        f"<p>Cells were given{sup(ref('smith2020trial', 1))}.</p>\n"
        '<h2 data-search-exclude id="references">References</h2>\n'
        '<div class="footnote">\n<hr />\n<ol>\n'
        f'<li id="fn:smith2020trial">\n<p>{SMITH}\u00a0'
        '<a class="footnote-backref" href="#fnref:smith2020trial" title="Jump back to footnote 1 in the text">\u21a9</a></p>\n'
        "</li>\n</ol>\n</div>"
    )


def test_two_works_are_one_superscript_with_a_comma(render):
    html, _ = render("Text [@smith2020trial; @who2021report].\n")
    assert body(html) == f"<p>Text{sup(ref('smith2020trial', 1), ',', ref('who2021report', 2))}.</p>"


def test_three_numbers_in_a_row_are_a_range_that_keeps_every_link(render):
    html, _ = render("Text [@brown2019study; @smith2020trial; @who2021report].\n")
    assert body(html) == (
        f"<p>Text{sup(ref('brown2019study', 1), ref('smith2020trial', 2, hidden=True), RANGE, ref('who2021report', 3))}.</p>"
    )
    assert groups(html) == ["1–3"]


def test_numbers_follow_first_use_and_a_group_is_sorted(render):
    html, _ = render("A [@who2021report]. B [@smith2020trial; @who2021report]. C [@who2021report].\n")
    assert groups(html) == ["1", "1,2", "1"]
    list_ids = re.findall(r'<li id="fn:(\w+)">', html)
    assert list_ids == ["who2021report", "smith2020trial"]
    # every use has its own back-link target, numbered in the order of the text
    assert 'href="#fnref3:who2021report"' in html and 'id="fnref3:who2021report"' in html


def test_adjacent_citations_join_into_one_superscript(render):
    html, _ = render("Text [@smith2020trial][@who2021report] and [@brown2019study] [@zhang2018cohort].\n")
    assert groups(html) == ["1,2", "3,4"]


def test_the_superscript_is_attached_to_the_word_before_it(render):
    """No breakable space before a superscript (a line never starts with one): the space or the
    line break before the citation goes, and the superscript starts with WORD JOINER."""
    html, _ = render("A sentence that wraps\n[@smith2020trial] here.\n")
    assert body(html) == f"<p>A sentence that wraps{sup(ref('smith2020trial', 1))} here.</p>"


def test_a_citation_may_wrap_onto_the_next_line(render):
    html, messages = render("Text [@smith2020trial;\n@who2021report].\n")
    assert messages == [] and groups(html) == ["1,2"]


@pytest.mark.parametrize(
    ("citation", "shown"),
    [
        ("[@smith2020trial, p. 12]", "1(p12)"),
        ("[@smith2020trial, p12]", "1(p12)"),
        ("[@smith2020trial, pp. 12-14]", "1(pp12–14)"),
        ("[@smith2020trial, page 7]", "1(p7)"),
        ("[@smith2020trial, 33]", "1(p33)"),  # pandoc: a number alone is a page
        ("[@smith2020trial p. 33]", "1(p33)"),  # pandoc: the comma is optional
        ("[@smith2020trial, table 2]", "1(table 2)"),
        ("[@smith2020trial, fig.  3]", "1(fig. 3)"),
        ("[@smith2020trial, chap. 4]", "1(chap. 4)"),
        ("[@smith2020trial, pp. 33, 35-37, and nowhere else]", "1(pp33, 35–37, and nowhere else)"),
    ],
)
def test_locators(render, citation, shown):
    html, messages = render(f"Text {citation}.\n")
    assert messages == [] and groups(html) == [shown]
    assert f'<span class="citation-locator">{shown[shown.index("("):]}</span>' in html


def test_emphasis_in_a_locator_is_rendered_not_printed(render):
    html, messages = render("Text [@smith2020trial, pp. 33-35 and *passim*].\n")
    assert messages == []
    assert '<span class="citation-locator">(pp33–35 and <em>passim</em>)</span>' in html
    assert "*" not in html


def test_a_locator_breaks_a_range_and_a_repeat_shows_once(render):
    html, _ = render("Text [@brown2019study; @smith2020trial, table 2; @who2021report]. "
                     "Again [@brown2019study; @brown2019study].\n")
    assert groups(html) == ["1,2(table 2),3", "1"]
    assert '<span id="fnref3:brown2019study"></span>' in html  # the repeat keeps its back-link target


def test_prefix_is_text_before_the_superscript(render):
    """pandoc's prefix ("see"): plain text before the number, with the locator in the superscript."""
    html, messages = render("As shown [see @smith2020trial, pp. 33-35].\n")
    assert messages == []
    locator = '<span class="citation-locator">(pp33–35)</span>'
    assert body(html) == (
        f'<p>As shown <span class="citation-prefix">see</span>{sup(ref("smith2020trial", 1), locator)}.</p>'
    )


def test_prefixes_on_several_items(render):
    html, _ = render("Text [see @smith2020trial; also @who2021report].\n")
    assert BeautifulSoup(body(html), "html.parser").get_text().replace(WJ, "") == "Text see1 also2."
    assert groups(html) == ["1", "2"]


def test_author_suppression_is_a_plain_number(render):
    """[-@key]: a numbered style shows no author, so there is nothing to suppress."""
    html, messages = render("Smith and Jones found it [-@smith2020trial].\n")
    assert messages == []
    assert body(html) == f"<p>Smith and Jones found it{sup(ref('smith2020trial', 1))}.</p>"


def test_a_key_in_braces(render):
    html, messages = render("Text [@{smith2020trial}, p. 3].\n")
    assert messages == [] and groups(html) == ["1(p3)"]


def test_citations_in_containers(render):
    text = """\
    !!! note

        In an admonition [@smith2020trial].

    === "Tab"

        In a tab [@who2021report].

    | Study | Source |
    | --- | --- |
    | A trial | [@brown2019study] |

    <div markdown="1">

    In Markdown inside HTML [@zhang2018cohort].

    </div>
    """
    html, messages = render(text)
    soup = BeautifulSoup(html, "html.parser")
    assert messages == []
    assert soup.select(".admonition sup.citation") and soup.select(".tabbed-set sup.citation")
    assert soup.select("td sup.citation") and soup.select("div sup.citation")
    assert groups(html) == ["1", "2", "3", "4"]


# ----------------------------------------------------------------------------- literal text


@pytest.mark.parametrize(
    "text",
    [
        "Inline `[@smith2020trial]` code.\n",
        "```\n[@smith2020trial]\n```\n",
        "Para.\n\n    [@smith2020trial] in an indented code block\n",
        "!!! note\n\n    Text.\n\n        [@smith2020trial] code inside an admonition\n",
        "<!-- [@smith2020trial] and [@unknown2020key] in a comment -->\n",
        'Text <span title="[@unknown2020key]">x</span>.\n',
        "Mail editor@example.org or [write](mailto:editor@example.org), [the profile](https://example.org/@someone) "
        "and [an address: a@b.example].\n",
        "A decorator:\n\n```python\n@decorator\ndef f():\n    return '[@smith2020trial]'\n```\n",
    ],
)
def test_literal_text_is_left_alone(render, text):
    html, messages = render(text)
    assert messages == [] and "sup" not in html and "References" not in html
    for literal in re.findall(r"\[@\w+\]", text):
        assert literal in html


def test_at_signs_stay_literal(render):
    html, _ = render("Mail editor@example.org and [an address: a@b.example].\n")
    assert html == "<p>Mail editor@example.org and [an address: a@b.example].</p>"


# ----------------------------------------------------------------------------- messages


def test_unknown_key_names_the_line_and_the_nearest_key(render, bib_file):
    _, messages = render("Intro\n\nText [@smith2020trail].\n")
    assert messages == [
        "docs/p.md:3: unknown citation key '@smith2020trail': it is not in the bibliography. "
        f"Did you mean @smith2020trial? Fix the key, or add the verified entry to {context.shown(bib_file)} first."
    ]


def test_the_line_is_counted_in_the_file_with_its_front_matter(render):
    source = "---\ndescription: x\n---\n\n# T\n\nText [@smith2020trail].\n"
    _, messages = render("# T\n\nText [@smith2020trail].\n", source=source)
    assert messages[0].startswith("docs/p.md:7: unknown citation key '@smith2020trail'")


def test_the_same_citation_twice_is_reported_at_each_line(render):
    _, messages = render("A [@nobody2020x].\n\nB [@nobody2020x].\n")
    assert [m.split(":", 2)[1] for m in messages] == ["1", "3"]


def test_key_in_the_wrong_letter_case_names_the_right_key(render):
    html, messages = render("Text [@Smith2020Trial].\n")
    assert messages == [
        "docs/p.md:1: the citation key '@Smith2020Trial' differs in letter case from the bibliography key "
        "'smith2020trial'. Write [@smith2020trial]."
    ]
    assert "sup" not in html


def test_key_with_characters_a_key_may_not_have(render):
    _, messages = render("Text [@smith:2020trial].\n")
    assert len(messages) == 1
    assert messages[0].startswith("docs/p.md:1: cannot resolve [@smith:2020trial]: the key 'smith:2020trial' contains ':'")


def test_unreadable_citation(render):
    _, messages = render("Text [@smith2020trial; who2021report].\n")
    assert len(messages) == 1
    assert messages[0].startswith("docs/p.md:1: cannot read the citation '[@smith2020trial; who2021report]'")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## Heading [@smith2020trial]\n", "docs/p.md:1: citation in a heading. Move it into the text below the heading."),
        ("Text\n\n[a link [@smith2020trial]](https://example.org/)\n",
         "docs/p.md:3: citation in link text. Move it out of the link: [link text](url) [@key]."),
        ("As @smith2020trial showed.\n",
         "docs/p.md:1: '@smith2020trial' without brackets is pandoc's in-text form, which this site does not use. "
         "Write [@smith2020trial] after the words it supports."),
    ],
)
def test_citations_where_they_cannot_go(render, text, message):
    html, messages = render(text)
    assert messages == [message]
    assert "footnote-ref" not in html


def test_own_references_heading_is_refused(render):
    _, messages = render("Text [@smith2020trial].\n\n## References\n")
    assert messages == [
        "docs/p.md:3: the heading 'References' is added automatically under every citing page. "
        "Remove this heading (or rename it)."
    ]


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("Text [^nowhere] here.\n", "[^nowhere]"),
        ("Text.\n\n<div>\n<p>See [@unknown2021key].</p>\n</div>\n", "[@unknown2021key]"),
    ],
)
def test_markup_that_would_reach_readers_raw_is_reported(render, text, raw):
    _, messages = render(text)
    assert len(messages) == 1 and f"raw citation markup would reach readers: {raw}." in messages[0]
    assert messages[0].startswith("docs/p.md:")


def test_a_malformed_bibliography_is_reported_once_without_a_traceback(render, tmp_path):
    bad = tmp_path / "bad.bib"
    bad.write_text(BIB.replace("  volume  = {12},", "  volume  = {12,"), encoding="utf-8")
    html, messages = render("A [@smith2020trial]. B [@who2021report].\n", bib=bad)
    assert len(messages) == 1
    assert re.match(rf"{re.escape(context.shown(bad))}:\d+: the bibliography is malformed in the entry 'smith2020trial'", messages[0])
    assert "Traceback" not in messages[0] and "[@" not in html


# ----------------------------------------------------------------------------- the site-wide list


def test_site_list_lists_each_work_once_with_cited_on_links(render, bib_file):
    pages = {
        "docs/index.md": ("Home", "# Welcome\n\nIntro [@who2021report].\n\n## Safety\n\nText [@smith2020trial; @who2021report].\n"),
        "docs/sub/page.md": (None, "# Sub page\n\n## A section\n\nMore [@zhang2018cohort] and [@smith2020trial].\n"),
        "docs/references.md": ("References", "# References\n\n/// site-references\n///\n"),
    }
    context.set_site_pages(lambda: [context.SitePage(p, t, lambda m=m: m) for p, (t, m) in pages.items()])
    try:
        html, messages = render(pages["docs/references.md"][1], page="docs/references.md")
    finally:
        context.set_site_pages(None)
    soup = BeautifulSoup(html, "html.parser")
    items = soup.select("ul.site-references > li")
    # sorted by first author (or organisation), then year
    assert [li["id"] for li in items] == ["ref-smith2020trial", "ref-who2021report", "ref-zhang2018cohort"]
    assert str(items[0].select_one("p.reference")) == f'<p class="reference">{SMITH}</p>'
    links = {li["id"]: [(a.get_text(), a["href"]) for a in li.select(".cited-on a")] for li in items}
    assert links == {
        "ref-smith2020trial": [("Home › Safety", "index.md#safety"), ("Sub page › A section", "sub/page.md#a-section")],
        "ref-who2021report": [("Home", "index.md"), ("Home › Safety", "index.md#safety")],
        "ref-zhang2018cohort": [("Sub page › A section", "sub/page.md#a-section")],
    }
    assert messages == [
        f"{context.shown(bib_file)}:{BIB.splitlines().index('@article{brown2019study,') + 1}: "
        "entry 'brown2019study' is not cited on any page. "
        "Cite it with [@brown2019study] where it supports the text, or delete the entry."
    ]


SPLIT_PAGES = {
    "docs/index.md": ("Home", "# Welcome\n\nIntro [@who2021report] [@smith2020trial] [@zhang2018cohort].\n"),
}


def _site_list(render, markdown_text):
    pages = {**SPLIT_PAGES, "docs/references.md": ("References", markdown_text)}
    context.set_site_pages(lambda: [context.SitePage(p, t, lambda m=m: m) for p, (t, m) in pages.items()])
    try:
        html, messages = render(markdown_text, page="docs/references.md")
    finally:
        context.set_site_pages(None)
    return [li["id"] for li in BeautifulSoup(html, "html.parser").select("ul.site-references > li")], messages


@pytest.mark.parametrize(
    ("authors", "expected"),
    [  # first authors in BIB: Smith, (World Health Organization), Zhang
        ("A-S", ["ref-smith2020trial"]),
        ("T-Z", ["ref-who2021report", "ref-zhang2018cohort"]),
        ("w - w", ["ref-who2021report"]),
        ("A-Z", ["ref-smith2020trial", "ref-who2021report", "ref-zhang2018cohort"]),
    ],
)
def test_site_list_split_by_the_first_authors_initial(render, authors, expected):
    ids, messages = _site_list(render, f"# References\n\n/// site-references\n    authors: {authors}\n///\n")
    assert ids == expected
    assert not [m for m in messages if "authors" in m]


@pytest.mark.parametrize("value", ["Smith", "5"])  # 5: a number to YAML, not text
def test_a_bad_letter_range_is_reported_at_its_line_and_the_list_shows_every_work(render, value):
    ids, messages = _site_list(render, f"# References\n\n/// site-references\n    authors: {value}\n///\n")
    assert ids == ["ref-smith2020trial", "ref-who2021report", "ref-zhang2018cohort"]
    assert [m for m in messages if "authors" in m] == [
        f"docs/references.md:4: the option 'authors: {value}' of /// site-references is not a range of two letters; "
        "write one such as 'authors: A-K'. The list shows every work."
    ]


def test_cited_keys_reads_the_rendered_references_list(render):
    html, _ = render("A [@who2021report]. B [@smith2020trial]. C [@who2021report].\n")
    assert citations.cited_keys(html) == ["who2021report", "smith2020trial"]
    assert citations.cited_keys("<p>No citations.</p>") == []


def test_a_bad_item_leaves_the_others_with_their_own_prefix_and_locator(render):
    html, messages = render("Text [@nobody2020x, p. 3; see @smith2020trial, p. 9].\n")
    assert len(messages) == 1 and "unknown citation key '@nobody2020x'" in messages[0]
    assert groups(html) == ["1(p9)"] and '<span class="citation-prefix">see</span>' in html


def test_a_prefix_at_the_start_of_a_paragraph(render):
    html, _ = render("[see @smith2020trial] first.\n")
    assert body(html) == f'<p><span class="citation-prefix">see</span>{sup(ref("smith2020trial", 1))} first.</p>'


def test_text_after_inline_code_is_still_checked(render):
    _, messages = render("Code `[^x]` then [^nowhere] here.\n")
    assert len(messages) == 1 and "raw citation markup would reach readers: [^nowhere]." in messages[0]
