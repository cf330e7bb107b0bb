"""The reference style (src/ucmsc/csl.py): AMA through citeproc-py, plus PubMed/PMC links.

Every entry of references.bib is checked against expectations written from the entry itself, read
here with pybtex's own parser and LaTeX decoder, and from the AMA rules (never from the formatter);
then a few hand-written golden references for each kind of entry.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pybtex.backends.plaintext import Backend
from pybtex.database import parse_file
from pybtex.richtext import Text

from sitekit import ROOT
from ucmsc import bibliography, csl

BIB = ROOT / "references.bib"
ENTRIES = parse_file(str(BIB)).entries  # read independently of the module under test
KEYS = [entry.key for entry in ENTRIES.values()]


def read(path: Path) -> bibliography.Bibliography:
    """A .bib file as the build reads it (bibliography.load: the one reader csl.py takes from)."""
    return bibliography.load(path, path.name)


PLAIN = Backend()  # render_as("text") would look the backend up on every call (slow)


@functools.lru_cache(maxsize=None)
def text_of(value: str) -> str:
    """A BibTeX value as readers should see it: pybtex's LaTeX decoder, braces gone, spaces single."""
    return " ".join(Text.from_latex(value).render(PLAIN).split())


def field(entry, name: str) -> str:
    return text_of(entry.fields[name]) if entry.fields.get(name, "").strip() else ""


def initials(person) -> str:
    """AMA initials: the first letter of every given name and of every part of a hyphenated one."""
    given = " ".join(text_of(n) for n in person.first_names + person.middle_names)
    return "".join(part[0].upper() for part in re.split(r"[\s.\-]+", given) if part)


def family(person) -> str:
    return " ".join(text_of(n) for n in person.prelast_names + person.last_names)


def expanded_pages(pages: str) -> str:
    """AMA: page ranges in full, with a hyphen (2569-81 -> 2569-2581)."""
    parts = re.split(r"-+|–", pages.strip())
    first, last = parts[0].strip(), parts[-1].strip()
    if len(parts) == 1:
        return first
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return f"{first}-{last}"


