"""Unit tests of the citation helpers in hooks/citation_*.py (no build)."""

from __future__ import annotations

import re
import sys

import pytest

from sitekit import ROOT

sys.path.insert(0, str(ROOT / "hooks"))

import citation_bib as bib  # noqa: E402
import citation_html as chtml  # noqa: E402
import citation_markdown as cmd  # noqa: E402

BIB = r"""@article{smith2020trial,
  author  = {Smith, John Adam and {\"O}zt{\"u}rk, Ay{\c{s}}e},
  title   = {A {T}rial of <script>alert(1)</script> cells},
  journal = {J Test},
  year    = {2020},
  volume  = {12},
  number  = {3},
  pages   = {100--110},
  doi     = {10.1000/xyz},
  pmid    = {123},
  pmcid   = {PMC456},
  note    = {VERIFIED-AT-SECRET-PLACE}
}

@misc{who2021report,
  author    = {{World Health Organization}},
  title     = {A report},
  publisher = {WHO Press},
  year      = {2021},
  url       = {https://example.org/report}
}
"""


@pytest.fixture
def parsed():
    return bib.parse_bibliography(BIB, "refs.bib")


# ----------------------------------------------------------------------------- citation_bib


def test_entry_lines_gives_key_and_line():
    assert bib.entry_lines(BIB) == [("smith2020trial", 1), ("who2021report", 15)]


def test_entry_lines_skips_comments_and_strings():
    assert bib.entry_lines("@comment{x}\n@string{a = {b}}\n@book{k2000a,\n}") == [("k2000a", 3)]


def test_duplicate_keys_are_reported_with_both_lines():
    text = BIB + "\n@article{Smith2020trial,\n title={x}}\n"
    messages = bib.duplicate_key_messages(text, "refs.bib")
    assert messages == [
        "refs.bib:23: duplicate key 'Smith2020trial' (first defined on line 1). "
        "Delete one of the two entries or give this one a different key."
    ]
    with pytest.raises(bib.BibError, match="duplicate key"):
        bib.parse_bibliography(text, "refs.bib")


def test_malformed_bib_names_file_and_line():
    text = BIB.replace("  volume  = {12},", "  volume  = {12,")
    with pytest.raises(bib.BibError) as err:
        bib.parse_bibliography(text, "refs.bib")
    assert str(err.value).startswith("refs.bib:15: the bibliography is malformed in the entry 'smith2020trial' (line 1)")
    assert "braces" in str(err.value)


def test_parse_records_lines(parsed):
    assert parsed.where("who2021report") == "refs.bib:15"
    assert set(parsed.data.entries) == {"smith2020trial", "who2021report"}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("smith2020trial", None),
        ("anon2025autoimmune", None),
        ("smith.2020", "contains '.'"),
        ("smith:2020trial", "contains ':'"),
        ("Smith2020trial", "does not follow the style"),
        ("smith2020", "does not follow the style"),
        ("anonNDtsg6", "does not follow the style"),
    ],
)
def test_key_problem(key, expected):
    problem = bib.key_problem(key)
    if expected is None:
        assert problem is None
    else:
        assert expected in problem


def test_missing_fields_lists_every_required_field():
    from pybtex.database import Entry

    assert bib.missing_fields(Entry("article", fields={"note": "x"})) == [
        "author (or organization)",
        "title",
        "year",
        "journal, booktitle or publisher",
        "doi, pmid or url",
    ]


def test_complete_entries_have_no_problems(parsed):
    assert bib.entry_problems(parsed) == []


def test_entry_problems_name_file_and_line():
    parsed = bib.parse_bibliography(BIB.replace("  journal = {J Test},\n", ""), "refs.bib")
    assert bib.entry_problems(parsed) == [
        "refs.bib:1: entry 'smith2020trial' lacks journal, booktitle or publisher. "
        "Add the missing fields from the source you verified."
    ]


def test_nearest_keys():
    assert bib.nearest_keys("smith2020trail", ["smith2020trial", "who2021report"]) == ["smith2020trial"]
    assert bib.nearest_keys("zzzz", ["smith2020trial"]) == []


def test_latex_accents_become_unicode():
    assert bib.latex_to_text(r"No{\"e}l {\"O}zt{\"u}rk Ay{\c{s}}e") == "Noël Öztürk Ayşe"
    assert bib.latex_to_text(r"Noël R\&D \textit{in vivo} 50\%") == "Noël R&D in vivo 50%"


