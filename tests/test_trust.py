"""Trust and reader aids on the built HTML: review dates, disclaimer, About, glossary, FAQ,
"Cite this page", and the machine-readable metadata in each page's head."""

from __future__ import annotations

import datetime
import functools
import json
import re
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from sitekit import ROOT, html_path, nav_pages, cached_soup

NAV = nav_pages()
DATED = NAV  # every page carries review dates
# The glossary's terms and meanings, read here with the test's own expression (not the extension's).
MEANINGS = dict(
    re.findall(r"^\*\[([^\]]+)\]:\s*(.+?)\s*$", (ROOT / "includes" / "abbreviations.md").read_text(encoding="utf-8"), re.M)
)
DEFINED = set(MEANINGS)

# All-caps words that are not abbreviations and so need no glossary entry. Keep this short.
ALL_CAPS = re.compile(r"\b[A-Z][A-Z0-9-]{1,}[a-z]?\b")
NOT_ABBREVIATIONS = [
    re.compile(r"^(?:I{1,3}|IV|V|VI)[a-d]?$"),  # trial phases in Roman numerals: "phase I/II", "IIa"
    re.compile(r"^(?:[A-Z]+-)*[A-Z]*\d{6,}$"),  # trial registration numbers: NCT01547091, ONC-16008770
    re.compile(r"^[A-Z]\d$"),  # a letter and a digit inside a name: prostaglandin E2
]
# The References pages reproduce source titles and author initials, which are not our prose.
ABBREVIATION_CHECKED = [md for md in NAV if md not in ("references.md", "references-l-z.md")]
# Defined terms with a space or a lower-case part ("CC BY", "CURE-iv") are removed before the scan.
DEFINED_PHRASES = re.compile(
    "|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in sorted(DEFINED, key=len, reverse=True))
)


@pytest.fixture(scope="session")
def cfg():
    from mkdocs.config import load_config

    return load_config(str(ROOT / "mkdocs.yml"))


def front_matter(md: str) -> dict:
    from mkdocs.utils.meta import get_data

    return get_data((ROOT / "docs" / md).read_text(encoding="utf-8"))[1]


def front_matter_date(md: str, field: str) -> str:
    """The date as written in the page's front matter (YYYY-MM-DD), read without the hooks."""
    text = (ROOT / "docs" / md).read_text(encoding="utf-8")
    block = text.split("---", 2)[1]
    match = re.search(rf"^{field}:\s*['\"]?(\d{{4}}-\d{{2}}-\d{{2}})['\"]?\s*$", block, re.MULTILINE)
    assert match, f"docs/{md}: no '{field}: YYYY-MM-DD' in the front matter"
    return match.group(1)


@functools.lru_cache(maxsize=1)
def independent_bib() -> dict:
    """references.bib read with pybtex alone (not the hooks): {key: fields}."""
    from pybtex.database import parse_file

    return {key: dict(entry.fields) for key, entry in parse_file(str(ROOT / "references.bib")).entries.items()}


def page_soup(site, md) -> BeautifulSoup:
    path = html_path(site, md)
    assert path.is_file(), f"{md}: not built"
    return cached_soup(path)


def article(doc: BeautifulSoup):
    node = doc.select_one("article.md-content__inner")
    assert node is not None
    return node


def h1_text(doc: BeautifulSoup) -> str:
    h1 = BeautifulSoup(str(article(doc).find("h1")), "lxml")
    for link in h1.select("a.headerlink"):
        link.decompose()
    return " ".join(h1.get_text(" ").split())


def meta(doc: BeautifulSoup, key: str, attr: str = "name") -> list[str]:
    return [m.get("content", "") for m in doc.find_all("meta", attrs={attr: key})]


def cited_keys(doc: BeautifulSoup) -> list[str]:
    return [li["id"][len("fn:"):] for li in article(doc).select(".footnote li[id^='fn:']")]


# 1. Review dates -------------------------------------------------------------------------------


@pytest.mark.parametrize("md", DATED)
def test_page_shows_its_review_dates(site, md):
    doc = page_soup(site, md)
    line = doc.select_one(".trust-footer .trust-review")
    assert line is not None, f"{md}: no 'Last reviewed … · Next review due …' line"
    assert "Last reviewed" in line.get_text() and "Next review due" in line.get_text(), line.get_text()
    reviewed = line.select_one("time.trust-reviewed")["datetime"]
    due = line.select_one("time.trust-next-review")["datetime"]
    assert reviewed == front_matter_date(md, "reviewed"), f"{md}: shown date is not the front matter's"
    assert due == front_matter_date(md, "next_review"), f"{md}: shown due date is not the front matter's"
    for time in line.select("time"):  # in words, as a reader reads it: "25 November 2026"
        date = datetime.date.fromisoformat(time["datetime"])
        assert time.get_text() == f"{date.day} {date:%B %Y}", f"{md}: {time}"


