"""The glossary extension (src/ucmsc/glossary.py), rendered from Markdown to HTML: fast, no site build.

The expected terms and meanings are read here from includes/abbreviations.md with the test's own
expression, never with the extension; the list's order and plural folding are written out here.
"""

from __future__ import annotations

import html
import re

import markdown
import pytest
from bs4 import BeautifulSoup

from sitekit import ROOT
from ucmsc import context, glossary

SOURCE = ROOT / "includes" / "abbreviations.md"
MEANINGS = dict(re.findall(r"^\*\[([^\]]+)\]:\s*(.+?)\s*$", SOURCE.read_text(encoding="utf-8"), re.M))
EXTENSIONS = ["ucmsc.glossary", "toc", "attr_list", "md_in_html", "pymdownx.details"]


@pytest.fixture(autouse=True)
def project():
    """The real project folder, and every message reported afresh."""
    context.set_project_root(ROOT)
    context.new_build()
    yield
    context.set_project_root(ROOT)
    context.new_build()


def render(text: str, extensions=EXTENSIONS, configs=None) -> BeautifulSoup:
    return BeautifulSoup(markdown.markdown(text, extensions=extensions, extension_configs=configs or {}), "lxml")


def abbrs(page: BeautifulSoup) -> list[tuple[str, str | None, str | None]]:
    return [(a.get_text(), a.get("title"), a.get("tabindex")) for a in page.find_all("abbr")]


def project_with(tmp_path, text: str):
    (tmp_path / "includes").mkdir()
    (tmp_path / "includes" / "abbreviations.md").write_text(text, encoding="utf-8")
    context.set_project_root(tmp_path)


# the meanings on every page -----------------------------------------------------------------------

# terms of one word of capitals (the abbr extension matches whole words), none the start of another
WORDS = [t for t in MEANINGS if re.fullmatch(r"[A-Z]{2,}", t) and not any(o != t and o.startswith(t) for o in MEANINGS)]


def test_every_term_of_the_file_gets_its_meaning():
    terms = list(MEANINGS)
    page = render("\n\n".join(f"Here: {term}." for term in terms))
    assert abbrs(page) == [(term, MEANINGS[term], "0") for term in terms]


def test_first_use_only_and_focusable():
    a, b = WORDS[:2]
    page = render(f"{a} and {b}, then {a} again.\n\n## {b} once more\n\nAnd {a}.")
    assert abbrs(page) == [(a, MEANINGS[a], "0"), (b, MEANINGS[b], "0")]
    assert " ".join(page.get_text().split()) == f"{a} and {b}, then {a} again. {b} once more And {a}."
    # tabindex first, as the pages always had it (so the built pages stay byte for byte the same)
    assert f'<abbr tabindex="0" title="{html.escape(MEANINGS[a])}">{a}</abbr>' in str(page)


def test_the_first_use_outside_a_link_button_or_summary_is_kept():
    a, b, c = WORDS[:3]
    page = render(f'[{a} link](x.md) then {a}.\n\n??? note "{b} question"\n    {b} answer\n\n'
                  f'<button type="button">{c}</button> and <a href="y.md">raw {c}</a>, {c}.')
    assert abbrs(page) == [(a, MEANINGS[a], "0"), (b, MEANINGS[b], "0"), (c, MEANINGS[c], "0")]
    assert [x.get_text() for x in page.find_all("a")] == [f"{a} link", f"raw {c}"]
    assert not page.select("a abbr, summary abbr, button abbr")


def test_inline_html_links_and_buttons_count_as_interactive():
    a = WORDS[0]
    page = render(f'<a href="x.md">{a}</a>, <button type="button">{a}</button> and {a}<br> and [{a}](y.md).')
    assert abbrs(page) == [(a, MEANINGS[a], "0")]
    assert page.find("abbr").parent.name == "p"
    page = render(f'<a href="x.md">{a}</a>, then <button type="button">{a}</button>.')
    assert abbrs(page) == [(a, MEANINGS[a], None)] and page.find("abbr").parent.name == "a"


def test_a_term_used_only_inside_links_is_marked_once_and_not_focusable():
    a = WORDS[0]
    page = render(f"[{a}](x.md) and [more {a}](y.md).")
    assert abbrs(page) == [(a, MEANINGS[a], None)]
    assert page.find("a").find("abbr") is not None


def test_a_page_may_define_its_own_abbreviation():
    page = render("XYZQ is new.\n\n*[XYZQ]: A term of this page only")
    assert abbrs(page) == [("XYZQ", "A term of this page only", "0")]


def test_abbr_listed_before_gets_the_terms(messages):
    a = WORDS[0]
    page = render(f"{a} and {a}.", extensions=["abbr", "ucmsc.glossary"])
    assert abbrs(page) == [(a, MEANINGS[a], "0")]
    assert messages == []


def test_abbr_listed_after_is_reported(messages):
    render(f"{WORDS[0]}.", extensions=["ucmsc.glossary", "abbr"])
    assert len(messages) == 1 and messages[0].startswith("mkdocs.yml: the extension 'abbr' is listed after")


# the list: /// glossary ---------------------------------------------------------------------------