def test_reference_is_ama_like_escaped_and_without_note(parsed):
    text = bib.format_reference_html(parsed.data.entries["smith2020trial"])
    assert text.startswith("Smith JA, Öztürk A. A Trial of &lt;script&gt;alert(1)&lt;/script&gt; cells. ")
    assert "<i>J Test</i>. 2020;12(3):100-110." in text
    assert 'doi:<a href="https://doi.org/10.1000/xyz">10.1000/xyz</a>' in text
    assert 'PMID: <a href="https://pubmed.ncbi.nlm.nih.gov/123/">123</a>' in text
    assert 'PMCID: <a href="https://pmc.ncbi.nlm.nih.gov/articles/PMC456/">PMC456</a>' in text
    assert "<script" not in text
    assert "SECRET" not in text


def test_organisation_reference_shows_publisher_and_url(parsed):
    text = bib.format_reference_html(parsed.data.entries["who2021report"])
    assert text == (
        'World Health Organization. A report. WHO Press; 2021. '
        '<a href="https://example.org/report">https://example.org/report</a>.'
    )


def test_more_than_six_authors_become_three_et_al():
    text = bib.parse_bibliography(
        "@article{a2000b, author={A, A and B, B and C, C and D, D and E, E and F, F and G, G}, title={t}, journal={j}, year={2000}, doi={1}}",
        "x.bib",
    )
    assert bib.author_list(text.data.entries["a2000b"]) == "A A, B B, C C, et al"


def test_and_others_becomes_et_al():
    text = bib.parse_bibliography(
        "@article{a2000b, author={A, A and B, B and others}, title={t}, journal={j}, year={2000}, doi={1}}",
        "x.bib",
    )
    assert bib.author_list(text.data.entries["a2000b"]) == "A A, B B, et al"


def test_declared_missing_author_is_accepted_and_reference_starts_with_title():
    parsed = bib.parse_bibliography(
        "@article{anon2012case, missing={author}, title={A case series}, journal={J Test}, "
        "year={2012}, doi={10.1/x}, note={authors not shown on any stored copy}}",
        "x.bib",
    )
    entry = parsed.data.entries["anon2012case"]
    assert bib.missing_fields(entry) == []
    assert bib.format_reference_html(entry).startswith("A case series. <i>J Test</i>. 2012.")
    # only the author may be declared missing
    other = bib.parse_bibliography(
        "@article{anon2012case, missing={author, title}, journal={J Test}, year={2012}, doi={10.1/x}}", "x.bib"
    )
    assert bib.missing_fields(other.data.entries["anon2012case"]) == ["title"]


def test_sort_key_orders_by_first_author_then_year(parsed):
    entries = parsed.data.entries
    order = sorted(entries, key=lambda k: bib.sort_key(k, entries[k]))
    assert order == ["smith2020trial", "who2021report"]
    anonymous = bib.parse_bibliography(
        "@article{anon2000zebra, title={Zebra}, journal={j}, year={2000}}\n@article{anon2001apple, title={Apple}, journal={j}, year={2001}}\n"
        "@article{bee2000x, author={Bee, B}, title={x}, journal={j}, year={2000}}",
        "x.bib",
    ).data.entries
    assert sorted(anonymous, key=lambda k: bib.sort_key(k, anonymous[k])) == ["anon2001apple", "bee2000x", "anon2000zebra"]


# ----------------------------------------------------------------------------- citation_markdown


def rewrite(markdown, known=("smith2020trial", "who2021report")):
    return cmd.rewrite_citations(markdown, "docs/p.md", 4, known=set(known), suggest=lambda k: bib.nearest_keys(k, known))


def test_body_line_offset_counts_front_matter():
    assert cmd.body_line_offset("---\ndescription: x\n---\n\n# T\n") == 4
    assert cmd.body_line_offset("# T\n") == 0


def test_rewrite_normalises_blocks_and_adds_markers():
    text, found = rewrite("A [@smith2020trial, p. 3; @who2021report] b [@who2021report].")
    m0 = f"{cmd.MARK_OPEN}0{cmd.MARK_CLOSE}"
    m1 = f"{cmd.MARK_OPEN}1{cmd.MARK_CLOSE}"
    assert text == f"A [@smith2020trial; @who2021report]{m0} b [@who2021report]{m1}."
    assert found.blocks == [[cmd.Cite("smith2020trial", "p. 3"), cmd.Cite("who2021report")], [cmd.Cite("who2021report")]]
    assert found.keys == ["smith2020trial", "who2021report"] and found.problems == []


