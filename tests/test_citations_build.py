"""Citations in a built site: the fixture site (tests/fixtures/citations_site) and edited copies of
it, built by MkDocs with the ucmsc.citations extension. What only a build shows: pages numbered on
their own, the site-wide list and its links, the search index, and messages naming the files as
editors see them (the page with its front matter, the snippet, references.bib). Every rule of the
citation syntax, Markdown to HTML: tests/test_citations_markdown.py."""

from __future__ import annotations

import json
import re

import pytest

from citation_fixture import build_errors, build_fixture
from sitekit import soup

GROUP_TEXT = re.compile(r"^\d+(\([^)]+\))?([,–]\d+(\([^)]+\))?)*$")


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    return build_fixture(tmp_path_factory.mktemp("citations"))


@pytest.fixture(scope="module")
def home(fixture_site):
    return soup(fixture_site / "index.html").select_one("article")


def visible_text(tag) -> str:
    """Text without elements marked hidden (the numbers inside a range "1–3")."""
    return "".join(
        s for s in tag.find_all(string=True) if not any(p.has_attr("hidden") for p in s.parents if p is not tag)
    )


def groups(article):
    return [visible_text(sup).replace("\u2060", "") for sup in article.select("sup.citation")]


# ----------------------------------------------------------------------------- rendering


def test_numbers_follow_first_use_and_groups_are_readable(home):
    assert groups(home) == [
        "1",  # first citation on the page
        "1,2",  # two works, comma
        "1–3",  # three consecutive numbers, a range
        "4,5",  # two adjacent blocks [@a][@b] join
        "2(p12)",  # locator "p. 12"
        "3(table 2)",  # locator "table 2"
        "4,6",  # a block wrapped over two lines
        "6",  # admonition
        "5",  # tab
        "4",  # table cell
    ]
    for text in groups(home):
        assert GROUP_TEXT.match(text), text


def test_second_page_numbers_restart_and_show_page_ranges(fixture_site):
    article = soup(fixture_site / "sub" / "second" / "index.html").select_one("article")
    assert groups(article) == ["1", "2(pp2205–2207)"]
    assert "Shared snippet text without citations." in article.get_text()  # snippets without citations are fine


def test_every_work_in_a_range_keeps_its_link(home):
    range_group = home.select("sup.citation")[2]
    assert [a["href"] for a in range_group.select("a.footnote-ref")] == [
        "#fn:mcinnes2011pathogenesis",
        "#fn:noel2009accents",
        "#fn:evil2020script",
    ]
    assert [a.has_attr("hidden") for a in range_group.select("a.footnote-ref")] == [False, True, False]


def test_citation_links_keep_the_footnote_interface(home):
    links = home.select("sup.citation a.footnote-ref")
    assert links, "no citation links"
    listed = {li["id"] for li in home.select(".footnote li[id]")}
    for a in links:
        assert re.fullmatch(r"#fn:[a-z]+[0-9]{4}[a-z0-9]+", a["href"]), a["href"]
        assert a["href"][1:] in listed
    # the number shown is the position in the References list
    order = [li["id"] for li in home.select(".footnote ol > li")]
    for a in links:
        assert int(a.get_text()) == order.index(a["href"][1:]) + 1


def test_every_back_link_has_a_target(home):
    ids = {tag["id"] for tag in home.select("[id]")}
    for back in home.select("a.footnote-backref"):
        assert back["href"][1:] in ids, back["href"]


def test_references_heading_is_a_visible_h2(home):
    heading = home.select_one("h2#references")
    assert heading is not None and heading.get_text(strip=True).startswith("References")
    assert heading.find_next_sibling("div", class_="footnote") is not None


