"""Unit tests of src/ucmsc/bibliography.py: reading, checking and formatting references.bib (no build).

The citations themselves, Markdown to HTML: tests/test_citations_markdown.py.
"""

from __future__ import annotations

import pytest

from sitekit import ROOT
from ucmsc import bibliography as bib

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


# ----------------------------------------------------------------------------- reading and checking


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


# ----------------------------------------------------------------------------- LaTeX


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


PROBES = [r"The {MSC}: An Injury Drugstore", r"{{Nested}} {a} b", r"{World Health Organization}", r"{\"O}zt{\"u}rk",
          r"A {T}rial, 50\% {--} x", r"\textit{in vivo} {RA}"]


@pytest.fixture(scope="session")
def pybtex_text() -> dict[str, str]:
    """The independent expectation, computed once for both tests below: each value of
    references.bib and each probe as pybtex's own LaTeX decoder renders it to text. One plain-text
    backend for all: render_as("text") would look the backend up among the installed packages'
    entry points on every call (some 5 s for 1,300 values)."""
    from pybtex.backends.plaintext import Backend
    from pybtex.richtext import Text

    plain = Backend()
    return {value: Text.from_latex(value).render(plain) for value in sorted(_bib_values()) + PROBES}


def test_text_that_skips_the_latex_decoder_is_what_the_decoder_would_return(pybtex_text):
    """latex_to_text returns values without LaTeX characters as they are; pybtex's own decoder
    must agree on every such value in references.bib, and the others must still be decoded."""
    values = _bib_values()
    plain = [v for v in values if not bib.LATEX_SPECIAL.search(v)]
    assert len(plain) > 500, "the shortcut covers almost nothing: is LATEX_SPECIAL too wide?"
    for value in plain:
        assert pybtex_text[value] == value, f"pybtex changes {value!r}"
        assert bib.latex_to_text(value) == value
    braced = [v for v in values if "{" in v]
    assert braced, "references.bib has no braced value to check the decoder with"
    for value in braced:
        assert "{" not in bib.latex_to_text(value), f"{value!r} was not decoded"


def test_plain_text_is_what_pybtex_decodes_for_every_value(pybtex_text):
    """latex_to_text (the plain text of page metadata and the reference list's order) equals
    pybtex's own LaTeX decoding, LaTeX command names dropped, on every value of references.bib
    and on probes, whatever shortcut it takes."""
    import re

    for value in sorted(_bib_values()) + PROBES:
        expected = re.sub(r"\\[a-zA-Z]+ ?", "", pybtex_text[value])
        assert bib.latex_to_text(value) == expected, value


def test_load_reads_again_only_when_the_content_changes(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    first = bib.load(path, "refs.bib")
    assert bib.load(path, "refs.bib") is first  # parsed once
    path.write_text(BIB.replace("who2021report", "who2022report"), encoding="utf-8")
    assert "who2022report" in bib.load(path, "refs.bib").keys


def test_load_names_an_unreadable_file(tmp_path):
    with pytest.raises(bib.BibError, match=r"^missing\.bib: cannot read the bibliography"):
        bib.load(tmp_path / "missing.bib", "missing.bib")


def test_work_fields_for_page_metadata(parsed):
    assert bib.work_fields(parsed, "smith2020trial") == {
        "title": "A Trial of <script>alert(1)</script> cells",
        "journal": "J Test",
        "year": "2020",
        "volume": "12",
        "number": "3",
        "pages": "100–110",  # LaTeX "--" is an en dash
        "doi": "10.1000/xyz",
        "authors": ["Smith, John Adam", "Öztürk, Ayşe"],
    }
    assert bib.work_fields(parsed, "nobody2020x") is None


def test_references_bib_is_parsed_once_for_citations_style_and_evidence_data():
    """One reading of references.bib: the citations, the reference style (csl.py), the evidence
    data's key check and the site-wide list all take bibliography.load's parse. Counted on
    pybtex's own parser in a fresh process rendering the real project's pages twice (a rebuild
    with the file unchanged parses nothing again)."""
    import subprocess
    import sys

    code = """
import markdown
from pybtex.database.input import bibtex
calls = []
parse = bibtex.Parser.parse_string
def counted(self, text):
    calls.append(len(text))
    return parse(self, text)
bibtex.Parser.parse_string = counted
page = "Text [@wang2013umbilical], [=trials-count] trials.\\n\\n/// site-references\\n///\\n"
for _ in range(2):
    html = markdown.markdown(page, extensions=["ucmsc.evidence", "ucmsc.citations"])
assert 'id="fn:wang2013umbilical"' in html and 'class="site-references"' in html, html[:500]
print(len(calls))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-1] == "1", done.stdout


def test_a_build_renders_each_page_once_for_the_site_wide_list(tmp_path):
    """The site-wide reference list takes each page's citations from that page's own render in
    the same build (the pages holding the list are rendered last); only a page whose Markdown a
    hook changed before rendering (the About page's repository link, the glossary) is rendered a
    second time. Counted on Python-Markdown's convert in a real build of the project."""
    import subprocess
    import sys

    pages = len(list((ROOT / "docs").rglob("*.md")))
    code = f"""
import markdown
from mkdocs.commands.build import build
from mkdocs.config import load_config
calls = []
convert = markdown.Markdown.convert
def counted(self, source):
    calls.append(1)
    return convert(self, source)
markdown.Markdown.convert = counted
config = load_config({str(ROOT / "mkdocs.yml")!r}, site_dir={str(tmp_path / "site")!r})
config.plugins.on_startup(command="build", dirty=False)
build(config)
print(len(calls))
"""
    env = {**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    renders = int(done.stdout.split()[-1])
    assert pages <= renders <= pages + 2, f"{renders} renders of {pages} pages"