def test_rewrite_joins_a_block_wrapped_over_two_lines():
    text, found = rewrite("Text [@smith2020trial;\n  @who2021report].")
    assert text.startswith("Text [@smith2020trial; @who2021report]")
    assert len(found.blocks[0]) == 2


def test_adjacent_blocks_are_two_citations():
    _, found = rewrite("Text [@smith2020trial][@who2021report].")
    assert len(found.blocks) == 2


def test_unknown_key_names_line_and_suggests():
    text, found = rewrite("Intro\n\nText [@smith2020trail].")
    assert found.problems == [
        "docs/p.md:7: unknown citation key '@smith2020trail': it is not in the bibliography. "
        "Did you mean @smith2020trial? Fix the key, or add the verified entry to references.bib first."
    ]
    assert text == "Intro\n\nText ." and found.blocks == []  # the resolver never sees it; the build stops


def test_key_the_resolver_cannot_read():
    _, found = rewrite("Text [@smith:2020trial].")
    assert len(found.problems) == 1
    assert found.problems[0].startswith("docs/p.md:5: cannot resolve [@smith:2020trial]: the key 'smith:2020trial' contains ':'")


def test_bad_syntax_is_reported():
    _, found = rewrite("Text [@smith2020trial; who2021report].")
    assert found.problems[0].startswith("docs/p.md:5: cannot read the citation '[@smith2020trial; who2021report]'")


def test_citation_in_heading_is_reported():
    _, found = rewrite("## Heading [@smith2020trial]\n")
    assert found.problems == ["docs/p.md:5: citation in a heading. Move it into the text below the heading."]


def test_code_email_url_and_decorators_stay_literal():
    source = (
        "`[@smith2020trial]` and [mail a@b.org](mailto:a@b.org) [an address: c@d.org]\n\n"
        "```python\n@decorator\nx = '[@smith2020trial]'\n```\n\n"
        "[@handle](https://example.org/@handle) and\n\n[@ref]: https://example.org/\n"
    )
    text, found = rewrite(source)
    assert found.blocks == [] and found.problems == []
    # the resolver only ever sees "@" in citations it can resolve: none here
    assert "@" not in text.replace("mailto:a@b.org", "").replace("https://example.org/@handle", "")
    assert cmd.unmask(text) == source


def test_colon_after_citation_in_a_sentence_is_a_citation():
    text, found = rewrite("All criteria must be met [@smith2020trial]:\n\n- one\n")
    assert len(found.blocks) == 1 and text.startswith("All criteria must be met [@smith2020trial]")
    assert text.split(cmd.MARK_CLOSE, 1)[1].startswith(":")


@pytest.mark.parametrize(
    ("locator", "shown"),
    [("p. 12", "p12"), ("p12", "p12"), ("pp. 12-14", "pp12–14"), ("page 7", "p7"), ("table 2", "table 2"), ("fig.  3", "fig. 3")],
)
def test_format_locator(locator, shown):
    assert cmd.format_locator(locator) == shown


def test_snippet_names_line_and_block_forms():
    md = 'a\n--8<-- "one.md"\n;--8<-- "skipped.md"\n--8<--\ntwo.md:3:5\n;skipped\n--8<--\n'
    assert [name for name, _ in cmd.snippet_names(md)] == ["one.md", "two.md"]


def test_snippet_citation_problem_gives_the_citation_and_its_line():
    assert cmd.snippet_citation_problem("Intro\n\nText [@smith2020trial].") == ("[@smith2020trial]", 3)
    assert cmd.snippet_citation_problem("Code `[@smith2020trial]` only.") is None


def test_key_in_the_wrong_letter_case_names_the_right_key():
    text, found = rewrite("Text [@Smith2020Trial].")
    assert found.blocks == []
    assert found.problems == [
        "docs/p.md:5: the citation key '@Smith2020Trial' differs in letter case from the bibliography key "
        "'smith2020trial'. Write [@smith2020trial]."
    ]


