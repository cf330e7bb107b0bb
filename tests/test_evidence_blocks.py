"""The evidence blocks and values (src/ucmsc/evidence.py), rendered from Markdown to HTML.

Fast: no site build. Each expectation comes from the YAML files read here with PyYAML (and
references.bib read with pybtex), never from the extension. Without a citation extension in the
list, the generated citations stay as ``[@key]`` text: that is what the citation extension
receives.
"""

from __future__ import annotations

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


ROB_RAW = yaml.safe_load((ROOT / "data/risk_of_bias.yaml").read_text(encoding="utf-8"))
ROB = {r["study"]: r for r in ROB_RAW["studies"]}
COMPARISONS = {c["id"]: c for c in OUTCOMES_RAW["comparisons"]}


def _expected_grade(outcome: dict) -> tuple[str | None, str]:
    """GRADE from the YAML read here: start high when a study is a randomised comparison (RoB 2)."""
    if COMPARISONS[outcome["comparison"]]["kind"] == "single-group":
        return None, "none"
    if outcome["studies"]:
        start = "high" if any(ROB[s]["tool"] == "RoB 2" for s in outcome["studies"]) else "low"
    elif outcome.get("external"):
        start = outcome["start"]
    else:
        return None, "none"
    return start, GRADES[max(0, GRADES.index(start) - sum(d["levels"] for d in outcome["downgrades"]))]


def test_summary_of_findings_one_table_per_comparison_rows_from_the_data():
    page = render("/// summary-of-findings\n///\n", page="docs/evidence/summary.md")
    used = [c for c in COMPARISONS if any(o["comparison"] == c for o in OUTCOMES_RAW["outcomes"])]
    tables = page.select("div#sof-table table.sof__table")
    assert [t["id"] for t in tables] == [f"sof-table-{c}" for c in used]
    for table, cid in zip(tables, used):
        comparison = COMPARISONS[cid]
        intro = table.find_previous_sibling("p", class_="sof__comparison")
        assert squash(intro.get_text()) == f"Comparison: {squash(comparison['name'])}"
        outcomes = [o for o in OUTCOMES_RAW["outcomes"] if o["comparison"] == cid]
        rows = table.select(":scope > tbody > tr")
        assert [r["id"] for r in rows] == [f"sof-{o['id']}" for o in outcomes]
        for row, outcome in zip(rows, outcomes):
            n = sum(BY_ID[s]["n"] for s in outcome["studies"])
            assert row["data-studies"] == str(len(outcome["studies"])) and row["data-participants"] == str(n)
            assert row["data-comparison"] == cid
            start, grade = _expected_grade(outcome)
            assert row["data-certainty"] == grade == outcome["certainty"]
            who = row.find("td", attrs={"data-label": "Studies and participants"})
            for sid in outcome["studies"]:
                link = who.find("a", string=BY_ID[sid]["study"])
                assert link["href"] == f"studies.md#study-{sid}"
            certainty = squash(row.find("td", attrs={"data-label": "Certainty"}).get_text(" "))
            if grade == "none":
                assert certainty.startswith("Not graded")
                if comparison["kind"] == "single-group":
                    assert "no comparative estimate" in certainty
            else:
                assert f"{grade.capitalize()} Starts {start}" in certainty
                for d in outcome["downgrades"]:
                    assert f"{d['domain'].capitalize()} −{d['levels']}:" in certainty
            label = "Effect" if comparison["kind"] == "comparative" else "Result (no comparative estimate)"
            effect = row.find("td", attrs={"data-label": label}).get_text(" ")
            for key in re.findall(r"@([\w-]+)", outcome["effect"]):
                assert f"@{key}" in effect  # left for the citation extension
            rob = squash(row.find("td", attrs={"data-label": "Risk of bias"}).get_text(" "))
            for sid in outcome["studies"]:
                if ROB[sid]["tool"] != "none":
                    assert f"{BY_ID[sid]['study']}: " in rob and f"{ROB[sid]['overall']} ({ROB[sid]['tool']})" in rob
            declared = sum(d["levels"] for d in outcome["downgrades"] if d["domain"] == "risk of bias")
            if outcome["studies"] and comparison["kind"] == "comparative":
                assert rob.endswith(f"−{declared} level{'' if declared == 1 else 's'}" if declared else "none"), rob


