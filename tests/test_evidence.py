"""The evidence table: data/studies.yaml rendered by the /// evidence-table block
(src/ucmsc/evidence.py), its citations, labels and counts in the built site, a broken data file
failing a fixture build, and the table in a browser. The block itself, rendered from Markdown,
is tested in test_evidence_blocks.py; the data's checks in test_evidence_data.py."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from sitekit import ROOT, BuildFailed, build_site, html_path, serve, soup, wait_for_material
from ucmsc.evidence import COLUMNS, FIRST_AFTER

DATA = ROOT / "data" / "studies.yaml"
STUDIES_MD = "evidence/studies.md"
READING_MD = "evidence/reading.md"
RAW = yaml.safe_load(DATA.read_text(encoding="utf-8"))
STUDIES = RAW["studies"]
LABELS = {label["id"]: label for label in RAW["labels"]}
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
CITATION = re.compile(r"\[@[^\]]*\]")
LINK_TARGET = re.compile(r"\]\([^)]*\)")
WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
TEXT_FIELDS = (
    "design", "control", "arms", "source", "dose", "route", "infusions", "follow_up", "efficacy",
    "adverse_events", "registration", "baseline", "analysed", "funding",
)
# Where each field is shown: the column that holds it (data/studies.yaml -> src/ucmsc/evidence.py)
SHOWN_IN = {"control": "design", "arms": "design", "infusions": "route"}
DETAILS_MD = "evidence/details.md"


def _slug(text: str) -> str:
    """A study's row anchor is study-<id>, the id in lower case with other characters as "-"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _numbers(text: str) -> Counter:
    return Counter(NUMBER.findall(text))


def _yaml_numbers(study: dict) -> Counter:
    text = " ".join(str(study[f]) for f in TEXT_FIELDS) + f" {study['n']}"
    text = LINK_TARGET.sub("]", CITATION.sub(" ", text))
    return _numbers(text)


def _row_text(row) -> str:
    """Visible text of a row without its citation superscripts; other <sup> (powers) as ^N."""
    clone = BeautifulSoup(str(row), "lxml")
    for ref in clone.select("a.footnote-ref"):
        (ref.find_parent("sup") or ref).decompose()
    for sup in clone.find_all("sup"):
        sup.replace_with(f"^{sup.get_text()}")
    return clone.get_text(" ")


@pytest.fixture(scope="module")
def studies_page(site):
    return soup(html_path(site, STUDIES_MD))


@pytest.fixture(scope="module")
def table(studies_page):
    node = studies_page.select_one("table.evidence-table__table")
    assert node is not None, "the evidence table was not rendered on the clinical studies page"
    return node


@pytest.fixture(scope="module")
def rows(table):
    return {row["id"]: row for row in table.select("tbody > tr")}


def _row(rows, study):
    return rows[f"study-{_slug(study['id'])}"]


def _column(field: str) -> int:
    return [c[1] for c in COLUMNS].index(SHOWN_IN.get(field, field))


def _cell(row, field: str):
    return row.find_all(["th", "td"], recursive=False)[_column(field)]


def _squash(text: str) -> str:
    """Whitespace collapsed, no space before punctuation: comparable across Markdown and HTML."""
    text = " ".join(text.split())
    return re.sub(r"\s+([.,;:)])", r"\1", re.sub(r"\(\s+", "(", text))


def _yaml_plain(value) -> str:
    """A data cell as a reader sees it: no [@key] citations, [text](link) as text."""
    text = CITATION.sub(" ", str(value))
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return _squash(text)


def _cell_text(cell) -> str:
    clone = BeautifulSoup(str(cell), "lxml")
    for ref in clone.select("a.footnote-ref"):
        (ref.find_parent("sup") or ref).decompose()
    for sup in clone.find_all("sup"):
        sup.replace_with(f"^{sup.get_text()}")
    return _squash(clone.get_text(""))


# ---------------------------------------------------------------- the built page

def test_one_row_per_study_in_data_order(table):
    ids = [row["id"] for row in table.select("tbody > tr")]
    assert ids == [f"study-{_slug(s['id'])}" for s in STUDIES]