def natural(term: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", term.casefold())]


def test_the_block_lists_every_term_sorted_with_anchors_and_meanings():
    page = render("# Glossary\n\nIntro.\n\n/// glossary\n///\n")
    listing = page.select_one("div.glossary-list")
    headings = listing.find_all("h2")
    folded = [t for t in MEANINGS if not (t.endswith("s") and t[:-1] in MEANINGS)]  # "MSCs" under "MSC"
    assert [h.dfn.get_text() for h in headings] == sorted(folded, key=natural)
    assert all(h["class"] == ["glossary-term"] for h in headings)
    ids = [h["id"] for h in headings]
    assert len(set(ids)) == len(ids)
    seen = set()
    for h in headings:
        term = h.dfn.get_text()
        expected = "term-" + re.sub(r"[^0-9a-z]+", "-", term.lower()).strip("-")
        while expected in seen:  # "IFN-γ" after "IFN": a letter outside a-z is dropped, the anchor made unique
            expected += "-x"
        seen.add(expected)
        assert h["id"] == expected
        assert h.find_next_sibling().name == "p" and h.find_next_sibling().get_text() == MEANINGS[term]
    assert listing.find("abbr") is None  # raw HTML: the list's words are not marked
    assert [h.get_text() for h in page.find_all(["h1", "h2"]) if not h.find_parent(class_="glossary-list")] == ["Glossary"]


def test_the_list_escapes_and_folds_plurals_and_keeps_anchors_unique(tmp_path):
    project_with(tmp_path, "*[Wharton's jelly]: Cord <tissue> & more\n*[MSCs]: plural\n*[MSC]: cells\n"
                           "*[IL-17]: a\n*[IL-6]: b\n*[il 6]: c\n")
    out = markdown.markdown("/// glossary\n///", extensions=["ucmsc.glossary"])
    assert '<h2 id="term-wharton-s-jelly" class="glossary-term"><dfn>Wharton&#x27;s jelly</dfn></h2>' in out
    assert "<p>Cord &lt;tissue&gt; &amp; more</p>" in out
    page = BeautifulSoup(out, "lxml")
    # "il 6" sorts before "IL-6" (a space before a hyphen) and takes the anchor; the other one gets "-x"
    assert [(h["id"], h.get_text()) for h in page.find_all("h2")] == [
        ("term-il-6", "il 6"), ("term-il-6-x", "IL-6"), ("term-il-17", "IL-17"), ("term-msc", "MSC"),
        ("term-wharton-s-jelly", "Wharton's jelly")]


def test_the_list_stays_out_of_the_table_of_contents():
    md = markdown.Markdown(extensions=EXTENSIONS)
    md.convert("# Glossary\n\n/// glossary\n///\n")
    assert [t["name"] for t in md.toc_tokens] == ["Glossary"]


def test_text_inside_the_block_is_reported_with_its_line(messages):
    source = "# Glossary\n\n/// glossary\nSome words\n///\n"
    with context.rendering("docs/glossary.md", source):
        page = render(source)
    assert page.select_one("div.glossary-list") is not None and "Some words" not in page.get_text()
    assert messages == ["docs/glossary.md:3: the block /// glossary takes no content (it is drawn from the "
                        "glossary file); remove the text between its two /// lines."]


# mistakes in the file -----------------------------------------------------------------------------


def test_a_term_defined_twice_is_reported_with_file_and_line(tmp_path, messages):
    project_with(tmp_path, "*[RA]: Rheumatoid arthritis\n*[TNF]: Tumour necrosis factor\n*[RA]: Again\n")
    page = render("RA and TNF.")
    assert messages == ["includes/abbreviations.md:3: 'RA' is defined twice (first on line 1). "
                        "Keep one definition and delete the other."]
    assert abbrs(page) == [("RA", "Rheumatoid arthritis", "0"), ("TNF", "Tumour necrosis factor", "0")]


def test_a_line_that_is_not_a_definition_is_reported(tmp_path, messages):
    project_with(tmp_path, "*[RA]: Rheumatoid arthritis\n\nRA means rheumatoid arthritis\n*[TNF]:\n")
    page = render("RA.")
    assert messages == [
        "includes/abbreviations.md:3: 'RA means rheumatoid arthritis' is not a glossary definition. "
        "Write one term per line as '*[TERM]: Meaning'.",
        "includes/abbreviations.md:4: '*[TNF]:' is not a glossary definition. Write one term per line as "
        "'*[TERM]: Meaning'."]
    assert abbrs(page) == [("RA", "Rheumatoid arthritis", "0")]


def test_a_missing_file_is_reported_with_the_option_to_fix(tmp_path, messages):
    context.set_project_root(tmp_path)
    page = render("RA.\n\n/// glossary\n///", configs={"ucmsc.glossary": {"file": "includes/glossary.md"}})
    assert len(messages) == 1
    assert messages[0].startswith("includes/glossary.md: cannot read the glossary (")
    assert "'file:' option of ucmsc.glossary in mkdocs.yml" in messages[0]
    assert page.find("abbr") is None and page.select_one("div.glossary-list").find("h2") is None


def test_the_file_is_parsed_once_per_content(tmp_path):
    project_with(tmp_path, "*[RA]: Rheumatoid arthritis\n")
    before = glossary.parse.cache_info().misses
    for _ in range(3):  # three pages: three Markdown instances, as MkDocs makes them
        assert abbrs(render("RA.")) == [("RA", "Rheumatoid arthritis", "0")]
    assert glossary.parse.cache_info().misses == before + 1
    (tmp_path / "includes" / "abbreviations.md").write_text("*[RA]: Changed\n", encoding="utf-8")
    assert abbrs(render("RA.")) == [("RA", "Changed", "0")]  # an edit is seen on the next page
    assert glossary.parse.cache_info().misses == before + 2


@pytest.mark.parametrize("block", ["/// glossary | all\n///", "/// glossary\n    sort: false\n///"])
def test_a_block_with_an_argument_or_option_is_reported(block, messages):
    source = f"# Glossary\n\n{block}\n"
    with context.rendering("docs/glossary.md", source):
        render(source)
    first = block.splitlines()[0]
    assert messages == [f"docs/glossary.md:3: '{first}' was not drawn: the block /// glossary takes no argument or "
                        "option. Write /// glossary on a line of its own, then /// on the next line."]
