"""The content standard, checked on the built HTML of every content page.

Content pages are the nav pages except the reference-type ones (glossary, references, about,
FAQ). For each: a front-matter description, a "Key points" box right after the h1 whose reading
grade is 9 or lower, a citation in every substantial paragraph, accessible diagrams with a text
alternative, and none of the original brief's known errors.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from sitekit import ROOT, html_path, nav_pages, cached_soup, wait_for_material

sys.path.insert(0, str(ROOT / "tools"))
import readability  # noqa: E402

REFERENCE_PAGES = {"glossary.md", "references.md", "references-l-z.md", "about.md", "faq.md"}
CONTENT_PAGES = [md for md in nav_pages() if md not in REFERENCE_PAGES]
DIAGRAM_PAGES = ["ra/immunopathology.md", "ucmsc/mechanisms.md"]
MAX_KEY_POINTS_GRADE = 9.0
MIN_WORDS_NEEDING_CITATION = 25
# Errors of the original brief that must never be published (see the evidence dossier).
BRIEF_ERRORS = [
    "ar3192",
    "sun et al",
    "restore immune tolerance in autoimmune",
    "consistently report a favorable safety profile",
    "demonstrated the ability to reduce systemic inflammation",
]


def _site_description() -> str:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!ENV", lambda loader, node: None)
    Loader.add_constructor("!relative", lambda loader, node: None)
    cfg = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    return " ".join(str(cfg.get("site_description", "")).split())


def article(site: Path, md: str):
    node = cached_soup(html_path(site, md)).select_one("article.md-content__inner")
    assert node is not None, f"{md}: no <article> in the built page"
    return node


def words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9]+(?:['’.-][A-Za-z0-9]+)*", text))


@pytest.mark.parametrize("md", CONTENT_PAGES)
def test_page_has_its_own_description(site, md):
    meta = cached_soup(html_path(site, md)).select_one('meta[name="description"]')
    assert meta is not None, f"{md}: no <meta name='description'>; add 'description:' to the front matter"
    content = " ".join((meta.get("content") or "").split())
    assert len(content) >= 40, f"{md}: description {content!r} is too short to be useful (one full sentence)"
    assert content != _site_description(), (
        f"{md}: the page shows the site-wide description; add a one-sentence 'description:' to its front matter"
    )


@pytest.mark.parametrize("md", CONTENT_PAGES)
def test_key_points_come_right_after_the_title(site, md):
    h1 = article(site, md).find("h1")
    assert h1 is not None, f"{md}: no h1"
    first = h1.find_next_sibling(True)
    if first is not None and "not-approved" in (first.get("class") or []):
        first = first.find_next_sibling(True)  # the "Not an approved treatment" notice comes first (issue 12)
    assert first is not None, f"{md}: nothing follows the h1"
    classes = first.get("class") or []
    title = first.select_one(".admonition-title")
    assert "admonition" in classes and "abstract" in classes and title is not None, (
        f"{md}: the first element after the h1 is <{first.name} class={classes}>, "
        "not a '!!! abstract \"Key points\"' box"
    )
    assert title.get_text(" ", strip=True) == "Key points", f"{md}: first box is titled {title.get_text()!r}"
    assert first.select("li"), f"{md}: the Key points box has no bullets"


def _body_paragraphs(node):
    clone = BeautifulSoup(str(node), "lxml")
    for tag in clone.select(".admonition, details, figure, .footnote, table, .md-source-file"):
        tag.decompose()
    return clone.find_all("p")


@pytest.mark.parametrize("md", CONTENT_PAGES)
def test_every_substantial_paragraph_cites_a_source(site, md):
    uncited = []
    for p in _body_paragraphs(article(site, md)):
        refs = p.select("a.footnote-ref")
        text = " ".join(p.get_text(" ").split())
        if words(text) >= MIN_WORDS_NEEDING_CITATION and not refs:
            uncited.append(text[:90] + "…")
    assert not uncited, f"{md}: paragraphs of {MIN_WORDS_NEEDING_CITATION}+ words with no citation:\n" + "\n".join(uncited)


@pytest.mark.parametrize("md", CONTENT_PAGES)
def test_diagrams_are_accessible_images(site, md):
    node = article(site, md)
    svgs = node.select("figure.diagram svg")
    if md in DIAGRAM_PAGES:
        assert svgs, f"{md}: the page's diagram is missing (figure.diagram > svg)"
    for svg in svgs:
        assert svg.get("role") == "img", f"{md}: a diagram <svg> lacks role='img'"
        title = svg.find("title")
        assert title is not None and title.get_text(strip=True), f"{md}: a diagram <svg> has no <title>"
        labelled = (svg.get("aria-labelledby") or "").split()
        assert title.get("id") in labelled, f"{md}: aria-labelledby does not point at the <title>"
        for ref in labelled:
            assert svg.find(id=ref) is not None, f"{md}: aria-labelledby names a missing id {ref!r}"
        # the HTML parser lower-cases attribute names: viewBox arrives as "viewbox"
        assert svg.get("viewBox") or svg.get("viewbox"), f"{md}: a diagram <svg> has no viewBox, so it cannot scale"
        assert not svg.find(attrs={"style": True}) and not svg.find(attrs={"fill": True}), (
            f"{md}: a diagram sets colours inline; use the classes in site.css (section 4, Diagrams)"
        )
        figure = svg.find_parent("figure")
        alternative = figure.find_next_sibling(True)
        assert alternative is not None and (alternative.name == "details" or alternative.name in ("ol", "ul")), (
            f"{md}: a diagram is not followed by a text description (a '??? note' block or a list)"
        )
        assert words(alternative.get_text(" ")) >= 40, f"{md}: the diagram's text description is too thin"


DECISION_PAGE = "considering-a-trial.md"
# Issue 13: the decision-support page is linked from these pages' body text (not only the nav).
PAGES_LINKING_TO_DECISION_PAGE = ["index.md", "safety.md", "faq.md"]
DECISION_PAGE_SECTIONS = [
    "what-a-genuine-trial-looks-like",
    "red-flags-of-unproven-clinics",
    "travelling-abroad-for-cells",
    "how-to-report-harm",
    "if-you-have-already-had-a-clinic-infusion",
]


def test_decision_page_follows_safety_in_the_nav():
    pages = nav_pages()
    assert DECISION_PAGE in pages, f"{DECISION_PAGE} is not in the nav of mkdocs.yml"
    assert pages.index(DECISION_PAGE) == pages.index("safety.md") + 1, (
        f"{DECISION_PAGE} should come right after safety.md in the nav; the order is {pages}"
    )


def test_decision_page_has_its_sections(site):
    node = article(site, DECISION_PAGE)
    missing = [ident for ident in DECISION_PAGE_SECTIONS if node.find(id=ident) is None]
    assert not missing, f"{DECISION_PAGE}: no section(s) {missing}"


@pytest.mark.parametrize("md", PAGES_LINKING_TO_DECISION_PAGE)
def test_decision_page_is_linked_from_the_body(site, md):
    page = html_path(site, md)
    target = html_path(site, DECISION_PAGE).resolve()
    clone = BeautifulSoup(str(article(site, md)), "lxml")
    for box in clone.select(".admonition"):  # the Key points box and notices do not count
        box.decompose()
    linked = []
    for a in clone.find_all("a", href=True):
        href = a["href"].split("#")[0]
        if not href or href.startswith(("http:", "https:", "mailto:")):
            continue
        dest = (page.parent / href).resolve()
        if dest.is_dir():
            dest = dest / "index.html"
        linked.append(dest)
    assert target in linked, f"{md}: its text has no link to {DECISION_PAGE}"


@pytest.mark.parametrize("md", CONTENT_PAGES)
def test_no_errors_from_the_original_brief(site, md):
    text = " ".join(cached_soup(html_path(site, md)).get_text(" ").lower().split())
    found = [err for err in BRIEF_ERRORS if err in text]
    assert not found, f"{md}: repeats errors from the original brief: {found}"


@pytest.fixture(scope="module")
def readability_by_page(site):
    return {row.page: row for row in readability.readability_rows(site, CONTENT_PAGES)}


@pytest.mark.parametrize("md", CONTENT_PAGES)
def test_key_points_are_plain_language(readability_by_page, md):
    row = readability_by_page[md]
    assert row.grade is not None, f"{md}: no Key points box to measure"
    assert row.key_points_words >= 20, f"{md}: the Key points box has only {row.key_points_words} words"
    assert row.grade <= MAX_KEY_POINTS_GRADE, (
        f"{md}: Key points read at grade {row.grade} (Flesch-Kincaid); "
        f"aim for {MAX_KEY_POINTS_GRADE:g} or lower with shorter sentences and everyday words"
    )


# ---------------------------------------------------------------- tools/readability.py itself


@pytest.mark.parametrize(
    ("word", "expected"),
    [("cat", 1), ("people", 2), ("disease", 2), ("approved", 2), ("arthritis", 3), ("every", 3), ("inflammation", 4)],
)
def test_syllable_count(word, expected):
    assert readability.syllables(word) == expected


def test_grade_rises_with_long_words_and_sentences():
    plain = readability.flesch_kincaid_grade(["The cat sat on the mat.", "It was a warm day."])
    dense = readability.flesch_kincaid_grade(
        [
            "Mesenchymal stromal cells demonstrate immunomodulatory capabilities in experimental "
            "inflammatory arthritis, predominantly through paracrine mechanisms."
        ]
    )
    assert plain is not None and dense is not None
    assert plain < 2 < 12 < dense


def test_grade_follows_the_flesch_kincaid_formula():
    # 6 words, 1 sentence, 6 syllables: 0.39 * 6 + 11.8 * 1 - 15.59 = -1.45
    assert readability.flesch_kincaid_grade(["The cat sat on the mat"]) == pytest.approx(-1.4, abs=0.06)


def test_each_bullet_counts_as_a_sentence():
    # two bullets without full stops are two sentences, not one long one
    two = readability.flesch_kincaid_grade(["Cells are being tested", "This is still research"])
    one = readability.flesch_kincaid_grade(["Cells are being tested this is still research"])
    assert two < one


def test_key_points_box_is_found_and_measured(tmp_path):
    page = tmp_path / "x" / "index.html"
    page.parent.mkdir()
    page.write_text(
        '<html><head></head><body><article class="md-content__inner"><h1>X</h1>'
        '<div class="admonition abstract"><p class="admonition-title">Key points</p>'
        "<ul><li>The cat sat on the mat.</li><li>It was a warm day.</li></ul></div>"
        '<p>Text with a source<sup><a class="footnote-ref" href="#fn:a">1</a></sup> and'
        '<sup><a class="footnote-ref" href="#fn:a">1</a></sup> again.</p>'
        '<div class="footnote"><ol><li id="fn:a">A long reference that is not counted.</li></ol></div>'
        "</article></body></html>",
        encoding="utf-8",
    )
    (row,) = readability.readability_rows(tmp_path, ["x.md"])
    assert (row.citations, row.sources, row.key_points_words) == (2, 1, 11)
    assert row.words == 1 + 2 + 11 + 6  # h1, "Key points", bullets, paragraph; not the reference list
    assert row.grade is not None and row.grade < 3


def test_page_without_key_points_has_no_grade(tmp_path):
    page = tmp_path / "y" / "index.html"
    page.parent.mkdir()
    page.write_text('<html><body><article class="md-content__inner"><h1>Y</h1><p>Hi.</p></article></body></html>')
    (row,) = readability.readability_rows(tmp_path, ["y.md"])
    assert row.grade is None and row.key_points_words == 0


def test_readability_cli_reports_every_page(site, capsys):
    assert readability.main(["--site", str(site)]) == 0
    out = capsys.readouterr().out
    for md in CONTENT_PAGES:
        assert md in out


# ---------------------------------------------------------------- diagrams in a real browser

_CONTRAST_JS = """
(selector) => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const over = (top, bottom) => ({r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
                                  b: top.b * top.a + bottom.b * (1 - top.a), a: 1});
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                       return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const svg = document.querySelector(selector);
  const text = svg.querySelector('.dg-text');
  const box = svg.querySelector('.dg-box');
  const page = parse(getComputedStyle(document.body).backgroundColor);
  const boxFill = over(parse(getComputedStyle(box).fill), page);
  const textFill = over(parse(getComputedStyle(text).fill), boxFill);
  const [hi, lo] = [lum(textFill), lum(boxFill)].sort((a, b) => b - a);
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return {contrast: (hi + 0.05) / (lo + 0.05), fontPx: parseFloat(getComputedStyle(text).fontSize) * scale,
          left: svg.getBoundingClientRect().left, right: svg.getBoundingClientRect().right,
          scrollWidth: document.documentElement.scrollWidth};
}
"""


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["default", "slate"])
@pytest.mark.parametrize("md", DIAGRAM_PAGES)
def test_diagram_is_legible_on_a_phone_in_light_and_dark(browser, base_url, site, md, scheme):
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        color_scheme="dark" if scheme == "slate" else "light",
    )
    try:
        page = context.new_page()
        page.goto(base_url + html_path(site, md).parent.relative_to(site).as_posix() + "/")
        wait_for_material(page)  # the palette toggle works once Material's bundle has mounted it
        if page.evaluate("document.body.dataset.mdColorScheme") != scheme:
            page.locator("form[data-md-component='palette'] label:visible").first.click()
            page.wait_for_function(f"document.body.dataset.mdColorScheme === '{scheme}'", timeout=5000)
        page.locator("figure.diagram svg").first.scroll_into_view_if_needed()
        m = page.evaluate(_CONTRAST_JS, "figure.diagram svg")
        assert m["scrollWidth"] <= 375, f"{md}: the page scrolls sideways at 375 px ({m['scrollWidth']} px wide)"
        assert m["left"] >= 0 and m["right"] <= 375, f"{md}: the diagram overflows a 375 px screen"
        assert m["fontPx"] >= 14, f"{md}: diagram text renders at {m['fontPx']:.1f} px at 375 px; make the viewBox narrower"
        assert m["contrast"] >= 4.5, f"{md}: diagram text contrast is {m['contrast']:.2f}:1 in the {scheme} scheme"
    finally:
        context.close()