@pytest.mark.parametrize("study", STUDIES, ids=[s["id"] for s in STUDIES])
def test_every_number_in_the_data_appears_in_its_row(rows, study):
    row = _row(rows, study)
    assert row.select_one("th[scope=row]").get_text(" ").strip().startswith(study["study"])
    missing = _yaml_numbers(study) - _numbers(_row_text(row))
    assert not missing, f"{study['id']}: numbers in data/studies.yaml missing from the table row: {dict(missing)}"
    n_cell = _cell(row, "design")
    assert n_cell["data-sort-value"] == str(study["n"])
    assert n_cell.find("strong").get_text() == f"{study['n']} patients"


@pytest.mark.parametrize("study", STUDIES, ids=[s["id"] for s in STUDIES])
def test_every_field_is_shown_in_its_column(rows, study):
    """Each data field's words (citations aside) are in the cell of its column, including the
    fields added from the full texts: infusions, baseline, patients analysed, funding."""
    row = _row(rows, study)
    for field in TEXT_FIELDS:
        expected = _yaml_plain(study[field])
        shown = _cell_text(_cell(row, field))
        assert expected in shown, f"{study['id']}.{field}: {expected!r} not in its cell {shown!r}"


def test_card_order_puts_result_and_harms_before_the_details(table):
    """In the built table: the columns' order, and where each card's "after" part begins."""
    fields = [th["data-field"] for th in table.select("thead th")]
    assert fields == [c[1] for c in COLUMNS]
    for row in table.select("tbody > tr"):
        cells = row.find_all(["th", "td"], recursive=False)
        starts = [i for i, c in enumerate(cells) if "evidence-table__after" in (c.get("class") or [])]
        assert starts == [fields.index(FIRST_AFTER)], row["id"]
    first, after = fields[: fields.index(FIRST_AFTER)], fields[fields.index(FIRST_AFTER):]
    assert first == ["study", "design", "label", "efficacy", "adverse_events"]
    assert {"dose", "route", "follow_up", "registration", "baseline", "analysed", "funding"} <= set(after)


def test_corrections_from_the_review_are_in_the_data():
    """Issue 13's corrections, checked against the data file that the table is built from."""
    by_id = {s["id"]: s for s in STUDIES}
    assert "non-randomised and open label" in by_id["wang2013"]["design"]
    assert "NCT01547091" in by_id["wang2013"]["design"] and "randomised controlled" not in by_id["wang2013"]["design"].lower()
    assert "both arms received cells" in by_id["he2020"]["design"] and "no placebo" in by_id["he2020"]["control"]
    assert "30 per arm" in by_id["he2020"]["analysed"] and "completers" in by_id["he2020"]["analysed"]
    alvaro = by_id["alvarogracia2017"]["efficacy"]
    assert alvaro.startswith("No clear ACR20 advantage over placebo at month 1") and "0 of 7" in alvaro
    assert "no statistical comparison" in alvaro
    assert _yaml_plain(by_id["ghoryani2019"]["registration"]).startswith("NCT03333681")


def test_each_study_links_to_its_account_on_the_details_page(site, rows):
    details = soup(html_path(site, DETAILS_MD))
    for study in STUDIES:
        anchor = f"study-{_slug(study['id'])}"
        link = _row(rows, study).select_one("th[scope=row] a:not(.footnote-ref)")
        assert link is not None and link.get_text() == study["study"], f"{study['id']}: no link on the study name"
        assert link["href"] == f"../details/#{anchor}", link["href"]
        target = details.find(id=anchor)
        assert target is not None and target.name in ("h2", "h3", "h4"), f"details page has no heading #{anchor}"


def _bib_titles() -> dict[str, str]:
    from pybtex.database import parse_file

    entries = parse_file(str(ROOT / "references.bib")).entries
    return {key: entry.fields.get("title", "") for key, entry in entries.items()}


def _plain(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.replace("{", "").replace("}", "").lower()).strip()


@pytest.mark.parametrize("study", STUDIES, ids=[s["id"] for s in STUDIES])
def test_row_citation_resolves_to_its_reference(studies_page, rows, study):
    titles = _bib_titles()
    head = _row(rows, study).select_one("th[scope=row]")
    targets = [a["href"] for a in head.select("a.footnote-ref")]
    assert targets == [f"#fn:{key}" for key in study["cite"]], f"{study['id']}: study cell cites {targets}"
    for key in study["cite"]:
        item = studies_page.find("li", id=f"fn:{key}")
        assert item is not None, f"{study['id']}: no reference entry fn:{key} on the page"
        title = _plain(titles[key])[:60]
        assert title and title in _plain(item.get_text(" ")), f"{key}: reference text does not show its title"