# 2. Disclaimer and About --------------------------------------------------------------------------


@pytest.mark.parametrize("md", NAV)
def test_every_page_has_a_short_disclaimer_linking_to_the_full_one(site, md):
    note = page_soup(site, md).select_one("article .trust-footer .trust-disclaimer")
    assert note is not None, f"{md}: no disclaimer"
    text = " ".join(note.get_text(" ").split())
    assert "not medical advice" in text, text
    assert len(text.split()) < 25, f"{md}: the per-page disclaimer should stay short ({len(text.split())} words)"
    link = note.find("a")
    target = urljoin("http://x/" + html_path(site, md).relative_to(site).as_posix(), link["href"])
    path, fragment = urlsplit(target).path.lstrip("/"), urlsplit(target).fragment
    about = cached_soup(site / path / "index.html" if path.endswith("/") else site / path)
    assert fragment and about.find(id=fragment) is not None, f"{md}: disclaimer link {link['href']} is broken"


def test_about_page_has_policy_sections(site):
    doc = page_soup(site, "about.md")
    node = article(doc)
    for ident in ("who-this-site-is-for", "editorial-policy", "sources-we-accept", "how-claims-are-checked",
                  "corrections", "conflicts-of-interest", "licences", "report-an-error", "medical-disclaimer"):
        assert node.find(id=ident) is not None, f"about.md: no section #{ident}"
    text = " ".join(node.get_text(" ").split())
    for phrase in ("CC BY 4.0", "MIT", "not medical advice", "no conflicts of interest", "no advertising"):
        assert phrase in text, f"about.md does not say {phrase!r}"


def test_about_report_section_points_to_the_report_link_the_page_has(site):
    """The About page sends readers to the "Report a mistake" link, which the page itself shows
    (the link's two routes are checked in tests/test_reader_report.py)."""
    doc = page_soup(site, "about.md")
    section = article(doc).find(id="report-an-error").find_next("p")
    assert "Report a mistake" in " ".join(section.get_text(" ").split())
    links = [a for a in doc.find_all("a") if " ".join(a.get_text(" ").split()) == "Report a mistake"]
    assert len(links) == 1 and links[0]["href"], links


def test_about_links_to_no_clinic(site):
    """Conflicts of interest: the About page links only to licences and the repository."""
    node = BeautifulSoup(str(article(page_soup(site, "about.md"))), "lxml")
    for refs in node.select(".footnote"):  # the sources cited for the disclaimer
        refs.decompose()
    hosts = {urlsplit(a["href"]).hostname for a in node.find_all("a", href=True) if a["href"].startswith("http")}
    hosts.discard(None)
    allowed = {"creativecommons.org", "opensource.org", "doi.org", "github.com"}
    assert hosts <= allowed, f"unexpected external links on the About page: {hosts - allowed}"


def test_licence_files_exist():
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "CC BY 4.0" in (ROOT / "LICENSE-content.md").read_text(encoding="utf-8")


# 3. Glossary --------------------------------------------------------------------------------------


def test_glossary_page_lists_every_term_sorted_with_anchors(site):
    node = article(page_soup(site, "glossary.md"))
    rows = node.select(".glossary-list > h2[id]")  # each term a heading: a search section of its own
    listed = [" ".join(dt.get_text().split()) for dt in rows]
    # every term, a plural ("MSCs") folded into its singular ("MSC"), in natural order ("IL-6" before "IL-17")
    folded = [t for t in MEANINGS if not (t.endswith("s") and t[:-1] in MEANINGS)]
    expected = sorted(folded, key=lambda s: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s.casefold())])
    assert listed == expected, "the glossary page does not match includes/abbreviations.md"
    assert [t.casefold() for t in listed] == sorted(
        (t.casefold() for t in listed), key=lambda s: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s)]
    )
    ids = [dt["id"] for dt in rows]
    assert len(ids) == len(set(ids)), "two glossary terms share an anchor"
    assert all(i.startswith("term-") for i in ids), ids
    assert not node.select(".glossary-list abbr"), "the list's own words are marked as abbreviations"
    for dt in rows:
        term = " ".join(dt.get_text().split())
        assert dt.find_next_sibling().name == "p" and dt.find_next_sibling().get_text() == MEANINGS[term]
    # every term is on the page, either listed or folded into its singular ("MSCs" -> "MSC")
    for term in MEANINGS:
        assert term in listed or term[:-1] in listed, f"{term} is missing from the glossary page"


