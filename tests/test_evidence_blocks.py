"""The evidence blocks and values (src/ucmsc/evidence.py), rendered from Markdown to HTML.

Fast: no site build. Each expectation comes from the YAML files read here with PyYAML (and
references.bib read with pybtex), never from the extension. Without a citation extension in the
list, the generated citations stay as ``[@key]`` text: that is what the citation extension
receives.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import markdown
import pytest
import yaml
from bs4 import BeautifulSoup

from sitekit import ROOT
from ucmsc import context

EXTENSIONS = ["ucmsc.evidence", "attr_list", "md_in_html"]
STUDIES_RAW = yaml.safe_load((ROOT / "data/studies.yaml").read_text(encoding="utf-8"))
OUTCOMES_RAW = yaml.safe_load((ROOT / "data/outcomes.yaml").read_text(encoding="utf-8"))
TRIALS_RAW = yaml.safe_load((ROOT / "data/trials.yaml").read_text(encoding="utf-8"))
STUDIES = STUDIES_RAW["studies"]
BY_ID = {s["id"]: s for s in STUDIES}
LABELS = {label["id"]: label for label in STUDIES_RAW["labels"]}
TRIALS = TRIALS_RAW["trials"]
WORDS = "no one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split()
GRADES = ["very low", "low", "moderate", "high"]


@pytest.fixture(autouse=True)
def project():
    """The real project folder (an in-process site build elsewhere may have set another)."""
    context.set_project_root(ROOT)
    yield
    context.set_project_root(ROOT)


class Messages(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def messages():
    handler = Messages()
    logger = logging.getLogger("mkdocs.ucmsc")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def render(text: str, page: str | None = "docs/evidence/studies.md") -> BeautifulSoup:
    with context.rendering(page):
        return BeautifulSoup(markdown.markdown(text, extensions=EXTENSIONS), "lxml")


def squash(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------------- evidence table


@pytest.fixture(scope="module")
def table_page():
    context.set_project_root(ROOT)
    return render("# Studies\n\n/// evidence-table\n///\n\nAfter.\n")


def test_table_has_one_row_per_study_in_data_order(table_page):
    rows = table_page.select("table#study-table.evidence-table__table > tbody > tr")
    assert [r["id"] for r in rows] == [f"study-{s['id']}" for s in STUDIES]
    for row, study in zip(rows, STUDIES):
        label = LABELS[study["label"]]
        assert row["data-group"] == study["group"]
        assert row["data-source"] == study["source_filter"] and row["data-route"] == study["route_filter"]
        assert row["data-label"] == f"{label['short']}: {label['name']}"
    assert [int(r["data-order"]) for r in rows] == list(range(len(STUDIES)))


def test_table_wrappers_and_headers(table_page):
    wrapper = table_page.select_one("div.evidence-table > div.evidence-table__scroll")
    # the studies are cards at every width: nothing scrolls, so the wrapper is no tab stop or region
    assert not {"role", "tabindex", "aria-label"} & set(wrapper.attrs)
    heads = table_page.select("#study-table thead th")
    assert all(th["scope"] == "col" for th in heads)
    assert [th["data-field"] for th in heads][:5] == ["study", "design", "label", "efficacy", "adverse_events"]
    after = table_page.select("tbody tr:first-child td.evidence-table__after")
    assert len(after) == 1 and after[0]["data-label"] == "Cell source"


def test_study_cell_links_to_its_account_and_keeps_citations_for_the_citation_extension(table_page):
    for study in STUDIES:
        head = table_page.select_one(f"#study-{study['id']} > th[scope=row]")
        assert head["data-sort-value"] == study["study"]
        link = head.find("a")
        assert link.get_text() == study["study"] and link["href"] == f"details.md#study-{study['id']}"
        assert link["class"] == ["evidence-table__study"]
        cites = "; ".join(f"@{key}" for key in study["cite"])
        assert squash(head.get_text(" ")).endswith(f"Source: [{cites}]")


def test_label_design_and_route_cells(table_page):
    for study in STUDIES:
        row = table_page.select_one(f"#study-{study['id']}")
        label = LABELS[study["label"]]
        cell = row.find("td", attrs={"data-label": "Evidence strength"})
        assert cell["data-sort-value"] == label["short"]
        link = cell.find("a")
        assert link["href"] == f"reading.md#{label['id']}" and link.get_text() == label["short"]
        assert link["title"] == f"What label {label['short']} means" and link.find("strong")
        assert squash(cell.get_text()) == f"{label['short']}: {squash(label['name'])}"
        design = row.find("td", attrs={"data-label": "Design and size"})
        assert design["data-sort-value"] == str(study["n"])
        assert design.find("strong").get_text() == f"{study['n']} patients"
        assert design.find("br") is not None
        route = row.find("td", attrs={"data-label": "Route and number of infusions"})
        assert squash(route.get_text()).startswith(squash(study["route"]) + ". Infusions:")


def test_powers_of_ten_are_superscripts_and_text_is_escaped():
    """10^7 in the data shows as 10<sup>7</sup>; "<" in the data is text, never markup."""
    dose = next(s for s in STUDIES if "10^" in s["dose"])
    page = render("/// evidence-table\n///\n")
    cell = page.select_one(f"#study-{dose['id']} td[data-label=Dose]")
    power = re.search(r"10\^(-?\d+)", dose["dose"]).group(1)
    assert cell.find("sup").get_text() == power
    lt = next(s for s in STUDIES if "<" in s["efficacy"])
    efficacy = page.select_one(f"#study-{lt['id']} td[data-label='Main result']")
    assert re.search(r"P<0\.\d+", lt["efficacy"]).group(0) in efficacy.get_text()
    assert not efficacy.find_all(lambda tag: tag.name not in ("abbr", "sup", "br", "strong", "em", "a", "span"))


def test_links_are_relative_to_the_page_that_shows_the_table():
    page = render("/// evidence-table\n///\n", page="docs/index.md")
    first = STUDIES[0]
    assert page.select_one(f"#study-{first['id']} th a")["href"] == f"evidence/details.md#study-{first['id']}"
    label = page.select_one(f"#study-{first['id']} td[data-label='Evidence strength'] a")
    assert label["href"] == f"evidence/reading.md#{first['label']}"


def test_script_follows_the_table_once_per_page():
    page = render("/// evidence-table\n///\n\nText.\n\n/// evidence-table\n///\n")
    scripts = page.find_all("script")
    assert len(scripts) == 1
    assert scripts[0].find_previous("table", class_="evidence-table__table") is not None
    source = (ROOT / "includes/evidence-table.js").read_text(encoding="utf-8")
    code = scripts[0].get_text()
    assert "__evidenceTableReady" in code and "__evidenceTableReady" in source
    assert len(code) < len(source) and "//" not in code.replace("://", "")  # comments removed
    assert render("/// summary-of-findings\n///\n").find("script") is None


def test_script_without_comments_and_never_closing_its_tag_early(tmp_path, messages):
    from ucmsc.evidence import script_html

    tag = script_html("(function () {\n  // why\n  var a = 1\n})()\n")
    assert tag.startswith("<script>") and tag.endswith("</script>") and "why" not in tag and "var a=1" in tag
    root = _data_copy(tmp_path)
    (root / "includes/evidence-table.js").write_text('var s = "</script>";\n', encoding="utf-8")
    context.set_project_root(root)
    page = render("/// evidence-table\n///\n")
    assert page.find("table") is not None and page.find("script") is None
    assert messages == ["includes/evidence-table.js: the script contains '</script', which would end the inline "
                        "<script> early."]


def _data_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    shutil.copytree(ROOT / "includes", tmp_path / "includes")
    return tmp_path


def test_plain_result_is_shown_before_the_main_result(tmp_path):
    """Every study with a plain_result in the data shows it first, then the clinical detail."""
    page = render("/// evidence-table\n///\n")
    with_plain = [study for study in STUDIES if study.get("plain_result")]
    assert with_plain, "no study in data/studies.yaml has a plain_result"
    for study in with_plain:
        cell = page.select_one(f"#study-{study['id']} td[data-label='Main result']")
        shown = squash(cell.get_text(" "))
        plain = squash(study["plain_result"])
        assert shown.startswith(f"In plain words: {plain}"), shown
        detail = squash(study["efficacy"].split("[@")[0])[:40]
        assert shown.split(plain, 1)[1].strip().startswith("In detail: " + detail), shown
        assert cell.select_one("span.evidence-table__plain") is not None


def test_a_study_without_plain_result_shows_the_main_result_alone(tmp_path):
    root = _data_copy(tmp_path)
    path = root / "data/studies.yaml"
    study = STUDIES[0]
    line = f'    plain_result: "{study["plain_result"]}"\n'
    text = path.read_text(encoding="utf-8")
    assert line in text, "the first study's plain_result is no longer one line: update the test"
    path.write_text(text.replace(line, "", 1), encoding="utf-8")
    context.set_project_root(root)
    page = render("/// evidence-table\n///\n")
    cell = page.select_one(f"#study-{study['id']} td[data-label='Main result']")
    assert "In plain words" not in cell.get_text() and "In detail" not in cell.get_text()
    other = page.select_one(f"#study-{STUDIES[1]['id']} td[data-label='Main result']")
    assert "In plain words" in other.get_text()


# ------------------------------------------------------------------- summary of findings


def _expected_grade(outcome: dict) -> tuple[str | None, str]:
    if outcome["studies"]:
        start = "high" if any(BY_ID[s]["label"] in ("strength-a", "strength-b") for s in outcome["studies"]) else "low"
    elif outcome.get("external"):
        start = outcome["start"]
    else:
        return None, "none"
    return start, GRADES[max(0, GRADES.index(start) - sum(d["levels"] for d in outcome["downgrades"]))]


def test_summary_of_findings_rows_from_the_data():
    page = render("/// summary-of-findings\n///\n", page="docs/evidence/summary.md")
    assert squash(page.select_one("div.sof > p.sof__comparison").get_text()) == f"Comparison: {squash(OUTCOMES_RAW['comparison'])}"
    rows = page.select("table#sof-table > tbody > tr")
    assert [r["id"] for r in rows] == [f"sof-{o['id']}" for o in OUTCOMES_RAW["outcomes"]]
    for row, outcome in zip(rows, OUTCOMES_RAW["outcomes"]):
        n = sum(BY_ID[s]["n"] for s in outcome["studies"])
        assert row["data-studies"] == str(len(outcome["studies"])) and row["data-participants"] == str(n)
        start, grade = _expected_grade(outcome)
        assert row["data-certainty"] == grade == outcome["certainty"]
        who = row.find("td", attrs={"data-label": "Studies and participants"})
        for sid in outcome["studies"]:
            link = who.find("a", string=BY_ID[sid]["study"])
            assert link["href"] == f"studies.md#study-{sid}"
        certainty = squash(row.find("td", attrs={"data-label": "Certainty"}).get_text(" "))
        if grade == "none":
            assert certainty.startswith("Not graded")
        else:
            assert f"{grade.capitalize()} Starts {start}" in certainty
            for d in outcome["downgrades"]:
                assert f"{d['domain'].capitalize()} −{d['levels']}:" in certainty
        effect = row.find("td", attrs={"data-label": "Effect against control"}).get_text(" ")
        for key in re.findall(r"@([\w-]+)", outcome["effect"]):
            assert f"@{key}" in effect  # left for the citation extension


# ----------------------------------------------------------------------- registered trials


def test_trials_rows_from_the_data():
    page = render("/// trials-table\n///\n", page="docs/evidence/trials.md")
    rows = page.select("table#trials-table > tbody > tr")
    assert [r["id"] for r in rows] == [t["id"].lower() for t in TRIALS]
    for row, trial in zip(rows, TRIALS):
        assert row["data-trial"] == trial["id"]
        head = squash(row.th.get_text(" "))
        assert head.startswith(f"{trial['id']} {trial['registry']}, read {trial['checked'].isoformat()}")
        assert head.endswith("[" + "; ".join(f"@{k}" for k in trial["cite"]) + "]")
        cells = {td["data-label"]: td for td in row.find_all("td")}
        n = "not reported" if trial["enrolment"] is None else f"{trial['enrolment']} ({trial['enrolment_type']})"
        assert squash(cells["Participants"].get_text()) == n
        assert squash(cells["Results posted"].get_text()) == ("Yes" if trial["results_posted"] else "No")
        link = cells["Published study"].find("a")
        if trial.get("study"):
            assert link["href"] == f"studies.md#study-{trial['study']}"
        else:
            assert link is None and cells["Published study"].get_text() == "None linked"


# --------------------------------------------------------------------------- evidence map


def test_evidence_map_from_the_data():
    page = render("/// evidence-map\n///\n", page="docs/evidence/summary.md")
    figure = page.select_one("figure#evidence-map-figure.evidence-map")
    svg = figure.find("svg")
    marks = svg.select("g.em-study")
    grouped = [s for label in LABELS for s in STUDIES if s["label"] == label]
    assert [m["data-study"] for m in marks] == [s["id"] for s in grouped]
    assert [int(m["data-n"]) for m in marks] == [s["n"] for s in grouped]
    assert f"{len(STUDIES)} clinical studies" in svg.find("title").get_text()
    pre = OUTCOMES_RAW["preclinical"]
    animal = svg.find("g", class_="em-animal")
    assert len(animal.find_all("rect")) == pre["studies"] and len(animal.select(".em-bar--umbilical")) == pre["benefit"]
    caption = figure.find("figcaption")
    assert caption["id"] == svg["aria-describedby"]
    assert caption.find("a")["href"] == "studies.md#study-table"
    assert f"(longest: {max(s['n'] for s in STUDIES)})" in caption.get_text()


# ------------------------------------------------------------------------------ values


def test_values_from_the_data():
    text = "[=studies-count], [=studies-count umbilical], [=studies-count other], [=trials-count]; [=evidence-date]."
    page = render(text)
    date = TRIALS_RAW["evidence_current_to"]
    groups = [sum(s["group"] == g for s in STUDIES) for g in ("umbilical", "other")]
    expected = f"{WORDS[len(STUDIES)]}, {WORDS[groups[0]]}, {WORDS[groups[1]]}, {WORDS[len(TRIALS)]}; "
    assert page.p.get_text().startswith(expected)
    time = page.find("time")
    assert time["datetime"] == date.isoformat() and time.get_text() == f"{date.day} {date.strftime('%B')} {date.year}"


def test_values_in_code_stay_literal():
    page = render("Write `[=studies-count]` for the number.\n\n    [=trials-count]\n")
    assert page.find("code").get_text() == "[=studies-count]"
    assert page.find("pre").get_text().strip() == "[=trials-count]"


# ------------------------------------------------------------------------------ mistakes


@pytest.mark.parametrize(
    "text, line, problem",
    [
        ("Intro.\n\nWe list [=studies-count planets] studies.\n", 3, "unknown evidence value [=studies-count planets]"),
        ("Intro.\n\nThe [=study-count].\n", 3, "unknown evidence value [=study-count]"),
        ("Intro.\n\nThe [=trials-count umbilical].\n", 3, "unknown evidence value [=trials-count umbilical]"),
        ("# T\n\n/// evidence-tabel\n///\n", 3, "'/// evidence-tabel' was not drawn: no block has this name"),
        ("# T\n\n/// evidence-table | all\n///\n", 3, "'/// evidence-table | all' was not drawn: the evidence blocks take no argument"),
        ("# T\n\n/// trials-table\nSome text\n///\n", 3, "the block /// trials-table takes no content"),
        ("# T\n\nWe list <!-- studies:count umbilical --> studies.\n", 3,
         "the marker <!-- studies:count umbilical --> is no longer read; write [=studies-count umbilical]."),
        ("# T\n\n<!-- evidence:summary-of-findings -->\n", 3,
         "the marker <!-- evidence:summary-of-findings --> is no longer read; write /// summary-of-findings and ///"),
    ],
)
def test_page_mistakes_name_file_and_line(messages, text, line, problem):
    render(text, page="docs/nowhere.md")
    assert any(m.startswith(f"docs/nowhere.md:{line}: {problem}") for m in messages), messages
    assert all("Traceback" not in m for m in messages)


def test_an_unknown_key_in_the_data_is_reported_once_and_left_out(tmp_path, messages):
    root = _data_copy(tmp_path)
    path = root / "data/studies.yaml"
    study = STUDIES[0]
    text = path.read_text(encoding="utf-8")
    old = f"    cite: [{study['cite'][0]}]\n"
    path.write_text(text.replace(old, f"    cite: [{study['cite'][0]}, nosuchkey2020]\n", 1), encoding="utf-8")
    line = text.split("\n").index(old.rstrip("\n")) + 1
    context.set_project_root(root)
    page = render("[=studies-count]\n\n/// evidence-table\n///\n\n/// trials-table\n///\n")
    head = page.select_one(f"#study-{study['id']} > th")
    assert squash(head.get_text(" ")).endswith(f"Source: [@{study['cite'][0]}]") and "nosuchkey" not in str(page)
    assert len(messages) == 1 and messages[0].startswith(
        f"data/studies.yaml:{line}: unknown citation key '@nosuchkey2020': it is not in the bibliography.")


def test_broken_data_is_reported_at_its_line_and_draws_nothing(tmp_path, messages):
    root = _data_copy(tmp_path)
    path = root / "data/studies.yaml"
    text = path.read_text(encoding="utf-8")
    study = STUDIES[0]
    n_line = f"    n: {study['n']}\n"
    broken = text.replace(n_line, "    n: many\n", 1)
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    line = broken.split("\n").index("    n: many") + 1
    context.set_project_root(root)
    page = render("[=studies-count]\n\n/// evidence-table\n///\n")
    assert page.find("table") is None and page.find("script") is None
    assert messages == [f"data/studies.yaml:{line}: study '{study['id']}': n must be a whole number of patients, not 'many'."]