def test_every_citation_in_the_table_has_a_reference(studies_page, table):
    refs = {a["href"].lstrip("#") for a in table.select("a.footnote-ref")}
    listed = {li["id"] for li in studies_page.select(".footnote li[id]")}
    assert refs and refs <= listed, f"table citations without a reference: {refs - listed}"
    assert "[@" not in table.get_text(), "raw citation markup in the table"


def test_every_label_is_defined_on_the_reading_page(site, rows):
    reading = soup(html_path(site, READING_MD))
    used = {s["label"] for s in STUDIES}
    for label_id in used:
        target = reading.find(id=label_id)
        assert target is not None, f"label {label_id} has no anchor on {READING_MD}"
        label = LABELS[label_id]
        heading = " ".join(target.get_text().split())
        assert heading.startswith(f"{label['short']}: {label['name']}"), heading
    for study in STUDIES:
        link = _cell(_row(rows, study), "label").find("a")
        assert link["href"] == f"../reading/#{study['label']}", f"{study['id']}: label link {link['href']}"


def test_narrative_counts_match_the_data(studies_page):
    heading = studies_page.find(id="the-studies-at-a-glance")
    text = " ".join(heading.find_next("p").get_text(" ").split())
    match = re.search(r"covers (\w+) clinical studies .*?: (\w+) of cells from the umbilical cord .*? and (\w+) of MSCs", text)
    assert match, f"count sentence not found in: {text[:200]}"
    total, cord, other = (WORDS[w] for w in match.groups())
    assert total == len(STUDIES)
    assert cord == sum(s["group"] == "umbilical" for s in STUDIES)
    assert other == sum(s["group"] == "other" for s in STUDIES)
    box = " ".join(studies_page.select_one(".admonition.abstract").get_text(" ").split())
    assert f"lists {[w for w, i in WORDS.items() if i == len(STUDIES)][0]} of them" in box


def test_cell_sources_come_first_umbilical(table):
    groups = [row["data-group"] for row in table.select("tbody > tr")]
    assert groups == sorted(groups, key=lambda g: g != "umbilical"), groups


# ---------------------------------------------------------------- the script

def test_only_the_studies_page_carries_the_table_script(site):
    """Written into the page with the table, not loaded by every page (first-load weight), and not
    a separate file (one more request before the first paint)."""
    carrying = sorted(
        str(path.relative_to(site))
        for path in site.rglob("*.html")
        if "__evidenceTableReady" in path.read_text(encoding="utf-8")
    )
    assert carrying == ["evidence/studies/index.html"]
    page = soup(site / "evidence/studies/index.html")
    script = next(s for s in page.find_all("script") if "__evidenceTableReady" in s.get_text())
    assert not script.has_attr("src") and "//" not in script.get_text().replace("://", "")
    assert script.find_previous("table", class_="evidence-table__table") is not None, "the script comes before the table"
    assert "/// evidence-table" not in page.get_text(), "the block was not drawn"
    assert not list(site.rglob("evidence-table.js")), "the script is also published as a file nobody loads"


# ---------------------------------------------------------------- in the browser

def _visible_ids(page):
    return page.eval_on_selector_all("table.evidence-table__table tbody tr:not([hidden])", "rows => rows.map(r => r.id)")


