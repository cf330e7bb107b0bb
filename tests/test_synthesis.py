"""Summary of findings, registered trials, evidence map and evidence date (the blocks and values
of src/ucmsc/evidence.py), checked on the built site against the YAML files read here
directly, a broken data file failing a fixture build, and the layout at 375 px in Chromium."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from pybtex.database import parse_file

from sitekit import ROOT, BuildFailed, build_site, html_path, soup

STUDIES_RAW = yaml.safe_load((ROOT / "data/studies.yaml").read_text(encoding="utf-8"))
OUTCOMES_RAW = yaml.safe_load((ROOT / "data/outcomes.yaml").read_text(encoding="utf-8"))
TRIALS_RAW = yaml.safe_load((ROOT / "data/trials.yaml").read_text(encoding="utf-8"))
ROB = {r["study"]: r for r in yaml.safe_load((ROOT / "data/risk_of_bias.yaml").read_text(encoding="utf-8"))["studies"]}
KIND = {c["id"]: c["kind"] for c in OUTCOMES_RAW["comparisons"]}
STUDIES = {s["id"]: s for s in STUDIES_RAW["studies"]}
LABELS = {label["id"]: label for label in STUDIES_RAW["labels"]}
OUTCOMES = OUTCOMES_RAW["outcomes"]
TRIALS = TRIALS_RAW["trials"]
DATE = TRIALS_RAW["evidence_current_to"]
SUMMARY_MD, STUDIES_MD, TRIALS_MD, DETAILS_MD = (
    "evidence/summary.md", "evidence/studies.md", "evidence/trials.md", "evidence/details.md",
)
GRADES = ["very low", "low", "moderate", "high"]
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
CITATION = re.compile(r"\[@[^\]]*\]")
WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def _text(element) -> str:
    """Visible text without citation superscripts."""
    clone = BeautifulSoup(str(element), "lxml")
    for ref in clone.select("a.footnote-ref"):
        (ref.find_parent("sup") or ref).decompose()
    for br in clone.find_all("br"):
        br.replace_with(" ")
    return " ".join(clone.get_text("").split())


def _expected_grade(outcome: dict) -> str:
    """GRADE, computed here from the YAML: start high if a study is a randomised comparison (RoB 2),
    else low; single-group results are not graded."""
    if KIND[outcome["comparison"]] == "single-group":
        return "none"
    if outcome["studies"]:
        start = "high" if any(ROB[s]["tool"] == "RoB 2" for s in outcome["studies"]) else "low"
    elif outcome.get("external"):
        start = outcome["start"]
    else:
        return "none"
    return GRADES[max(0, GRADES.index(start) - sum(d["levels"] for d in outcome["downgrades"]))]


# ------------------------------------------------------------------ the built site


@pytest.fixture(scope="module")
def summary(site):
    return soup(html_path(site, SUMMARY_MD))


@pytest.mark.parametrize("outcome", OUTCOMES, ids=[o["id"] for o in OUTCOMES])
def test_sof_row_numbers_equal_the_yaml(summary, outcome):
    row = summary.find("tr", id=f"sof-{outcome['id']}")
    assert row is not None, f"no row for {outcome['id']}"
    participants = sum(STUDIES[s]["n"] for s in outcome["studies"])
    count = len(outcome["studies"])
    assert row["data-participants"] == str(participants) and row["data-studies"] == str(count)
    cell = _text(row.find("td", attrs={"data-label": "Studies and participants"}))
    if count:
        assert f"{count} {'study' if count == 1 else 'studies'}, {participants} participants" in cell
        for sid in outcome["studies"]:
            study, label = STUDIES[sid], LABELS[STUDIES[sid]["label"]]
            assert f"{study['study']}: label {label['short']}" in cell and f"{study['n']} patient" in cell
            link = row.find("a", string=study["study"])
            assert link and link["href"].endswith(f"studies/#study-{sid}"), link
    else:
        assert cell.startswith("No")  # "No study" / "No RA study"
    # every number of the effect and its interval is on the page, as often as in the data
    text = _text(row)
    for field in ("effect", "interval") + (("external",) if outcome.get("external") else ()):
        wanted = Counter(NUMBER.findall(CITATION.sub(" ", outcome[field])))
        got = Counter(NUMBER.findall(text))
        assert not wanted - got, f"{field}: missing {wanted - got}"


@pytest.mark.parametrize("outcome", OUTCOMES, ids=[o["id"] for o in OUTCOMES])
def test_certainty_is_the_grade_computed_from_the_downgrades(summary, outcome):
    grade = _expected_grade(outcome)
    assert outcome["certainty"] == grade
    cell = _text(summary.find("tr", id=f"sof-{outcome['id']}").find("td", attrs={"data-label": "Certainty"}))
    if grade == "none":
        assert "Not graded" in cell
    else:
        assert f"{grade.capitalize()} Starts" in cell, cell
        for d in outcome["downgrades"]:
            assert f"{d['domain'].capitalize()} −{d['levels']}: {d['reason']}" in cell


def test_sof_outcomes_in_order_and_anchors(summary):
    rows = summary.select("#sof-table tbody tr")
    assert [r["id"] for r in rows] == [f"sof-{o['id']}" for o in OUTCOMES]
    assert summary.find(id="summary-of-findings") and summary.find(id="evidence-map")
    wanted = {"ACR20", "ACR50", "ACR70", "DAS28 remission", "HAQ", "radiographic", "Serious adverse events", "ever after"}
    heads = " ".join(_text(r.th) for r in rows)
    assert all(w in heads for w in wanted), heads


def test_studies_page_points_to_summary_and_map(site):
    page = soup(html_path(site, STUDIES_MD))
    for anchor in ("summary-of-findings", "evidence-map"):
        section = page.find(id=anchor)
        assert section is not None
        link = section.find_next("a", href=re.compile(rf"summary/#{anchor}$"))
        assert link is not None, anchor


def test_every_trial_has_its_row_and_anchor(site):
    page = soup(html_path(site, TRIALS_MD))
    studies_page = soup(html_path(site, STUDIES_MD))
    rows = page.select("#trials-table tbody tr")
    assert [r["id"] for r in rows] == [t["id"].lower() for t in TRIALS]
    for trial in TRIALS:
        row = page.find("tr", id=trial["id"].lower())
        cells = {td["data-label"]: _text(td) for td in row.find_all("td")}
        assert trial["id"] in _text(row.th) and trial["registry"] in _text(row.th)
        assert trial["checked"].isoformat() in _text(row.th)
        assert len(row.th.select("a.footnote-ref")) == len(trial["cite"])
        enrolment = "not reported" if trial["enrolment"] is None else f"{trial['enrolment']} ({trial['enrolment_type']})"
        assert cells["Participants"].endswith(enrolment), cells
        assert cells["Phase"].endswith(trial["phase"]) and cells["Status"].endswith(trial["status"])
        assert cells["Results posted"].endswith("Yes" if trial["results_posted"] else "No")
        link = row.find("td", attrs={"data-label": "Published study"}).find("a")
        if trial.get("study"):
            assert link["href"].endswith(f"studies/#study-{trial['study']}")
            assert studies_page.find(id=f"study-{trial['study']}") is not None
        else:
            assert link is None
    count = WORDS[len(TRIALS)]
    assert f"lists {count} registered trials" in _text(page.select_one(".admonition.abstract"))


def test_registry_records_are_in_the_bibliography():
    bib = parse_file(str(ROOT / "references.bib"), bib_format="bibtex")
    for trial in TRIALS:
        for key in trial["cite"]:
            assert re.fullmatch(r"[a-z]+[0-9]{4}[a-z0-9]+", key)
            entry = bib.entries[key]
            assert "Read 20" in entry.fields["note"] or "Verified" in entry.fields["note"]
        own = bib.entries[trial["cite"][0]]
        assert trial["id"] in own.fields["title"] and trial["id"] in own.fields["note"]


@pytest.mark.parametrize("md", [SUMMARY_MD, STUDIES_MD, TRIALS_MD, DETAILS_MD])
def test_evidence_date_on_the_evidence_pages(site, md):
    times = soup(html_path(site, md)).find_all("time", attrs={"datetime": DATE.isoformat()})
    assert times, md
    assert _text(times[0]) == f"{DATE.day} {DATE.strftime('%B')} {DATE.year}"
    assert "Evidence current to" in _text(times[0].parent)


def test_evidence_map_marks_and_text_alternative(summary):
    figure = summary.find("figure", class_="evidence-map")
    svg = figure.find("svg")
    assert svg["role"] == "img"
    title = summary.find(id=svg["aria-labelledby"])
    assert title is not None and title.name == "title" and f"{len(STUDIES)} clinical studies" in title.get_text()
    caption = summary.find(id=svg["aria-describedby"])
    assert caption is not None and caption.name == "figcaption"
    assert caption.find("a", href=re.compile(r"studies/#study-table$"))
    marks = svg.select("g.em-study")
    # one mark per study, grouped by evidence-strength label in the order the labels are defined
    grouped = [s["id"] for label in LABELS for s in STUDIES.values() if s["label"] == label]
    assert len(marks) == len(STUDIES) and [m["data-study"] for m in marks] == grouped
    assert [int(m["data-n"]) for m in marks] == [STUDIES[i]["n"] for i in grouped]
    # bar length proportional to n: the longest is the largest study
    widths = {m["data-study"]: float(m.find("rect")["width"]) for m in marks}
    biggest = max(STUDIES.values(), key=lambda s: s["n"])["id"]
    assert max(widths, key=widths.get) == biggest
    for m in marks:
        kind = "umbilical" if STUDIES[m["data-study"]]["group"] == "umbilical" else "other"
        assert f"em-bar--{kind}" in m.find("rect")["class"]
    animal = svg.find("g", class_="em-animal")
    pre = OUTCOMES_RAW["preclinical"]
    assert len(animal.find_all("rect")) == pre["studies"]
    assert len(animal.select("rect.em-bar--umbilical")) == pre["benefit"]
    # colours come from the style sheet (currentColor), never written into the SVG
    assert not re.search(r"(fill|stroke|style)=\"[^\"]*(#|rgb)", str(svg))


# ------------------------------------------------------------ broken data, fixture build


def _fixture(tmp: Path, outcomes: str | None = None, trials: str | None = None) -> Path:
    """A small site with the real extension, data and block pages; no citations."""
    (tmp / "data").mkdir(parents=True)
    shutil.copy(ROOT / "data/studies.yaml", tmp / "data/studies.yaml")
    shutil.copy(ROOT / "data/risk_of_bias.yaml", tmp / "data/risk_of_bias.yaml")
    (tmp / "data/outcomes.yaml").write_text(outcomes or (ROOT / "data/outcomes.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp / "data/trials.yaml").write_text(trials or (ROOT / "data/trials.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copy(ROOT / "references.bib", tmp / "references.bib")
    (tmp / "includes").mkdir()
    shutil.copy(ROOT / "includes/evidence-table.js", tmp / "includes/evidence-table.js")
    docs = tmp / "docs" / "evidence"
    docs.mkdir(parents=True)
    (tmp / "docs/index.md").write_text("# Home\n", encoding="utf-8")
    (docs / "studies.md").write_text("# Studies\n\n/// evidence-table\n///\n", encoding="utf-8")
    accounts = "\n\n".join(f"## {s['study']} {{#study-{s['id']}}}" for s in STUDIES.values())
    (docs / "details.md").write_text(f"# Details\n\n{accounts}\n", encoding="utf-8")
    anchors = "\n\n".join(f"## {l['short']} {{#{l['id']}}}" for l in STUDIES_RAW["labels"])
    (docs / "reading.md").write_text(f"# Reading\n\n## Registration\n\n{anchors}\n", encoding="utf-8")
    (docs / "summary.md").write_text(
        "# Summary\n\nCurrent to [=evidence-date].\n\n/// summary-of-findings\n///\n\n/// evidence-map\n///\n",
        encoding="utf-8",
    )
    (docs / "trials.md").write_text("# Trials\n\n[=trials-count]\n\n/// trials-table\n///\n", encoding="utf-8")
    (docs / "risk-of-bias.md").write_text("# Risk of bias\n\n/// risk-of-bias\n///\n", encoding="utf-8")
    config = {
        "site_name": "Synthesis fixture",
        "strict": True,  # the extension reports each problem as a warning; strict stops the build
        "theme": {"name": "mkdocs"},
        "hooks": [str(ROOT / "hooks/source_context.py")],  # the project folder, the page for messages
        "markdown_extensions": ["md_in_html", "attr_list", "toc", "ucmsc.evidence"],
        "nav": ["index.md", "evidence/studies.md", "evidence/details.md", "evidence/reading.md", "evidence/summary.md",
                "evidence/risk-of-bias.md", "evidence/trials.md"],
    }
    (tmp / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return tmp / "mkdocs.yml"


def _line_of(text: str, needle: str) -> int:
    return text.split("\n").index(needle) + 1


def test_fixture_builds_with_the_real_data(tmp_path):
    build_site(_fixture(tmp_path), tmp_path / "site")
    built = (tmp_path / "site/evidence/summary/index.html").read_text(encoding="utf-8")
    assert built.count('class="em-study"') == len(STUDIES)


def _broken(tmp_path, **files) -> str:
    with pytest.raises(BuildFailed) as err:
        build_site(_fixture(tmp_path, **files), tmp_path / "site")
    text = "\n".join(err.value.messages)
    assert "Traceback" not in text
    return text


def test_unknown_study_id_names_file_and_line(tmp_path):
    text = (ROOT / "data/outcomes.yaml").read_text(encoding="utf-8")
    broken = text.replace("studies: [alvarogracia2017]", "studies: [alvarogracia2017, nosuchstudy2020]", 1)
    assert broken != text
    message = _broken(tmp_path, outcomes=broken)
    line = _line_of(broken, "  - id: acr20")
    assert f"data/outcomes.yaml:{line}: outcome 'acr20': study 'nosuchstudy2020' is not in data/studies.yaml" in message


def test_missing_trial_field_names_file_and_line(tmp_path):
    text = (ROOT / "data/trials.yaml").read_text(encoding="utf-8")
    first = f"  - id: {TRIALS[0]['id']}"
    lines = text.split("\n")
    start = lines.index(first)
    status = next(i for i in range(start, len(lines)) if lines[i].strip().startswith("status:"))
    broken = "\n".join(lines[:status] + lines[status + 1:])
    message = _broken(tmp_path, trials=broken)
    assert f"data/trials.yaml:{start + 1}: trial '{TRIALS[0]['id']}' is missing the required field(s) 'status'" in message


def test_a_grade_that_disagrees_with_its_downgrades_fails(tmp_path):
    text = (ROOT / "data/outcomes.yaml").read_text(encoding="utf-8")
    lines = text.split("\n")
    start = lines.index("  - id: fever")
    grade = next(i for i in range(start, len(lines)) if lines[i].strip().startswith("certainty:"))
    lines[grade] = "    certainty: moderate"
    message = _broken(tmp_path, outcomes="\n".join(lines))
    assert f"data/outcomes.yaml:{start + 1}: outcome 'fever': certainty is 'moderate' but GRADE gives" in message


def test_a_risk_of_bias_downgrade_that_disagrees_with_the_judgements_fails(tmp_path):
    """Yang 2018 judged 'high' (RoB 2) holds all of the EULAR row's participants: the rule gives 2
    levels, the row declares 1, and the build stops at the line of that downgrade."""
    rob = (ROOT / "data/risk_of_bias.yaml").read_text(encoding="utf-8")
    lines = rob.split("\n")
    start = lines.index("  - study: yang2018")
    overall = next(i for i in range(start, len(lines)) if lines[i].startswith("    overall: "))
    lines[overall] = "    overall: high"
    text = (ROOT / "data/outcomes.yaml").read_text(encoding="utf-8")
    outcome = text.split("\n").index("  - id: eular-response")
    downgrade = next(i for i, line in enumerate(text.split("\n")) if i > outcome and line == "      - domain: risk of bias")
    fixture = _fixture(tmp_path)
    (tmp_path / "data/risk_of_bias.yaml").write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(BuildFailed) as err:
        build_site(fixture, tmp_path / "site")
    message = "\n".join(err.value.messages)
    assert "Traceback" not in message
    assert (f"data/outcomes.yaml:{downgrade + 1}: outcome 'eular-response': the risk-of-bias downgrade is 1 level(s), "
            "but data/risk_of_bias.yaml gives 2 (yang2018: high (RoB 2)") in message


def test_unknown_trial_study_fails(tmp_path):
    text = (ROOT / "data/trials.yaml").read_text(encoding="utf-8")
    broken = text.replace("study: wang2013", "study: wang2031", 1)
    assert broken != text
    message = _broken(tmp_path, trials=broken)
    assert "data/trials.yaml:" in message and "study 'wang2031' is not in data/studies.yaml" in message


# ----------------------------------------------------------------------- the browser


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_summary_and_trials_fit_375px(browser, base_url, scheme):
    context = browser.new_context(viewport={"width": 375, "height": 800}, color_scheme=scheme)
    try:
        pg = context.new_page()
        for path, rows in (("evidence/summary/", "#sof-table tbody tr"), ("evidence/trials/", "#trials-table tbody tr")):
            pg.goto(base_url + path)
            assert pg.evaluate("document.documentElement.scrollWidth") <= 375, path
            boxes = pg.eval_on_selector_all(rows + " > *", "els => els.map(e => e.getBoundingClientRect().right)")
            assert boxes and max(boxes) <= 375, (path, max(boxes))
        grade_cells = pg.goto(base_url + "evidence/summary/") and pg.locator("#sof-table td[data-label='Certainty']")
        assert grade_cells.count() == len(OUTCOMES)
        svg = pg.locator("#evidence-map-figure svg")
        box = svg.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        # every line of the map's text, the wrapped label headings too, ends inside the drawing
        ends = pg.eval_on_selector_all("#evidence-map-figure svg text", "els => els.map(e => e.getBBox().x + e.getBBox().width)")
        assert max(ends) <= 360, max(ends)  # the drawing's viewBox is 360 units wide
        # the map's ink is the page's text colour in either scheme, and differs from its background
        fill, text, bg = pg.evaluate(
            """() => {
              const t = document.querySelector('#evidence-map-figure svg text');
              const body = document.querySelector('.md-typeset');
              return [getComputedStyle(t).fill, getComputedStyle(body).color,
                      getComputedStyle(document.body).backgroundColor];
            }"""
        )
        assert fill == text and fill != bg, (fill, text, bg)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_forest_plots_at_375px_text_size_no_overflow_contrast_and_print(browser, base_url, scheme):
    """Every forest plot at 375 px: inside the screen, its text rendered at 12 px or more, its ink the
    page's text colour (not the background) with a contrast of at least 4.5:1; in print too."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, color_scheme=scheme)
    try:
        pg = context.new_page()
        pg.goto(base_url + "evidence/risk-of-bias/")
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375
        wanted = [o["id"] for o in OUTCOMES if o.get("forest")]
        assert pg.eval_on_selector_all("figure.forest__figure", "els => els.map(e => e.dataset.outcome)") == wanted
        probe = """() => [...document.querySelectorAll('.forest__svg')].map(svg => {
            const box = svg.getBoundingClientRect();
            const texts = [...svg.querySelectorAll('text')];
            const lum = c => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(v => v / 255)
                .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
                return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
            let bgEl = svg, bg = 'rgba(0, 0, 0, 0)';
            while (bgEl && /rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) { bg = getComputedStyle(bgEl).backgroundColor; bgEl = bgEl.parentElement; }
            const fill = getComputedStyle(texts[0]).fill;
            const [l1, l2] = [lum(fill), lum(bg)].sort((a, b) => b - a);
            return {left: box.left, right: box.right,
                    smallest: Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize) * box.width / svg.viewBox.baseVal.width)),
                    overflow: Math.max(...texts.map(t => t.getBoundingClientRect().right)) - box.right,
                    fill, text: getComputedStyle(document.querySelector('.md-typeset')).color, bg,
                    contrast: (l1 + 0.05) / (l2 + 0.05)};
        })"""
        for media in ("screen", "print"):
            pg.emulate_media(media=media)
            for plot in pg.evaluate(probe):
                assert plot["left"] >= 0 and plot["right"] <= 375, (media, plot)
                assert plot["smallest"] >= 12, (media, plot)
                assert plot["overflow"] <= 1, (media, plot)
                assert plot["fill"] == plot["text"] and plot["fill"] != plot["bg"], (media, plot)
                assert plot["contrast"] >= 4.5, (media, plot)
    finally:
        context.close()