def test_reference_fields_and_links(home):
    text = home.select_one("#fn\\:mcinnes2011pathogenesis").get_text(" ", strip=True)
    assert text.startswith("McInnes IB, Schett G. The Pathogenesis of Rheumatoid Arthritis. N Engl J Med . 2011;365(23):2205-2219.")
    doi = home.select_one("#fn\\:mcinnes2011pathogenesis a[href^='https://doi.org/']")
    assert doi["href"] == "https://doi.org/10.1056/NEJMra1004965"
    assert home.select_one("#fn\\:noel2009accents a")["href"] == "https://pubmed.ncbi.nlm.nih.gov/19568253/"
    pmc = home.select_one("#fn\\:many2019authors a[href*='pmc.ncbi']")
    assert pmc["href"] == "https://pmc.ncbi.nlm.nih.gov/articles/PMC6930836/"
    assert "One A, Two B, Three C, et al." in home.select_one("#fn\\:many2019authors").get_text()


def test_bib_note_never_reaches_readers(fixture_site):
    for path in fixture_site.rglob("*"):
        if path.suffix in (".html", ".json", ".xml"):
            assert "SECRET-VERIFICATION-NOTE" not in path.read_text(encoding="utf-8"), path


def test_bibliography_fields_are_escaped(home):
    assert home.find("script") is None
    item = home.select_one("#fn\\:evil2020script")
    assert "A title with <script>alert(1)</script> in it" in item.get_text()
    assert item.find("b") is None
    assert "J <b>Bold</b> Tests" in item.get_text()
    assert all(not attr.startswith("on") for a in item.find_all("a") for attr in a.attrs)


def test_latex_accents_render_as_unicode(home):
    text = home.select_one("#fn\\:noel2009accents").get_text()
    assert "Noël D, Öztürk A, Jorgensen C. Accented Öffentliche names." in text
    assert "\\" not in text and "{" not in text


def test_literal_text_is_left_alone(home):
    codes = [c.get_text() for c in home.find_all("code")]
    assert "[@mcinnes2011pathogenesis]" in codes
    block = home.select_one("pre").get_text()
    assert "@decorator" in block and '"[@mcinnes2011pathogenesis]"' in block
    paragraph = home.find(string=re.compile("Mail editor@example.org")).parent
    assert "[an address: a@b.example]" in paragraph.get_text()
    assert paragraph.select_one("a[href='mailto:editor@example.org']").get_text() == "write to editor@example.org"
    assert paragraph.select_one("a[href='https://example.org/@someone']") is not None
    assert "\ue010" not in str(home)


def test_citations_resolve_inside_admonitions_tabs_and_tables(home):
    assert home.select(".admonition sup.citation a.footnote-ref")
    assert home.select(".tabbed-block sup.citation a.footnote-ref")
    assert home.select("td sup.citation a.footnote-ref")


def test_no_raw_markup_in_any_page(fixture_site):
    for path in fixture_site.rglob("*.html"):
        article = soup(path).select_one("article")
        if article is None:
            continue
        for tag in article(["code", "pre"]):
            tag.decompose()
        text = article.get_text()
        assert not re.search(r"\[@|\[\^\w|\\bibliography|[\ue000-\ue0ff]", text), path


# ----------------------------------------------------------------------------- site-wide list


def test_site_list_has_every_cited_work_once_in_stable_order(fixture_site):
    page = soup(fixture_site / "references" / "index.html")
    items = page.select("ul.site-references > li")
    keys = [li["id"].removeprefix("ref-") for li in items]
    assert keys == [
        "evil2020script",
        "mcinnes2011pathogenesis",
        "noel2009accents",
        "many2019authors",  # "One A"
        "fda2021regenerative",  # "U.S. Food and Drug Administration"
        "wang2013umbilical",
    ]
    assert "<!-- citations:site-list -->" not in str(page)


def test_site_list_links_back_to_citing_sections(fixture_site):
    page = soup(fixture_site / "references" / "index.html")
    item = page.select_one("#ref-mcinnes2011pathogenesis")
    links = [(a.get_text(), a["href"]) for a in item.select(".cited-on a")]
    assert links == [
        ("Fixture home", "../"),  # pages are named by their own first heading
        ("Fixture home › Groups", "../#groups"),
        ("Second page › A section", "../sub/second/#a-section"),
    ]
    for a in page.select(".cited-on a"):
        target, _, anchor = a["href"].partition("#")
        html_file = (fixture_site / "references" / target / "index.html").resolve()
        assert html_file.is_file(), a["href"]
        if anchor:
            assert soup(html_file).find(id=anchor) is not None, a["href"]