@pytest.mark.browser
def test_sorting_by_patients_with_mouse_and_keyboard(page, base_url):
    """At 1280 px the studies are cards (issue 21, item 1): the "Sort by" menu sorts them, chosen
    with the mouse or with the keyboard, and the (hidden) header keeps aria-sort in step."""
    page.goto(base_url + "evidence/studies/")
    menu = page.locator("#study-table-sort")
    menu.wait_for(state="visible")
    header = page.locator("table.evidence-table__table thead th[data-field='design']")
    rows = "table.evidence-table__table tbody tr"
    by_n = "rows => rows.map(r => Number(r.children[1].dataset.sortValue))"
    menu.select_option("design:ascending")  # an entry picked from the open menu
    assert header.get_attribute("aria-sort") == "ascending"
    assert page.eval_on_selector_all(rows, by_n) == sorted(s["n"] for s in STUDIES)
    menu.focus()  # the keyboard: the next entry is "Number of patients, most first"
    page.keyboard.press("ArrowDown")
    assert menu.input_value() == "design:descending"
    assert header.get_attribute("aria-sort") == "descending"
    assert page.eval_on_selector_all(rows, by_n) == sorted((s["n"] for s in STUDIES), reverse=True)
    assert page.locator("table.evidence-table__table thead th[aria-sort]").count() == 1
    assert page.console_errors == [] and page.page_errors == []


@pytest.mark.browser
def test_filtering_by_route_source_and_label(page, base_url):
    page.goto(base_url + "evidence/studies/")
    status = page.locator(".evidence-table__status")
    assert status.inner_text() == f"Showing {len(STUDIES)} of {len(STUDIES)} studies."
    page.select_option("#study-table-filter-route", "Intra-articular")
    expected = [f"study-{_slug(s['id'])}" for s in STUDIES if s["route_filter"] == "Intra-articular"]
    assert _visible_ids(page) == expected and expected
    assert status.inner_text() == f"Showing {len(expected)} of {len(STUDIES)} studies."
    page.select_option("#study-table-filter-route", "")
    page.select_option("#study-table-filter-source", "Umbilical cord")
    label = LABELS["strength-d"]
    page.select_option("#study-table-filter-label", f"{label['short']}: {label['name']}")
    expected = [
        f"study-{_slug(s['id'])}" for s in STUDIES if s["source_filter"] == "Umbilical cord" and s["label"] == "strength-d"
    ]
    assert _visible_ids(page) == expected and expected
    # the filters are labelled form controls, reachable with the keyboard
    assert page.locator("label[for='study-table-filter-source']").inner_text() == "Cell source"


def _fixture_site(tmp, site_url: str, data_text: str) -> Path:
    """A small Material site using the real extension, script, style sheet and data format
    (no citations: the generated [@key] stay as text)."""
    (tmp / "data").mkdir(parents=True, exist_ok=True)
    (tmp / "data" / "studies.yaml").write_text(data_text, encoding="utf-8")
    for name in ("data/outcomes.yaml", "data/trials.yaml", "data/risk_of_bias.yaml", "references.bib"):
        shutil.copy(ROOT / name, tmp / name)
    docs = tmp / "docs"
    (docs / "assets/stylesheets").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "docs/assets/stylesheets/site.css", docs / "assets/stylesheets/site.css")
    (tmp / "includes").mkdir(exist_ok=True)
    shutil.copy(ROOT / "includes/evidence-table.js", tmp / "includes/evidence-table.js")
    (docs / "evidence").mkdir(exist_ok=True)
    (docs / "index.md").write_text("# Home\n\nSee the [studies](evidence/studies.md).\n", encoding="utf-8")
    (docs / "evidence" / "studies.md").write_text(
        "# Studies\n\n[=studies-count] studies.\n\n/// evidence-table\n///\n", encoding="utf-8"
    )
    accounts = "\n\n".join(f"## {s['study']} {{#study-{_slug(s['id'])}}}" for s in RAW["studies"])
    (docs / "evidence" / "details.md").write_text(f"# Details\n\n{accounts}\n", encoding="utf-8")
    registered = sorted(set(re.findall(r"trials\.md#([a-z0-9-]+)", data_text)))
    trials = "\n\n".join(f"## {t.upper()} {{#{t}}}" for t in registered)
    (docs / "evidence" / "trials.md").write_text(f"# Trials\n\n{trials}\n", encoding="utf-8")
    anchors = "\n\n".join(f"## {l['short']}: {l['name']} {{#{l['id']}}}" for l in RAW["labels"])
    (docs / "evidence" / "reading.md").write_text(
        f"# Reading\n\n## Evidence-strength labels\n\n## Registration\n\n{anchors}\n", encoding="utf-8"
    )
    config = {
        "site_name": "Evidence table fixture",
        "strict": True,  # the extension reports each problem as a warning; strict stops the build
        "site_url": site_url,
        "theme": {"name": "material", "font": False},
        "hooks": [str(ROOT / "hooks" / "source_context.py")],  # the project folder, the page for messages
        "extra_css": ["assets/stylesheets/site.css"],
        "markdown_extensions": ["md_in_html", "attr_list", "toc", "ucmsc.evidence"],
        "nav": ["index.md", "evidence/studies.md", "evidence/reading.md", "evidence/details.md", "evidence/trials.md"],
    }
    config_file = tmp / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    return config_file