@pytest.mark.parametrize(
    "source",
    [
        "Para.\n\n    [@smith2020trial] in an indented code block\n",
        "Para.\n\n\t[@smith2020trial] after a tab\n",
        "!!! note\n\n    Text.\n\n        [@smith2020trial] code inside an admonition\n",
        "- item\n\n        [@smith2020trial] code inside a list item\n",
        "<!-- [@smith2020trial] and [@unknown2020key] in a comment -->\n",
        "Text <!--\n[@unknown2020key]\n--> more.\n",
        '<div class="x">\n<p>[@smith2020trial]</p>\n\n<p>[@unknown2020key]</p>\n</div>\n',
        'Text <span title="[@smith2020trial]">x</span>.\n',
        "~~~\n[@smith2020trial]\n~~~\n",
    ],
)
def test_no_citation_where_markdown_renders_no_text(source):
    """Code (fenced, indented, also inside containers), HTML comments and raw HTML keep "[@key]"."""
    text, found = rewrite(source)
    assert found.blocks == [] and found.problems == []
    assert "@" not in text and cmd.unmask(text) == source


@pytest.mark.parametrize(
    "source",
    [
        "!!! note\n\n    Cited in an admonition [@smith2020trial].\n",
        "- item\n\n    A second paragraph of the item [@smith2020trial].\n",
        "- item\nlazy continuation\n\n    second paragraph [@smith2020trial].\n",
        '=== "Tab"\n\n    In a tab [@smith2020trial].\n',
        'Text.\n    Indented continuation of a paragraph [@smith2020trial].\n',
        '<div markdown="1">\n\nIn Markdown inside HTML [@smith2020trial].\n\n</div>\n',
        '<td markdown="span">Cell [@smith2020trial]</td>\n',
    ],
)
def test_citation_where_markdown_renders_text(source):
    _, found = rewrite(source)
    assert found.problems == [] and found.blocks == [[cmd.Cite("smith2020trial")]]


def test_messages_never_show_placeholder_characters():
    _, found = rewrite("Text [@smith2020trial; who] and `code @x`.")
    assert found.problems and all(not re.search("[\ue000-\uf8ff]", cmd.readable(p)) for p in found.problems)
    assert cmd.readable(f"a{cmd.AT_MASK}b{cmd.MARK_OPEN}0{cmd.MARK_CLOSE}") == "a@b0"


def test_references_heading_problem():
    assert "docs/p.md:7: the heading 'References' is added automatically" in cmd.references_heading_problem("x\n\n## References\n", "docs/p.md", 4)
    assert cmd.references_heading_problem("## Further reading\n", "docs/p.md", 4) is None


# ----------------------------------------------------------------------------- citation_html


def sup(key, num, ref="fnref"):
    return f'<sup id="{ref}:{key}"><a class="footnote-ref" href="#fn:{key}">{num}</a></sup>'


def marker(n):
    return f"{cmd.MARK_OPEN}{n}{cmd.MARK_CLOSE}"


def visible(html):
    """The text a reader sees: hidden links dropped, tags and the word joiner removed."""
    return chtml.TAG.sub("", re.sub(r"<a [^>]*\bhidden>.*?</a>", "", html)).replace(chtml.WORD_JOINER, "")


def test_group_two_numbers_with_comma():
    html = "x " + sup("a", 1) + sup("b", 2) + marker(0) + " y"
    out, groups = chtml.group_citations(html, [[cmd.Cite("a"), cmd.Cite("b")]])
    assert out == (
        'x<sup class="citation" data-search-exclude>\u2060<a id="fnref:a" class="footnote-ref" href="#fn:a">1</a>,'
        '<a id="fnref:b" class="footnote-ref" href="#fn:b">2</a></sup> y'
    )
    assert [i.key for i in groups[0][1]] == ["a", "b"] and groups[0][0] == 1


def test_group_is_joined_to_the_word_before_it():
    """No breakable space before a superscript (issue 12): the space or line break goes, WORD JOINER comes."""
    for before in ("word ", "word\n", "word  \n "):
        out, _ = chtml.group_citations(before + sup("a", 1) + marker(0), [[cmd.Cite("a")]])
        assert out.startswith('word<sup class="citation" data-search-exclude>\u2060<a '), out


def test_group_three_in_a_row_is_a_range_and_keeps_backlink_targets():
    html = sup("c", 3) + sup("a", 1) + sup("b", 2) + marker(0)
    out, _ = chtml.group_citations(html, [[cmd.Cite("c"), cmd.Cite("a"), cmd.Cite("b")]])
    assert visible(out) == "1–3"
    # the middle work keeps its link (hidden) and its back-link target
    assert '<a id="fnref:b" class="footnote-ref" href="#fn:b" hidden>2</a>' in out