def _rob_rule(studies: list[str]) -> int:
    """The risk-of-bias downgrade rule of CONTRIBUTING.md, written out here from the YAML."""
    total = sum(BY_ID[s]["n"] for s in studies)
    cls = {"low": 0, "some concerns": 1, "moderate": 1, "high": 2, "serious": 2, "critical": 3}
    worse = sum(BY_ID[s]["n"] for s in studies if cls[ROB[s]["overall"]] >= 2)
    concerns = sum(BY_ID[s]["n"] for s in studies if cls[ROB[s]["overall"]] >= 1)
    if any(cls[ROB[s]["overall"]] == 3 for s in studies) or 2 * worse > total:
        return 2
    return 1 if worse or 2 * concerns > total else 0


@pytest.mark.parametrize("outcome", [o for o in OUTCOMES_RAW["outcomes"] if o["studies"]
                                     and COMPARISONS[o["comparison"]]["kind"] == "comparative"],
                         ids=lambda o: o["id"])
def test_each_risk_of_bias_downgrade_follows_the_rule_from_the_judgements(outcome):
    declared = sum(d["levels"] for d in outcome["downgrades"] if d["domain"] == "risk of bias")
    assert declared == _rob_rule(outcome["studies"])


# ---------------------------------------------------------------------------- risk of bias

JUDGEMENT_SYMBOLS = {"low": "✓", "some concerns": "!", "moderate": "!", "high": "✗", "serious": "✗",
                     "critical": "✗✗", "no information": "?"}


def test_risk_of_bias_tables_show_every_judgement_as_word_and_symbol_with_its_support():
    page = render("/// risk-of-bias\n///\n", page="docs/evidence/summary.md")
    for tool in ("RoB 2", "ROBINS-I"):
        entries = [r for r in ROB_RAW["studies"] if r["tool"] == tool]
        table = page.select_one(f"table#rob-table-{re.sub('[^a-z0-9]+', '-', tool.lower()).strip('-')}")
        heads = [squash(th.get_text()) for th in table.select("thead th")]
        assert heads == ["Study"] + [d.capitalize() for d in ROB_RAW["tools"][tool]] + ["Overall"]
        rows = table.select("tbody > tr")
        assert [r["id"] for r in rows] == [f"rob-{e['study']}" for e in entries]
        for row, entry in zip(rows, entries):
            assert row.th.find("a", string=BY_ID[entry["study"]]["study"])["href"] == f"details.md#study-{entry['study']}"
            cells = row.find_all("td")
            for td, domain in zip(cells, entry["domains"]):
                word = domain["judgement"]
                assert td["data-judgement"] == word
                assert squash(td.get_text(" ")) == f"{JUDGEMENT_SYMBOLS[word]} {word.capitalize()}"
                assert td.select_one(".rob__symbol")["aria-hidden"] == "true"  # the word is read, not the symbol
            overall = squash(cells[-1].get_text(" "))
            assert overall.startswith(f"{JUDGEMENT_SYMBOLS[entry['overall']]} {entry['overall'].capitalize()}")
            why = page.select_one(f"details#rob-why-{entry['study']}")
            items = why.select("li")
            assert [li["data-domain"] for li in items] == [d["domain"] for d in entry["domains"]]
            for li, domain in zip(items, entry["domains"]):
                text = squash(li.get_text(" "))
                assert squash(domain["support"]) in text
                if domain.get("quote"):
                    assert f"“{squash(domain['quote'])}”" in text
                for key in domain["cite"]:
                    assert f"@{key}" in text
    single = page.select("ul.rob__none > li")
    assert [li["id"] for li in single] == [f"rob-{r['study']}" for r in ROB_RAW["studies"] if r["tool"] == "none"]