def test_broken_data_stops_the_build_with_a_clear_message(tmp_path):
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    del raw["studies"][0]["efficacy"]
    config = _fixture_site(tmp_path, "http://127.0.0.1/", yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    with pytest.raises(BuildFailed) as err:
        build_site(config, tmp_path / "site")
    text = "\n".join(err.value.messages)
    assert f"data/studies.yaml:" in text and f"study '{raw['studies'][0]['id']}'" in text and "'efficacy'" in text, text
    assert "Traceback" not in text


@pytest.mark.browser
def test_table_complete_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(base_url + "evidence/studies/")
        rows = pg.locator("table.evidence-table__table tbody tr")
        assert rows.count() == len(STUDIES)
        assert all(rows.nth(i).is_visible() for i in range(len(STUDIES)))
        assert pg.locator(".evidence-table__filters").count() == 0
    finally:
        context.close()




# Cards on a phone and on paper (issue 12, item 1)

PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}

# The text of a cell as a reader sees it: citation numbers left out, powers of ten as ^N.
CELL_TEXT_JS = """cell => { const c = cell.cloneNode(true);
  c.querySelectorAll('a.footnote-ref').forEach(a => (a.closest('sup') || a).remove());
  c.querySelectorAll('sup').forEach(s => s.replaceWith('^' + s.textContent));
  return c.textContent; }"""

# Words of the given elements whose letters land on more than one line ("Stu" / "dy"). A line
# break after a hyphen ("adverse-" / "event") is ordinary wrapping, so hyphens end a word here.
SPLIT_WORDS_JS = """els => { const split = [];
  for (const el of els) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/[A-Za-z\u00C0-\u024F0-9]{2,}/g)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) split.push(m[0]);
      }
    }
  }
  return split; }"""


def _ids(studies):
    return [f"study-{_slug(s['id'])}" for s in studies]


@pytest.mark.browser
def test_main_result_of_every_study_visible_at_375px_without_sideways_scrolling(browser, base_url):
    context = browser.new_context(**PHONE)
    try:
        pg = context.new_page()
        pg.goto(base_url + "evidence/studies/")
        pg.locator(".evidence-table__filters").wait_for(state="visible")
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways at 375 px"
        wrapper = pg.locator(".evidence-table__scroll")
        scroll = wrapper.evaluate("w => ({sw: w.scrollWidth, cw: w.clientWidth})")
        assert scroll["sw"] <= scroll["cw"], f"the studies scroll sideways inside their box: {scroll}"
        column = _column("efficacy")
        for study in STUDIES:
            row = pg.locator(f"#study-{_slug(study['id'])}")
            cell = row.locator(":scope > *").nth(column)
            cell.scroll_into_view_if_needed()
            assert cell.is_visible(), f"{study['id']}: main result hidden"
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, f"{study['id']}: main result off screen: {box}"
            shown = _squash(cell.evaluate(CELL_TEXT_JS))
            assert _yaml_plain(study["efficacy"]) in shown, f"{study['id']}: {shown!r}"
            # the card names the column: its label is drawn before the value
            label = cell.evaluate("c => getComputedStyle(c, '::before').content")
            assert label == '"Main result"', label
        # the header row is not shown; the card's first line is the study, a link to its account
        assert not pg.locator("table.evidence-table__table thead").is_visible()
        first = pg.locator("table.evidence-table__table tbody th[scope=row] a").first
        assert first.get_attribute("href").endswith(f"details/#study-{_slug(STUDIES[0]['id'])}")
    finally:
        context.close()