@pytest.fixture(scope="module")
def formatted() -> dict[str, str]:
    return csl.format_references(read(BIB), KEYS)


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_every_entry_is_formatted(formatted):
    assert list(formatted) == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_reference_matches_its_entry(formatted, key):
    entry = ENTRIES[key]
    html = formatted[key]
    tree = soup(html)
    text = tree.get_text()
    assert "  " not in text and ".." not in text.replace("...", ""), text
    assert "?." not in text and "!." not in text, text

    # only <i> and <a href="http(s)://..."> ever reach the page
    assert {tag.name for tag in tree.find_all(True)} <= {"i", "a"}, html
    for a in tree.find_all("a"):
        assert re.match(r"https?://", a["href"]), a

    # authors: AMA lists up to 6; more than 6 (or a list the entry marks incomplete with
    # "and others" that would then exceed 6) -> the first 3, then "et al"
    title = field(entry, "title")
    assert title and text.count(title) == 1, (title, text)
    people = entry.persons.get("author", [])
    known = [p for p in people if str(p) != "others"]
    byline = text[: text.index(title)].rstrip(". ")
    if not people:
        assert byline == "", "an entry without author starts with its title"
    elif len(known) == 1 and not known[0].first_names and not known[0].prelast_names:
        assert byline == text_of(entry.persons["author"][0].last_names[0])  # an organisation, whole
    else:
        incomplete = len(known) < len(people)
        total = len(known) + (1 if incomplete else 0)
        shown = known[:3] if total > 6 else known
        expected = [f"{family(p)} {initials(p)}".strip() for p in shown]
        if total > 6 or incomplete:
            expected.append("et al")
        assert byline == ", ".join(expected)

    year = field(entry, "year")
    assert year in text
    if entry.type == "article":
        journal = field(entry, "journal").replace(".", "")  # AMA abbreviations take no periods
        assert [i.get_text() for i in tree.find_all("i")] == [journal]
        volume, issue, pages = field(entry, "volume"), field(entry, "number"), field(entry, "pages")
        source = year
        if volume or issue:
            source += ";" + volume + (f"({issue})" if issue else "")
        if pages:
            source += ":" + expanded_pages(pages)
        assert f"{journal}. {source}." in text, (source, text)
    else:
        site = field(entry, "journal") or field(entry, "publisher") or field(entry, "organization")
        author = text_of(people[0].last_names[0]) if len(people) == 1 else None
        if site and site != author:
            assert f"{title}{'' if title[-1] in '?!.' else '.'} {site}. {year}." in text
        else:
            assert f"{title}{'' if title[-1] in '?!.' else '.'} {year}." in text

    # identifiers: the DOI (or, without one, the URL), then PMID and PMCID, each linked
    links = [(a.get_text(), a["href"], a.previous_sibling) for a in tree.find_all("a")]
    expected_links = []
    doi, url = field(entry, "doi"), entry.fields.get("url", "").strip()
    if doi:
        expected_links.append((doi, f"https://doi.org/{doi}", "doi:"))
    elif url:
        expected_links.append((url, url, ""))
    if field(entry, "pmid"):
        pmid = field(entry, "pmid")
        expected_links.append((pmid, f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/", "PMID: "))
    if field(entry, "pmcid"):
        pmcid = field(entry, "pmcid")
        pmcid = pmcid if pmcid.startswith("PMC") else "PMC" + pmcid
        expected_links.append((pmcid, f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/", "PMCID: "))
    assert [(shown, href) for shown, href, _ in links] == [(s, h) for s, h, _ in expected_links]
    for (_, _, before), (_, _, label) in zip(links, expected_links):
        assert str(before or "").endswith(label)
    # AMA puts no period after a DOI or URL; the identifiers follow the same rule
    assert text.endswith(".") == (not expected_links), text

    # the note (where the editor verified the entry) is never shown
    note = entry.fields.get("note", "")
    assert not note or note[:40] not in text


def test_values_without_latex_characters_need_no_decoding():
    """The formatter skips pybtex's (slow) LaTeX decoder for values without LaTeX characters:
    on every value of references.bib that is exactly what the decoder would return."""
    values = [v for e in ENTRIES.values() for v in e.fields.values()]
    for entry in ENTRIES.values():
        for person in entry.persons.get("author", []):
            values += person.first_names + person.middle_names + person.prelast_names + person.last_names
    plain = [v for v in values if not bibliography.LATEX_SPECIAL.search(v)]
    assert len(plain) > len(values) / 2
    for value in plain:
        assert Text.from_latex(value).render(PLAIN) == value


LATEX_PROBES = [r"\S 3", r"Gr\o nbech", r"\alpha", "1990--2020", "a---b", "a~b", "``a''", "it''s", ",,a", "?`", "{RA}",
                r"50\%", "50% off"]


@pytest.mark.parametrize("value", LATEX_PROBES)
def test_values_the_decoder_changes_are_decoded(value):
    """Each LaTeX construct the decoder changes is one the fast path sends to the decoder."""
    assert Text.from_latex(value).render(PLAIN) != value
    assert bibliography.LATEX_SPECIAL.search(value)


def test_the_changed_style_is_still_valid_csl():
    """csl.style() edits the AMA style's XML when it loads it: the result must still be a valid
    CSL style (citeproc-py's own CSL schema), and the edits must have found what they change."""
    from citeproc import SCHEMA_PATH
    from lxml import etree

    loaded = etree.fromstring(csl.style_xml()).getroottree()
    schema = etree.RelaxNG(etree.parse(SCHEMA_PATH))
    assert schema.validate(loaded), schema.error_log
    ns = {"cs": "http://purl.org/net/xbiblio/csl"}
    assert not loaded.xpath("//cs:bibliography//cs:text[@variable='citation-number']", namespaces=ns)
    assert not loaded.xpath("//cs:substitute/cs:text[@macro='title']", namespaces=ns)
    assert [t.text or "" for t in loaded.xpath("//cs:term[@name='advance-online-publication']", namespaces=ns)] == [""]


# ----------------------------------------------------------------------------- golden references

GOLDEN_BIB = r"""@article{smith2020trial,
  author  = {Smith, John Adam and {\"O}zt{\"u}rk, Ay{\c{s}}e},
  title   = {A {T}rial of <script>alert(1)</script> cells},
  journal = {J. Test},
  year    = {2020},
  volume  = {12},
  number  = {3},
  pages   = {100--10},
  doi     = {10.1000/xyz},
  pmid    = {123},
  pmcid   = {456},
  note    = {VERIFIED-AT-SECRET-PLACE}
}
@article{lee2021many,
  author  = {Lee, Hee-suk and Kim, A and Park, B and Choi, C and Jung, D and Kang, E and Cho, F},
  title   = {Does it work?},
  journal = {J Test},
  year    = {2021},
  volume  = {3},
  pages   = {e12},
  doi     = {10.1000/abc}
}
@article{black2023burden,
  author  = {Black, Rachel J. and Cross, Marita and others},
  title   = {Burden},
  journal = {Lancet Rheumatol},
  year    = {2023},
  pmid    = {789}
}
@article{anon2012case,
  missing = {author},
  title   = {A case series},
  journal = {J Test},
  year    = {2012},
  url     = {https://example.org/case?a=1&b=2}
}
@misc{who2021report,
  author    = {{World Health Organization}},
  title     = {A report},
  publisher = {WHO Press},
  year      = {2021},
  url       = {https://example.org/report}
}
@misc{fda2021page,
  author       = {{U.S. Food and Drug Administration}},
  title        = {Important Information About Regenerative Medicine Therapies},
  organization = {U.S. Food and Drug Administration},
  year         = {2021},
  url          = {https://www.fda.gov/page}
}
@misc{clinicaltrialsgov2012nct01547091,
  author       = {{ClinicalTrials.gov}},
  title        = {Safety and Efficacy Study of Umbilical Cord-Derived Mesenchymal Stem Cells for Rheumatoid Arthritis ({NCT01547091})},
  organization = {U.S. National Library of Medicine},
  year         = {2012},
  url          = {https://clinicaltrials.gov/show/NCT01547091}
}
@book{jones2019cells,
  author    = {Jones, Mary and van der Berg, Piet},
  title     = {Cell therapy in practice},
  publisher = {Example Press},
  year      = {2019},
  doi       = {10.1000/book}
}
@techreport{nice2020report,
  author      = {{National Institute for Health and Care Excellence}},
  title       = {Rheumatoid arthritis in adults: management},
  institution = {NICE},
  year        = {2020},
  url         = {https://www.nice.org.uk/guidance/ng100}
}
"""

GOLDEN = {
    # journal article: Vancouver names, italic journal without periods, full page range, DOI
    # linked, then the project's PubMed and PMC links; the note never shown; HTML in a title escaped
    "smith2020trial": (
        "Smith JA, Öztürk A. A Trial of &lt;script&gt;alert(1)&lt;/script&gt; cells. <i>J Test</i>. "
        '2020;12(3):100-110. doi:<a href="https://doi.org/10.1000/xyz">10.1000/xyz</a>. '
        'PMID: <a href="https://pubmed.ncbi.nlm.nih.gov/123/">123</a>. '
        'PMCID: <a href="https://pmc.ncbi.nlm.nih.gov/articles/PMC456/">PMC456</a>'
    ),
    # 7 authors -> 3 + et al; a hyphenated given name gives two initials; no period after "?"
    "lee2021many": (
        "Lee HS, Kim A, Park B, et al. Does it work? <i>J Test</i>. 2021;3:e12. "
        'doi:<a href="https://doi.org/10.1000/abc">10.1000/abc</a>'
    ),
    # "and others": the list is incomplete, so it ends in et al; no volume: the year alone
    "black2023burden": (
        "Black RJ, Cross M, et al. Burden. <i>Lancet Rheumatol</i>. 2023. "
        'PMID: <a href="https://pubmed.ncbi.nlm.nih.gov/789/">789</a>'
    ),
    # no author (declared missing): the title comes first, once
    "anon2012case": (
        'A case series. <i>J Test</i>. 2012. <a href="https://example.org/case?a=1&amp;b=2">'
        "https://example.org/case?a=1&amp;b=2</a>"
    ),
    # web page: author, title, site, year, URL
    "who2021report": (
        'World Health Organization. A report. WHO Press. 2021. <a href="https://example.org/report">'
        "https://example.org/report</a>"
    ),
    # an agency's own page: the site is not repeated after the title
    "fda2021page": (
        "U.S. Food and Drug Administration. Important Information About Regenerative Medicine Therapies. "
        '2021. <a href="https://www.fda.gov/page">https://www.fda.gov/page</a>'
    ),
    # a registry record
    "clinicaltrialsgov2012nct01547091": (
        "ClinicalTrials.gov. Safety and Efficacy Study of Umbilical Cord-Derived Mesenchymal Stem Cells "
        "for Rheumatoid Arthritis (NCT01547091). U.S. National Library of Medicine. 2012. "
        '<a href="https://clinicaltrials.gov/show/NCT01547091">https://clinicaltrials.gov/show/NCT01547091</a>'
    ),
    # book: italic title in title case, publisher; year
    "jones2019cells": (
        "Jones M, van der Berg P. <i>Cell Therapy in Practice</i>. Example Press; 2019. "
        'doi:<a href="https://doi.org/10.1000/book">10.1000/book</a>'
    ),
    # report
    "nice2020report": (
        "National Institute for Health and Care Excellence. <i>Rheumatoid Arthritis in Adults: Management</i>. "
        'NICE; 2020. <a href="https://www.nice.org.uk/guidance/ng100">https://www.nice.org.uk/guidance/ng100</a>'
    ),
}


@pytest.fixture
def golden_bib(tmp_path) -> Path:
    path = tmp_path / "refs.bib"
    path.write_text(GOLDEN_BIB, encoding="utf-8")
    return path


@pytest.mark.parametrize("key", GOLDEN)
def test_golden_reference(golden_bib, key):
    assert csl.format_reference(read(golden_bib), key) == GOLDEN[key]


def test_only_the_keys_asked_exactly_as_written(golden_bib):
    found = csl.format_references(read(golden_bib), ["who2021report", "Smith2020trial", "nobody2000x", "who2021report"])
    assert list(found) == ["who2021report"]  # pybtex ignores letter case; citation keys do not
    with pytest.raises(KeyError):
        csl.format_reference(read(golden_bib), "nobody2000x")


def test_cache_follows_the_file_content(golden_bib):
    first = csl.format_reference(read(golden_bib), "who2021report")
    assert csl.format_reference(read(golden_bib), "who2021report") == first
    golden_bib.write_text(GOLDEN_BIB.replace("title     = {A report}", "title     = {A new report}"), encoding="utf-8")
    assert "A new report." in csl.format_reference(read(golden_bib), "who2021report")


def test_script_in_any_field_stays_text(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(
        "@article{evil2020x, author={<b>Evil</b>, Eve}, title={T}, journal={<script>J</script>}, year={2020}, "
        "volume={<i>1</i>}, doi={10.1/<x>}, pmid={1\"onclick=\"x}, url={javascript:alert(1)}}\n"
        "@misc{evil2021y, author={Doe, J}, title={T}, publisher={<script>P</script>}, year={2021}, url={javascript:alert(1)}}",
        encoding="utf-8",
    )
    for key, html in csl.format_references(read(path), ["evil2020x", "evil2021y"]).items():
        tree = soup(html)
        assert {tag.name for tag in tree.find_all(True)} <= {"i", "a"}, html
        assert "<script>" in tree.get_text() or "<b>" in tree.get_text()
        for a in tree.find_all("a"):
            assert a["href"].startswith("https://"), a
            assert set(a.attrs) == {"href"}, a


def test_malformed_file_names_file_and_line(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text("@article{a2000b,\n  title = {x},\n  year = {2000\n}\n", encoding="utf-8")
    with pytest.raises(bibliography.BibError, match=r"refs\.bib:\d+: the bibliography is malformed"):
        read(path)


def test_missing_or_non_utf8_file_is_named(tmp_path):
    with pytest.raises(bibliography.BibError, match=r"nothere\.bib: cannot read the bibliography"):
        read(tmp_path / "nothere.bib")
    path = tmp_path / "refs.bib"
    path.write_bytes(b"@article{a2000b,\n  title = {No\xebl},\n}\n")
    with pytest.raises(bibliography.BibError, match=r"refs\.bib:2: this line is not UTF-8 text"):
        read(path)


def test_formatted_references_are_kept_for_the_next_build_of_the_same_file(tmp_path):
    """csl.CACHE (beside mkdocs.yml) keeps the formatted references for the next build; a build
    of the same file (a fresh parse of the same text) takes them from there, and a changed file
    is formatted again."""
    from ucmsc import context

    text = GOLDEN_BIB + f"\n% {tmp_path.name}\n"  # a text no other test parsed
    fresh = bibliography.parse_bibliography.__wrapped__  # a new parse, as in the next build's process
    previous = context.project_root()
    context.set_project_root(tmp_path)
    try:
        assert csl.format_reference(fresh(text, "refs.bib"), "who2021report") == GOLDEN["who2021report"]
        stored = tmp_path / csl.CACHE
        kept = json.loads(stored.read_text(encoding="utf-8"))
        kept["references"]["who2021report"] = "as stored"
        stored.write_text(json.dumps(kept), encoding="utf-8")
        assert csl.format_reference(fresh(text, "refs.bib"), "who2021report") == "as stored"
        changed = text.replace("title     = {A report}", "title     = {A new report}")
        assert "A new report." in csl.format_reference(fresh(changed, "refs.bib"), "who2021report")
    finally:
        context.set_project_root(previous)