# ---------------------------------------------------------------------------- forest plots

def _statsmodels_rr(a: int, n1: int, c: int, n2: int):
    """Risk ratio and 95% CI by statsmodels, from the table with 0.5 added to every cell when one is zero."""
    import numpy as np
    from statsmodels.stats.contingency_tables import Table2x2

    cells = np.array([[a, n1 - a], [c, n2 - c]], dtype=float)
    if (cells == 0).any():
        cells += 0.5
    table = Table2x2(cells, shift_zeros=False)
    low, high = table.riskratio_confint(alpha=0.05)
    return table.riskratio, low, high


FOREST = [(o, arm) for o in OUTCOMES_RAW["outcomes"] for arm in o.get("forest", [])]


@pytest.mark.parametrize("outcome, arm", FOREST, ids=[f"{o['id']}-{a['study']}" for o, a in FOREST])
def test_forest_risk_ratio_and_interval_equal_statsmodels(outcome, arm):
    page = render(f"/// forest-plot\n    comparison: {outcome['comparison']}\n    outcome: {outcome['id']}\n///\n",
                  page="docs/evidence/summary.md")
    row = page.select_one(f"table#forest-table-{outcome['id']} tr[data-study={arm['study']}]")
    rr, low, high = _statsmodels_rr(arm["events"], arm["total"], arm["control_events"], arm["control_total"])
    cell = row.find("td", attrs={"data-label": "Risk ratio (95% CI)"})
    assert float(cell["data-rr"]) == pytest.approx(rr, rel=1e-3)
    assert float(cell["data-low"]) == pytest.approx(low, rel=1e-3)
    assert float(cell["data-high"]) == pytest.approx(high, rel=1e-3)
    assert squash(cell.get_text()).startswith(f"{rr:.2f} (95% CI {low:.2f} to {high:.2f})")
    zero = 0 in (arm["events"], arm["total"] - arm["events"], arm["control_events"], arm["control_total"] - arm["control_events"])
    assert ("0.5 added to each cell" in cell.get_text()) == zero
    arms = row.find_all("td")[1:3]
    assert [squash(td.get_text()) for td in arms] == [f"{arm['events']} of {arm['total']}",
                                                      f"{arm['control_events']} of {arm['control_total']}"]
    # the plot: the square sits at the risk ratio on the log axis (0.01 to 100 over 336 units from x=12)
    svg = page.select_one(f"figure#forest-{outcome['id']} svg")
    square = svg.select("rect.forest__point")[outcome["forest"].index(arm)]
    import math
    x = 12 + 336 * (math.log10(rr) + 2) / 4
    assert float(square["x"]) + 5 == pytest.approx(x, abs=0.1)


def test_forest_plot_of_a_comparison_with_its_published_pool_and_text_alternative():
    for cid, comparison in COMPARISONS.items():
        outcomes = [o for o in OUTCOMES_RAW["outcomes"] if o["comparison"] == cid and o.get("forest")]
        if not outcomes:
            continue
        page = render(f"/// forest-plot\n    comparison: {cid}\n///\n", page="docs/evidence/summary.md")
        figures = page.select("figure.forest__figure")
        assert [f["data-outcome"] for f in figures] == [o["id"] for o in outcomes]
        for figure, outcome in zip(figures, outcomes):
            svg = figure.find("svg")
            assert svg["role"] == "img" and svg.find("title") and svg.find("desc")
            assert svg["aria-labelledby"] == f"{svg.find('title')['id']} {svg.find('desc')['id']}"
            assert not re.search(r"(fill|stroke|style)=\"[^\"]*(#|rgb)", str(svg))  # currentColor only
            table = page.select_one(f"table#forest-table-{outcome['id']}")
            assert table is not None  # the numbers as a table: the plot's text alternative
            heads = [squash(th.get_text()) for th in table.select("thead th")]
            assert heads[2:4] == [comparison["arm"], comparison["control"]]
            pooled = outcome.get("pooled")
            diamonds = svg.select("path.forest__diamond")
            assert len(diamonds) == (1 if pooled else 0)
            if pooled:
                row = table.select_one("tr[data-pooled]")
                cell = row.find("td", attrs={"data-label": "Risk ratio (95% CI)"})
                assert squash(cell.get_text()).startswith(
                    f"{pooled['estimate']:.2f} (95% CI {pooled['low']:.2f} to {pooled['high']:.2f}); I² {pooled['i2']}")
                for key in pooled["cite"]:
                    assert f"@{key}" in row.get_text() and f"@{key}" in figure.figcaption.get_text()
                desc = svg.find("desc").get_text()
                assert f"{pooled['estimate']:.2f} (95% CI {pooled['low']:.2f} to {pooled['high']:.2f})" in desc