@pytest.mark.parametrize("md", NAV)
def test_abbreviations_have_titles_and_are_keyboard_focusable(site, md):
    abbrs = article(page_soup(site, md)).find_all("abbr")
    for abbr in abbrs:
        assert abbr.get("title"), f"{md}: <abbr>{abbr.get_text()}</abbr> has no title"
        if abbr.find_parent(["a", "button", "summary"]):
            # the link or button takes the focus; a focusable element inside it is invalid HTML
            assert abbr.get("tabindex") is None, f"{md}: focusable <abbr>{abbr.get_text()}</abbr> inside a link"
        else:
            assert abbr.get("tabindex") == "0", f"{md}: <abbr>{abbr.get_text()}</abbr> cannot be reached by keyboard"


def undefined_abbreviations(node) -> set[str]:
    """All-caps words in the visible text of ``node`` that the glossary does not define."""
    clone = BeautifulSoup(str(node), "lxml")
    # code, and the titles of cited works in the reference list, are not our prose
    for tag in clone(["code", "pre", "script", "style", "abbr"]):
        tag.decompose()
    for tag in clone.select(".footnote"):
        tag.decompose()
    found = set()
    for match in ALL_CAPS.findall(DEFINED_PHRASES.sub(" ", clone.get_text(" "))):
        word = match.rstrip("-")
        if len(word) < 2 or word in DEFINED or any(p.match(word) for p in NOT_ABBREVIATIONS):
            continue
        found.add(word)
    return found


@pytest.mark.parametrize("md", ABBREVIATION_CHECKED)
def test_every_abbreviation_used_is_in_the_glossary(site, md):
    missing = undefined_abbreviations(article(page_soup(site, md)))
    assert not missing, (
        f"{md}: abbreviations not defined in includes/abbreviations.md: {sorted(missing)}. "
        "Add a line '*[ABBR]: Meaning' for each."
    )


def test_abbreviation_check_catches_an_undefined_term():
    node = BeautifulSoup("<article><p>The XQZ trial, phase II, NCT01547091, and <abbr>RA</abbr>.</p></article>", "lxml")
    assert undefined_abbreviations(node) == {"XQZ"}


# 4. FAQ -------------------------------------------------------------------------------------------


def faq_sections(site):
    node = article(page_soup(site, "faq.md"))
    sections = []
    for h2 in node.find_all("h2"):
        if h2.get("id") == "references":  # the page's reference list, added by the citation hooks
            break
        parts = []
        for sib in h2.find_next_siblings():
            if sib.name == "h2" or "footnote" in sib.get("class", []):
                break
            parts.append(sib)
        sections.append((" ".join(h2.get_text().replace("¶", "").split()), parts))
    return sections


def test_faq_has_8_to_12_plain_questions(site):
    sections = faq_sections(site)
    assert 8 <= len(sections) <= 12, f"the FAQ has {len(sections)} questions"
    for question, parts in sections:
        assert question.endswith("?"), f"FAQ heading is not a question: {question}"
        words = sum(len(p.get_text().split()) for p in parts)
        assert words <= 150, f"FAQ answer to {question!r} is {words} words: keep it brief"
    asked = " ".join(q.lower() for q, _ in sections)
    for topic in ("approved", "get it", "cost", "risks", "trial", "rheumatologist"):
        assert topic in asked, f"the FAQ does not ask about {topic!r}"


def test_faq_answers_are_cited_and_link_to_existing_detail_pages(site):
    faq_path = html_path(site, "faq.md")
    for question, parts in faq_sections(site):
        cites = [a for p in parts for a in p.select("a.footnote-ref")]
        assert cites, f"FAQ answer to {question!r} cites no source"
        internal = [a["href"] for p in parts for a in p.find_all("a", href=True)
                    if not a["href"].startswith(("http", "#")) and "footnote" not in " ".join(a.get("class", []))]
        assert internal, f"FAQ answer to {question!r} links to no detail page"
        for href in internal:
            target = (faq_path.parent / urlsplit(href).path).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"FAQ link {href} leads nowhere"
            fragment = urlsplit(href).fragment
            if fragment:
                assert cached_soup(target).find(id=fragment) is not None, f"FAQ link {href}: no anchor #{fragment}"


# 5. Cite this page --------------------------------------------------------------------------------