def test_adjacent_blocks_join_and_locator_is_shown():
    html = sup("a", 1) + marker(0) + sup("b", 2) + marker(1)
    out, groups = chtml.group_citations(html, [[cmd.Cite("a")], [cmd.Cite("b", "p. 12")]])
    assert visible(out) == "1,2(p12)"
    assert len(groups) == 1


def test_locator_breaks_a_range():
    html = sup("a", 1) + sup("b", 2) + sup("c", 3) + marker(0)
    out, _ = chtml.group_citations(html, [[cmd.Cite("a"), cmd.Cite("b", "table 2"), cmd.Cite("c")]])
    assert visible(out) == "1,2(table 2),3"


def test_a_citation_the_resolver_dropped_is_reported():
    html = sup("a", 1) + marker(0)
    unresolved = []
    out, groups = chtml.group_citations(html, [[cmd.Cite("a"), cmd.Cite("b")]], unresolved)
    assert unresolved == ["b"] and [i.key for i in groups[0][1]] == ["a"]


def test_locator_is_escaped():
    out = chtml.group_markup([chtml.Item("a", 1, "fnref:a", "<b>")])
    assert "(&lt;b&gt;)" in out


def test_reference_text_is_replaced_and_at_signs_restored():
    back = '<a class="footnote-backref" href="#fnref:a" title="Jump back">&#8617;</a>'
    html = f'<li id="fn:a">\n<p>reference <script>x</script>&#160;{back}</p></li> x{cmd.AT_MASK}y'
    out, missing = chtml.replace_reference_text(html, ["a", "b"], lambda key: f"REF {key}")
    assert chtml.restore_at_signs(out) == f'<li id="fn:a">\n<p>REF a&#160;{back}</p></li> x@y'
    assert missing == ["b"]


def test_nearest_headings():
    html = '<h1 id="t">Title</h1><p>a</p><h2 id="s">Sec <a class="headerlink" href="#s">¶</a></h2><p>b</p>'
    assert chtml.nearest_headings(html, [0, html.index("<p>a"), html.index("<p>b")]) == [
        (0, "", ""),
        (1, "t", "Title"),
        (2, "s", "Sec"),
    ]


@pytest.mark.parametrize("raw", ["[@key]", "[^key]", r"\bibliography", r"\full_bibliography", cmd.MARK_OPEN + "0"])
def test_raw_markup_is_found_outside_code(raw):
    assert chtml.raw_markup(f"<p>text {raw} more</p>")
    assert chtml.raw_markup(f"<pre><code>{raw}</code></pre><p><code>{raw}</code></p>") == []


def test_site_list_markup_escapes_titles():
    out = chtml.site_list_markup([("a2000b", "REF", [chtml.CitedOn("Page › <Sec>", "../p/#s")])])
    assert '<li id="ref-a2000b"><p class="reference">REF</p>' in out
    assert '<a href="../p/#s">Page › &lt;Sec&gt;</a>' in out


def _bib_values() -> set[str]:
    """Every field value and name part of the real references.bib, read with pybtex itself."""
    from pybtex.database import parse_file

    values: set[str] = set()
    for entry in parse_file(str(ROOT / "references.bib")).entries.values():
        values.update(entry.fields.values())
        for people in entry.persons.values():
            for person in people:
                values.update(person.first_names + person.middle_names + person.prelast_names + person.last_names)
    return values


def test_text_that_skips_the_latex_decoder_is_what_the_decoder_would_return():
    """latex_to_text returns values without LaTeX characters as they are; pybtex's own decoder
    must agree on every such value in references.bib, and the others must still be decoded."""
    from pybtex.richtext import Text

    values = _bib_values()
    plain = [v for v in values if not bib.LATEX_SPECIAL.search(v)]
    assert len(plain) > 500, "the shortcut covers almost nothing: is LATEX_SPECIAL too wide?"
    for value in plain:
        assert Text.from_latex(value).render_as("text") == value, f"pybtex changes {value!r}"
        assert bib.latex_to_text(value) == value
    braced = [v for v in values if "{" in v]
    assert braced, "references.bib has no braced value to check the decoder with"
    for value in braced:
        assert "{" not in bib.latex_to_text(value), f"{value!r} was not decoded"