@pytest.mark.parametrize("options, needle", [
    ("", "it is missing"),
    ("    comparison: cells-vs-nothing\n", "'cells-vs-nothing' is not one"),
    ("    comparison: single-group\n", "'single-group' is not one"),
    ("    comparison: ifn-vs-cells\n    outcome: acr20\n", "outcome 'acr20' has no arm counts in comparison 'ifn-vs-cells'"),
])
def test_forest_plot_option_mistakes_name_the_page_line(messages, options, needle):
    text = f"# Plots\n\nIntro.\n\n/// forest-plot\n{options}///\n"
    page = render(text, page=None)
    assert page.find("svg") is None
    assert len(messages) == 1 and needle in messages[0], messages
    assert messages[0].startswith("line 5: /// forest-plot"), messages  # the page is unknown here: its line


def test_forest_plot_unknown_option_names_the_page_line(messages):
    page = render("# Plots\n\n/// forest-plot\n    compare: ifn-vs-cells\n///\n", page=None)
    assert page.find("svg") is None
    assert len(messages) == 1 and messages[0].startswith("line 3: '/// forest-plot' was not drawn: /// forest-plot "
                                                         "takes no argument and only the options 'comparison:'"), messages


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


def test_every_generated_table_has_column_headers_for_screen_readers():
    """Each table of every block: a header row of <th scope="col">, and a row header per body row."""
    forests = "".join(f"/// forest-plot\n    comparison: {cid}\n///\n\n" for cid in COMPARISONS
                      if any(o["comparison"] == cid and o.get("forest") for o in OUTCOMES_RAW["outcomes"]))
    page = render("/// summary-of-findings\n///\n\n/// risk-of-bias\n///\n\n/// trials-table\n///\n\n" + forests,
                  page="docs/evidence/summary.md")
    tables = page.select("table")
    # one per comparison with outcomes, one per tool used, the trials, one per outcome with arm counts
    assert len(tables) == (len({o["comparison"] for o in OUTCOMES_RAW["outcomes"]})
                           + len({r["tool"] for r in ROB_RAW["studies"]} - {"none"}) + 1
                           + sum(1 for o in OUTCOMES_RAW["outcomes"] if o.get("forest")))
    for table in tables:
        heads = table.select("thead > tr > th")
        assert heads and all(th.get("scope") == "col" for th in heads), table.get("id")
        assert all(row.find("th", scope="row") for row in table.select("tbody > tr")), table.get("id")


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


def test_page_mistakes_count_lines_in_the_page_file_front_matter_included(messages):
    """In a build the source hook gives the page's file; a message counts its lines from the first."""
    text = "# T\n\n/// evidence-tabel\n///\n"
    with context.rendering("docs/nowhere.md", "---\ntitle: T\n---\n" + text):
        markdown.markdown(text, extensions=EXTENSIONS)
    assert any(m.startswith("docs/nowhere.md:6: '/// evidence-tabel' was not drawn") for m in messages), messages


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