def test_search_index_has_the_site_list_but_no_citation_numbers(fixture_site):
    index = json.loads((fixture_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = index["docs"]
    listing = " ".join(d["text"] for d in docs if d["location"].startswith("references/"))
    assert "McInnes IB, Schett G" in listing and "Noël D" in listing
    assert not [d["location"] for d in docs if d["location"].endswith("#references")]
    home_text = next(d["text"] for d in docs if d["location"] == "")
    assert "Plain paragraph with one citation." in home_text  # no number, no word joiner, no space
    groups_text = next(d["text"] for d in docs if d["location"] == "#groups")
    assert not re.search(r"\d", groups_text.replace("p. 12", "").replace("table 2", "")), groups_text


# ----------------------------------------------------------------------------- errors

UNKNOWN = {"docs/index.md": ("one citation [@mcinnes2011pathogenesis]", "one citation [@mcines2011pathogenesis]")}


def test_unknown_key_names_file_line_and_nearest_key(tmp_path):
    messages = build_errors(tmp_path, UNKNOWN)
    assert any(
        m.startswith(
            "docs/index.md:3: unknown citation key '@mcines2011pathogenesis': it is not in the bibliography. "
            "Did you mean @mcinnes2011pathogenesis"
        )
        and m.endswith("? Fix the key, or add the verified entry to refs.bib first.")
        for m in messages
    ), messages
    assert not [m for m in messages if "Traceback" in m]


def test_malformed_bib_names_file_and_line(tmp_path):
    messages = build_errors(tmp_path, {"refs.bib": ("  volume  = {365},", "  volume  = {365,")})
    assert any(
        m.startswith("refs.bib:") and "the bibliography is malformed in the entry 'mcinnes2011pathogenesis' (line 1)" in m
        for m in messages
    ), messages


def test_duplicate_key(tmp_path):
    messages = build_errors(tmp_path, {"refs.bib": ("@misc{fda2021regenerative,", "@misc{wang2013umbilical,")})
    assert any(
        m.startswith("refs.bib:58: duplicate key 'wang2013umbilical' (first defined on line 49)")
        or m.startswith("refs.bib:49: duplicate key 'wang2013umbilical' (first defined on line 41)")
        for m in messages
    ), messages


def test_entry_missing_required_fields(tmp_path):
    messages = build_errors(
        tmp_path, {"refs.bib": ("  journal = {Stem Cells Dev},\n  year    = {2013},\n  doi     = {10.1089/scd.2013.0023},\n", "")}
    )
    assert any(
        re.fullmatch(
            r"refs\.bib:\d+: entry 'wang2013umbilical' lacks year, journal, booktitle or publisher, doi, pmid or url\. "
            r"Add the missing fields from the source you verified\.",
            m,
        )
        for m in messages
    ), messages


def test_key_the_resolver_cannot_handle_in_the_bib(tmp_path):
    edits = {
        "refs.bib": ("@article{wang2013umbilical,", "@article{wang:2013umbilical,"),
        "docs/sub/second.md": ("[@wang2013umbilical]", "[@mcinnes2011pathogenesis]"),
    }
    messages = build_errors(tmp_path, edits)
    assert any(re.match(r"refs\.bib:\d+: the key 'wang:2013umbilical' contains ':'", m) for m in messages), messages


def test_key_style(tmp_path):
    edits = {"refs.bib": ("@article{wang2013umbilical,", "@article{Wang2013,")}
    edits["docs/index.md"] = ("[@wang2013umbilical]", "[@Wang2013]")
    messages = build_errors(tmp_path, edits)
    assert any(re.match(r"refs\.bib:\d+: the key 'Wang2013' does not follow the style firstauthorYEARword", m) for m in messages), messages


def test_entry_no_page_cites(tmp_path):
    extra = "\n@article{unused2022study,\n  author = {Nobody, N},\n  title = {Unused},\n  journal = {J},\n  year = {2022},\n  doi = {10.1/x}\n}\n"
    config_edits = {"refs.bib": ("@article{wang2013umbilical,", extra.strip() + "\n@article{wang2013umbilical,")}
    messages = build_errors(tmp_path, config_edits)
    assert (
        "refs.bib:49: entry 'unused2022study' is not cited on any page. "
        "Cite it with [@unused2022study] where it supports the text, or delete the entry."
    ) in messages


def test_citation_inside_a_snippet_is_reported_once_at_the_snippet(tmp_path):
    """Included by two pages: one message, at the snippet file and line the editor must open."""
    edits = {
        "includes/cited.md": "Snippet text\n\nmore [@wang2013umbilical].\n",
        "docs/sub/second.md": ("# Second page\n", '# Second page\n\n--8<-- "cited.md"\n'),
        "docs/index.md": ("# Fixture home\n", '# Fixture home\n\n--8<-- "cited.md"\n'),
    }
    messages = build_errors(tmp_path, edits)
    snippet = [m for m in messages if "the snippet contains" in m]
    assert snippet == [
        "includes/cited.md:3: the snippet contains the citation [@wang2013umbilical]. A snippet's text is "
        "shared by pages that number their references separately: cite in the page itself."
    ], messages


LITERAL_PAGE = """# Literal citations

Text [@wang2013umbilical].

    [@mcinnes2011pathogenesis] in an indented code block

!!! note

    In an admonition:

        [@noel2009accents] indented code inside it

<!-- [@unknown2020key] a note to editors -->

<div class="raw" title="[@unknown2021key]">
<p>raw HTML</p>
</div>
"""


def test_no_citation_in_indented_code_comments_or_raw_html(tmp_path):
    """Published as written (no [^key], no placeholder characters); unknown keys there are no error."""
    site = build_fixture(tmp_path, {"docs/sub/second.md": LITERAL_PAGE})
    html = (site / "sub" / "second" / "index.html").read_text(encoding="utf-8")
    page = soup(site / "sub" / "second" / "index.html")
    codes = [c.get_text() for c in page.select("article pre code")]
    assert "[@mcinnes2011pathogenesis] in an indented code block\n" in codes
    assert "[@noel2009accents] indented code inside it\n" in codes
    assert "<!-- [@unknown2020key] a note to editors -->" in html
    assert page.select_one("div.raw")["title"] == "[@unknown2021key]"
    assert not re.search("[\ue000-\uf8ff]|\\[\\^", html)
    assert [li["id"] for li in page.select(".footnote li")] == ["fn:wang2013umbilical"]


def test_citation_text_in_raw_html_is_not_resolved_and_the_guard_says_so(tmp_path):
    page = "# Raw\n\nText [@wang2013umbilical].\n\n<div>\n<p>See [@unknown2021key].</p>\n</div>\n"
    messages = build_errors(tmp_path, {"docs/sub/second.md": page})
    assert [m for m in messages if "unknown citation key" in m] == []
    assert "docs/sub/second.md:6: raw citation markup would reach readers: [@unknown2021key]. " in [
        m.split("Write")[0] for m in messages
    ], messages




def test_a_line_is_counted_in_the_file_with_its_front_matter(tmp_path):
    page = "---\ndescription: A page.\n---\n\n# Second page\n\nText [@wang2013umbilcal].\n"
    messages = build_errors(tmp_path, {"docs/sub/second.md": page})
    assert any(m.startswith("docs/sub/second.md:7: unknown citation key '@wang2013umbilcal'") for m in messages), messages


PANDOC_PAGE = """# Pandoc forms

Prefix and locator [see @wang2013umbilical, pp. 33-35 and *passim*]. Author suppressed
[-@mcinnes2011pathogenesis]. No comma [@noel2009accents p. 4].
"""


def test_pandoc_citation_forms_render_in_the_site(tmp_path):
    site = build_fixture(tmp_path, {"docs/sub/second.md": PANDOC_PAGE})
    article = soup(site / "sub" / "second" / "index.html").select_one("article")
    assert groups(article) == ["1(pp33–35 and passim)", "2", "3(p4)"]
    assert article.select_one(".citation-locator em").get_text() == "passim"
    assert article.select_one(".citation-prefix").get_text() == "see"
    text = article.get_text()
    assert "[" not in text.split("References")[0] and "*" not in text and "@" not in text