@pytest.mark.parametrize("md", NAV)
def test_cite_this_page(site, cfg, md):
    from pybtex.database import parse_string

    doc = page_soup(site, md)
    box = article(doc).select_one("details.trust-cite")
    assert box is not None and "Cite this page" in box.summary.get_text(), f"{md}: no 'Cite this page'"
    text = " ".join(box.select_one(".trust-citation").get_text().split())
    url = doc.find("link", rel="canonical")["href"]
    for part in (cfg.site_author, h1_text(doc), cfg.site_name, url, "Accessed"):
        assert part in text, f"{md}: the citation lacks {part!r}: {text}"
    if md in DATED:
        assert "Last reviewed" in text
    entries = parse_string(box.select_one("pre code").get_text(), "bibtex").entries
    assert len(entries) == 1, f"{md}: the BibTeX snippet should hold one entry"
    key, entry = next(iter(entries.items()))
    # the key: the page's address below the site's, letters and digits only (a stable key per page)
    path = urlsplit(url).path[len(urlsplit(cfg.site_url).path):]
    assert key == "ucmscra_" + (re.sub(r"[^0-9a-z]", "", path.lower()) or "home"), f"{md}: {key}"
    assert entry.type == "misc"
    assert entry.fields["url"] == url
    assert entry.fields["title"].strip("{}") == h1_text(doc)
    assert entry.persons["author"][0].last_names == [f"{{{cfg.site_author}}}"]


# 6. Machine-readable metadata --------------------------------------------------------------------


@pytest.mark.parametrize("md", NAV)
def test_head_metadata(site, cfg, md):
    fm = front_matter(md)
    doc = page_soup(site, md)
    title, url = h1_text(doc), doc.find("link", rel="canonical")["href"]
    description = " ".join(str(fm.get("description", "")).split())
    assert description, f"{md}: front matter has no description"
    assert meta(doc, "description") == [description]
    assert meta(doc, "og:title", "property") == [title]
    assert meta(doc, "og:description", "property") == [description]
    assert meta(doc, "og:url", "property") == [url]
    assert meta(doc, "twitter:title") == [title]
    assert meta(doc, "twitter:description") == [description]
    assert meta(doc, "citation_title") == [title]
    assert meta(doc, "citation_author") == [cfg.site_author]
    assert meta(doc, "citation_public_url") == [url]
    if md in DATED:
        assert meta(doc, "citation_publication_date") == [front_matter_date(md, "reviewed").replace("-", "/")]


@pytest.mark.parametrize("md", NAV)
def test_json_ld_lists_the_reference_list(site, md):
    """One JSON-LD citation per listed work, in list order, with the .bib's title as plain text
    (LaTeX braces decoded) and its DOI; no Google Scholar citation_reference tags (page weight)."""
    doc = page_soup(site, md)
    bib = independent_bib()
    keys = cited_keys(doc)
    data = json.loads(doc.find("script", type="application/ld+json").string)
    works = data.get("citation", [])
    assert len(works) == len(keys), f"{md}: {len(works)} JSON-LD citations for {len(keys)} cited works"
    assert not meta(doc, "citation_reference"), f"{md}: citation_reference tags are back"
    for key, work in zip(keys, works):
        title = bib[key].get("title", "")
        if title and "\\" not in title:  # braces only: the plain title is the text without them
            plain = title.replace("{", "").replace("}", "").replace("---", "\u2014").replace("--", "\u2013")
            assert work["name"] == " ".join(plain.split()), f"{md}: {key}: {work}"
        if bib[key].get("doi"):
            assert work["url"] == f"https://doi.org/{bib[key]['doi']}", f"{md}: {key}: {work}"


@pytest.mark.parametrize("md", NAV)
def test_json_ld_medical_web_page(site, md):
    fm = front_matter(md)
    doc = page_soup(site, md)
    scripts = doc.find_all("script", type="application/ld+json")
    assert len(scripts) == 1, f"{md}: {len(scripts)} JSON-LD blocks"
    data = json.loads(scripts[0].string)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["name"] == h1_text(doc)
    assert data["url"] == doc.find("link", rel="canonical")["href"]
    assert data["about"] == {"@type": "MedicalCondition", "name": "Rheumatoid arthritis", "alternateName": "RA"}
    types = {a["@type"] for a in data["audience"]}
    assert {"Patient", "MedicalAudience"} <= types
    if md in DATED:
        assert data["lastReviewed"] == front_matter_date(md, "reviewed")
        assert data["reviewedBy"]["@type"] == "Organization"
    assert len(data.get("citation", [])) == len(cited_keys(doc)), f"{md}: JSON-LD citations differ from the reference list"
    for work in data.get("citation", []):
        assert work["@type"] in ("ScholarlyArticle", "CreativeWork")


# 7. Print --------------------------------------------------------------------------------------------


def test_print_styles_are_linked_on_every_page(site):
    for md in NAV:
        hrefs = [link["href"] for link in page_soup(site, md).find_all("link", rel="stylesheet")]
        assert any(h.endswith("assets/stylesheets/site.min.css") for h in hrefs), f"{md}: site.min.css not linked"
    # docs/assets/stylesheets/site.css, minified by the minify plugin (mkdocs.yml)
    css = (site / "assets/stylesheets/site.min.css").read_text(encoding="utf-8")
    assert "@media print" in css