@pytest.mark.browser
def test_filters_and_sort_menu_work_on_cards(browser, base_url):
    context = browser.new_context(**PHONE)
    try:
        pg = context.new_page()
        pg.goto(base_url + "evidence/studies/")
        pg.locator(".evidence-table__filters").wait_for(state="visible")
        visible = "table.evidence-table__table tbody tr"
        pg.select_option("#study-table-filter-source", "Bone marrow")
        expected = _ids(s for s in STUDIES if s["source_filter"] == "Bone marrow")
        shown = [i for i in _ids(STUDIES) if pg.locator(f"#{i}").is_visible()]
        assert shown == expected and expected, shown
        pg.select_option("#study-table-filter-source", "")
        assert pg.locator(visible).evaluate_all("rs => rs.filter(r => r.offsetHeight > 0).length") == len(STUDIES)
        pg.select_option("#study-table-sort", "design:descending")
        order = pg.locator(visible).evaluate_all("rs => rs.map(r => r.id)")
        by_n = [i for _, _, i in sorted(((-s["n"], k, i) for k, (s, i) in enumerate(zip(STUDIES, _ids(STUDIES)))))]
        assert order == by_n, order
        assert pg.locator("th[data-field='design']").get_attribute("aria-sort") == "descending"
        pg.select_option("#study-table-sort", "")
        assert pg.locator(visible).evaluate_all("rs => rs.map(r => r.id)") == _ids(STUDIES)
        assert pg.locator("th[aria-sort]").count() == 0
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


@pytest.mark.browser
def test_header_names_every_column_in_reading_order(page, base_url):
    """The cards hide the header row, but it stays in the page (the cells' labels and the
    "Sort by" menu come from it), in the data's reading order. The wide-screen layout itself is
    checked in tests/test_reader_desktop.py."""
    page.goto(base_url + "evidence/studies/")
    page.locator(".evidence-table__filters").wait_for(state="visible")
    headers = page.locator("table.evidence-table__table thead th").evaluate_all("hs => hs.map(h => h.textContent.trim())")
    assert headers == [c[0] for c in COLUMNS]


@pytest.mark.browser
def test_print_shows_cards_without_controls_or_split_words(browser, base_url):
    context = browser.new_context(viewport={"width": 794, "height": 1123})  # A4 at 96 px per inch
    try:
        pg = context.new_page()
        pg.goto(base_url + "evidence/studies/")
        pg.locator(".evidence-table__filters").wait_for(state="visible")
        pg.emulate_media(media="print")
        controls = pg.locator(".evidence-table :is(button, select, input, label)")
        assert controls.count() > 0, "the script added no controls to check"
        shown = controls.evaluate_all("cs => cs.filter(c => c.getClientRects().length > 0).map(c => c.outerHTML.slice(0, 60))")
        assert shown == [], f"controls printed: {shown}"
        assert not pg.locator("table.evidence-table__table thead").is_visible()
        assert all(pg.locator(f"#{i}").is_visible() for i in _ids(STUDIES)), "a study is missing from the print"
        assert pg.evaluate("document.documentElement.scrollWidth") <= 794, "the print runs off the sheet"
        headings = pg.locator("table.evidence-table__table th[scope=row], article h1, article h2")
        assert headings.count() >= len(STUDIES)
        split = headings.evaluate_all(SPLIT_WORDS_JS)
        assert split == [], f"words split across lines in print: {split}"
        cells = pg.locator("table.evidence-table__table td")
        split = cells.evaluate_all(SPLIT_WORDS_JS)
        assert split == [], f"words split across lines in printed cells: {split}"
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_cards_at_375px_pass_axe(browser, base_url, scheme):
    """The card layout keeps the table's accessibility: axe-core on the table region at 375 px
    (contrast of the labels, tap-target spacing of the study link and its citation)."""
    from test_quality_gates import AXE_JS, describe, run_axe

    context = browser.new_context(**PHONE, color_scheme=scheme)
    try:
        pg = context.new_page()
        pg.goto(base_url + "evidence/studies/")
        wait_for_material(pg)  # Material's tooltips and the table script (both deferred) have run
        pg.locator(".evidence-table__filters").wait_for(state="visible")
        assert pg.locator("table.evidence-table__table td").first.evaluate("c => getComputedStyle(c).display") == "block"
        violations = run_axe(pg, AXE_JS.read_text(encoding="utf-8"), ".evidence-table")
        assert not violations, describe(violations)
    finally:
        context.close()
