"""The evidence data's models and checks (src/ucmsc/data.py): the real files load, and every
mistake an editor can make in a copy of them is reported at its file and line with what to do.

Each case edits one line of a copy of the real data in a temporary folder; the expected line is
found in the edited text here, independently of the loader.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from pybtex.database import parse_file

from sitekit import ROOT
from ucmsc import context, data

STUDIES_RAW = yaml.safe_load((ROOT / "data/studies.yaml").read_text(encoding="utf-8"))
OUTCOMES_RAW = yaml.safe_load((ROOT / "data/outcomes.yaml").read_text(encoding="utf-8"))
TRIALS_RAW = yaml.safe_load((ROOT / "data/trials.yaml").read_text(encoding="utf-8"))
ROB_RAW = yaml.safe_load((ROOT / "data/risk_of_bias.yaml").read_text(encoding="utf-8"))
FIRST = STUDIES_RAW["studies"][0]
TRIAL = TRIALS_RAW["trials"][0]


@pytest.fixture
def project(tmp_path):
    """A copy of the project's data and bibliography, used as the project folder."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    context.set_project_root(tmp_path)
    yield tmp_path
    context.set_project_root(ROOT)


def _edit(root: Path, name: str, old: str, new: str) -> str:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {name}: update the test"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


def _line(text: str, needle: str, after: str | None = None) -> int:
    """The line (1-based) of the first line holding ``needle``, after the line holding ``after``."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


def _problems() -> list[str]:
    """The problems: those that stop the loading, or the unknown citation keys (left out)."""
    try:
        messages = data.load().problems
    except data.DataError as err:
        messages = err.messages
    assert messages, "no problem found"
    for message in messages:
        assert "Traceback" not in message and re.match(r"^(data/\w+\.yaml|references\.bib)(:\d+)?: ", message), message
    return messages


def test_the_real_data_loads_with_computed_counts_and_grades(project):
    ev = data.load()
    assert list(ev.studies) == [s["id"] for s in STUDIES_RAW["studies"]]
    assert [t.id for t in ev.trials] == [t["id"] for t in TRIALS_RAW["trials"]]
    assert ev.evidence_current_to == TRIALS_RAW["evidence_current_to"]
    n = {s["id"]: s["n"] for s in STUDIES_RAW["studies"]}
    tool = {r["study"]: r["tool"] for r in ROB_RAW["studies"]}
    kind = {c["id"]: c["kind"] for c in OUTCOMES_RAW["comparisons"]}
    assert list(ev.comparisons) == list(kind)
    for graded, raw in zip(ev.outcomes, OUTCOMES_RAW["outcomes"]):
        assert graded.outcome.id == raw["id"]
        assert graded.n_studies == len(raw["studies"]) and graded.participants == sum(n[s] for s in raw["studies"])
        randomised = any(tool[s] == "RoB 2" for s in raw["studies"])  # a randomised comparison starts high
        start = ("high" if randomised else "low") if raw["studies"] else raw.get("start")
        assert graded.start == (None if kind[raw["comparison"]] == "single-group" else start), raw["id"]
    assert ev.count("umbilical") + ev.count("other") == ev.count() == len(STUDIES_RAW["studies"])


def test_every_cited_key_of_the_data_is_in_the_bibliography():
    """The check at load time agrees with an independent reading: every key exists."""
    keys = set(parse_file(str(ROOT / "references.bib"), bib_format="bibtex").entries.keys())
    used = set()

    def walk(value, field=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, field)
        elif isinstance(value, str):
            used.update([value] if field == "cite" else re.findall(r"\[@([\w-]+)", value))

    for raw in (STUDIES_RAW, OUTCOMES_RAW, TRIALS_RAW):
        walk(raw)
    assert used and used <= keys, used - keys


def test_read_once_per_content_and_again_after_an_edit(project):
    first = data.load()
    assert data.load() is first  # the next page of the build reads nothing new
    _edit(project, "data/trials.yaml", f"evidence_current_to: {TRIALS_RAW['evidence_current_to']}",
          "evidence_current_to: 2031-01-02")
    assert str(data.load().evidence_current_to) == "2031-01-02"


def test_plain_result_is_optional_and_kept(project):
    _edit(project, "data/studies.yaml", f'    plain_result: "{FIRST["plain_result"]}"\n', "")
    ev = data.load()
    assert ev.studies[FIRST["id"]].plain_result is None
    for study in STUDIES_RAW["studies"][1:]:
        assert ev.studies[study["id"]].plain_result == study.get("plain_result")


STUDY = f"  - id: {FIRST['id']}"

# (file, old text, new text, line holder (needle, after), message start after "file:line: ")
CASES = [
    ("data/studies.yaml", f"    n: {FIRST['n']}\n", "    n: about 60\n", ("    n: about 60", None),
     f"study '{FIRST['id']}': n must be a whole number of patients, not 'about 60'."),
    ("data/studies.yaml", f"    n: {FIRST['n']}\n", "    n: 0\n", ("    n: 0", None),
     f"study '{FIRST['id']}': n must be a whole number of patients, not 0."),
    ("data/studies.yaml", f"    group: {FIRST['group']}\n", "    group: placenta\n", ("group: placenta", None),
     f"study '{FIRST['id']}': group must be one of umbilical, other, not 'placenta'."),
    ("data/studies.yaml", f"    label: {FIRST['label']}\n", "    label: strength-z\n", ("label: strength-z", None),
     f"study '{FIRST['id']}': label 'strength-z' is not defined under 'labels:'"),
    ("data/studies.yaml", f"    cite: [{FIRST['cite'][0]}]\n", f"    cite: {FIRST['cite'][0]}\n", (f"cite: {FIRST['cite'][0]}", None),
     f"study '{FIRST['id']}': cite must be a list of references.bib keys"),
    ("data/studies.yaml", f"    cite: [{FIRST['cite'][0]}]\n", "    cite: [wang2013Umbilical]\n", ("cite: [wang2013U", None),
     "unknown citation key '@wang2013Umbilical': it is not in the bibliography. It differs in letter case from "
     f"the bibliography key 'wang2013umbilical': write @wang2013umbilical. (study '{FIRST['id']}', cite) Fix the key"),
    ("data/studies.yaml", "[@clinicaltrialsgov2012nct01547091]", "[@clinicaltrialsgov2012nct0154709]",
     ("[@clinicaltrialsgov2012nct0154709]", None),
     "unknown citation key '@clinicaltrialsgov2012nct0154709': it is not in the bibliography. Did you mean "
     "@clinicaltrialsgov2012nct01547091"),
    ("data/studies.yaml", "    funding: ", "    fundng: ", ("    fundng: ", None),
     f"study '{FIRST['id']}': unknown field 'fundng'. Check its spelling"),
    ("data/studies.yaml", "    dose: ", "    dose_: ", (STUDY, None),
     f"study '{FIRST['id']}' is missing the required field(s) 'dose'. Add them; where the sources do not give a "
     "value, write \"not reported in the sources checked\"."),
    ("data/studies.yaml", "    arms: ", "    arms: \"  \"\n    old_arms: ", (STUDY, None),
     f"study '{FIRST['id']}' is missing the required field(s) 'arms'. Add them"),
    ("data/studies.yaml", "    arms: ", "    arms: []\n    old_arms: ", ("    arms: []", None),
     f"study '{FIRST['id']}': arms must be one line of text, not a list or mapping; put it in quotes."),
    ("data/studies.yaml", "    checked:\n", "    checked: []\n    sources:\n", ("    checked: []", None),
     f"study '{FIRST['id']}': checked must be a list of the sources read for this row"),
    ("data/studies.yaml", f'    plain_result: "{FIRST["plain_result"]}"\n', '    plain_result: ""\n', ('    plain_result: ""', None),
     f"study '{FIRST['id']}': plain_result is empty: write a value, or remove the line."),
    ("data/studies.yaml", f"  - id: {STUDIES_RAW['studies'][1]['id']}\n", f"  - id: {FIRST['id']}\n",
     (f"  - id: {FIRST['id']}", STUDY + "\n" if False else f"study: {FIRST['study']}"),
     f"study '{FIRST['id']}': the id is used twice; give each study its own id."),
    ("data/studies.yaml", "studies:\n", "studies:\n  - id: x\n    study: [unclosed\n", ("    study: [unclosed", None),
     "this is not valid YAML"),
    ("data/outcomes.yaml", "studies: [alvarogracia2017]\n", "studies: [alvarogracia2017, nosuchstudy2020]\n",
     ("  - id: acr20", None), "outcome 'acr20': study 'nosuchstudy2020' is not in data/studies.yaml. Use one of:"),
    ("data/outcomes.yaml", "studies: [alvarogracia2017]\n", "studies: [alvarogracia2017, alvarogracia2017]\n",
     ("  - id: acr20", None), "outcome 'acr20': a study is listed twice under 'studies'."),
    ("data/outcomes.yaml", "      - domain: indirectness\n", "      - domain: indirect\n", ("domain: indirect", None),
     "outcome 'acr20': domain must be one of risk of bias, inconsistency, indirectness, imprecision, publication bias"),
    ("data/outcomes.yaml", "        reason: ", "        why: ", ("        why: ", None),
     "outcome 'acr20': unknown field 'downgrades, item 1, why'."),
    ("data/outcomes.yaml", "        reason: ", "        why: ", ("      - domain: risk of bias", None),
     "outcome 'acr20': downgrades, item 1 is missing the required field 'reason'."),
    ("data/outcomes.yaml", "        levels: 1\n", "        levels: 3\n", ("levels: 3", None),
     "outcome 'acr20': levels must be 1 (serious) or 2 (very serious), not 3."),
    ("data/outcomes.yaml", "    certainty: very low\n", "    certainty: moderate\n", ("  - id: acr20", None),
     "outcome 'acr20': certainty is 'moderate' but GRADE gives 'very low'"),
    ("data/outcomes.yaml", "    studies: [alvarogracia2017]\n", "    studies: [alvarogracia2017]\n    start: low\n",
     ("  - id: acr20", None), "outcome 'acr20': remove 'start'"),
    ("data/outcomes.yaml", "    comparison: cells-vs-control\n", "    comparison: cells-vs-placebo\n",
     ("comparison: cells-vs-placebo", None),
     "outcome 'acr20': comparison 'cells-vs-placebo' is not listed under 'comparisons:' (cells-vs-control, "),
    ("data/outcomes.yaml", "      - domain: risk of bias\n        levels: 1\n", "      - domain: risk of bias\n        levels: 2\n",
     ("      - domain: risk of bias", None),
     "outcome 'acr20': the risk-of-bias downgrade is 2 level(s), but data/risk_of_bias.yaml gives 1 "
     "(alvarogracia2017: some concerns (RoB 2); 53 of 53 participants in studies at some concerns or worse). Correct"),
    ("data/outcomes.yaml", "    studies: [yang2018]\n", "    studies: [wang2019]\n", ("  - id: eular-response", None),
     "outcome 'eular-response': study 'wang2019' has no risk-of-bias assessment with a tool in data/risk_of_bias.yaml "
     "(tool: none, a single-group study); assess it there, or move its result to a single-group comparison."),
    ("data/outcomes.yaml", "    external_risk_of_bias: not assessed\n    start: low\n",
     "    external_risk_of_bias: not assessed\n    start: high\n", ("  - id: thromboembolism", None),
     "outcome 'thromboembolism': the risk of bias of this evidence was not assessed, so it cannot start at 'high'"),
    ("data/outcomes.yaml", "        events: 15\n", "        events: 50\n", ("      - study: alvarogracia2017", "    forest:"),
     "outcome 'acr20': forest row 1: events cannot exceed the group's total"),
    ("data/outcomes.yaml", "      - study: alvarogracia2017\n        timepoint: \"month 1\"",
     "      - study: he2020\n        timepoint: \"month 1\"", ("      - study: he2020", "    forest:"),
     "outcome 'acr20': forest row 1: study 'he2020' is not listed under this outcome's 'studies'."),
    ("data/outcomes.yaml", "      estimate: 2.35\n", "      estimate: 12.35\n", ("    pooled:", None),
     "outcome 'any-adverse-event': pooled: the estimate must lie between low and high"),
    ("data/outcomes.yaml", "      estimate: 2.35\n      low: 0.58\n", "      estimate: 2.35\n      low: 0\n",
     ("      low: 0", "      estimate: 2.35"),
     "outcome 'any-adverse-event': pooled, low: must be a positive number such as 1.10, not 0."),
    ("data/outcomes.yaml", "    certainty: none\n\n  - id: das28", "    certainty: very low\n\n  - id: das28",
     ("  - id: haq-single-group", None),
     "outcome 'haq-single-group': comparison 'single-group' is single-group: it gives no comparative estimate"),
    ("data/risk_of_bias.yaml", "    overall: some concerns\n", "    overall: low\n", ("    overall: low", None),
     "study 'alvarogracia2017': overall is 'low', but RoB 2's rules give at least 'some concerns' for these domain "
     "judgements."),
    ("data/risk_of_bias.yaml", "judgement: no information\n", "judgement: unclear\n", ("judgement: unclear", None),
     "study 'alvarogracia2017': domain 'randomisation process': judgement 'unclear' is not one of RoB 2's: low, "
     "some concerns, high, no information."),
    ("data/risk_of_bias.yaml", "      - domain: missing outcome data\n", "      - domain: missing data\n",
     ("    domains:", "study: alvarogracia2017"),
     "study 'alvarogracia2017': the domains of RoB 2 must be, in this order: randomisation process,"),
    ("data/risk_of_bias.yaml", "  - study: alvarogracia2017\n", "  - study: alvaro2017\n", ("  - study: alvaro2017", None),
     "study 'alvaro2017' is not in data/studies.yaml. Use one of:"),
    ("data/risk_of_bias.yaml", "    tool: RoB 2\n", "    tool: Cochrane\n", ("    tool: Cochrane", None),
     "study 'alvarogracia2017': tool must be one of RoB 2, ROBINS-I, none, not 'Cochrane'."),
    ("data/risk_of_bias.yaml", "    overall_reason: ", "    overall_why: ", ("    overall_why: ", None),
     "study 'alvarogracia2017': unknown field 'overall_why'."),
    ("data/outcomes.yaml", "  benefit: ", "  benefit: 1000 #", ("preclinical:", None),
     "'preclinical': benefit (studies that reported a benefit) must be at most studies."),
    ("data/outcomes.yaml", f"  cite: {OUTCOMES_RAW['preclinical']['cite']}", "  cite: liu2019", ("  cite: liu2019", None),
     "unknown citation key '@liu2019': it is not in the bibliography."),
    ("data/trials.yaml", "    status: ", "    state: ", ("    state: ", None), f"trial '{TRIAL['id']}': unknown field 'state'."),
    ("data/trials.yaml", "    status: ", "    state: ", (f"  - id: {TRIAL['id']}", None),
     f"trial '{TRIAL['id']}' is missing the required field(s) 'status'. Copy them from the registry record"),
    ("data/trials.yaml", f"    study: {TRIAL['study']}\n", "    study: wang2031\n", (f"  - id: {TRIAL['id']}", None),
     f"trial '{TRIAL['id']}': study 'wang2031' is not in data/studies.yaml."),
    ("data/trials.yaml", "    results_posted: false\n", '    results_posted: "no"\n', ('results_posted: "no"', None),
     f"trial '{TRIAL['id']}': results_posted must be true or false."),
    ("data/trials.yaml", f"    enrolment_type: {TRIAL['enrolment_type']}\n", "    enrolment_type: not reported\n",
     (f"  - id: {TRIAL['id']}", None),
     f"trial '{TRIAL['id']}': enrolment must be a whole number with type planned or actual (or null with 'not reported')."),
    ("data/trials.yaml", f"    enrolment: {TRIAL['enrolment']}\n", "    enrolment: null\n", (f"  - id: {TRIAL['id']}", None),
     f"trial '{TRIAL['id']}': enrolment is empty, so enrolment_type must be 'not reported'."),
    ("data/trials.yaml", f"    enrolment_type: {TRIAL['enrolment_type']}\n", "    enrolment_type: estimated\n",
     ("enrolment_type: estimated", None), f"trial '{TRIAL['id']}': enrolment_type must be one of planned, actual, not reported"),
    ("data/trials.yaml", f"    checked: {TRIAL['checked']}\n", "    checked: last week\n", ("checked: last week", None),
     f"trial '{TRIAL['id']}': checked must be an ISO date such as 2026-11-30, not 'last week'."),
    ("data/trials.yaml", f"evidence_current_to: {TRIALS_RAW['evidence_current_to']}", "evidence_current_to: soon",
     ("evidence_current_to", None), "evidence_current_to must be an ISO date such as 2026-11-30, not 'soon'."),
    ("data/trials.yaml", f"  - id: {TRIAL['id']}\n", "  - id: NCT 01547091\n", ("  - id: NCT 01547091", None),
     "trial 'NCT 01547091': the id must be the registry number (letters, digits, hyphens)."),
]


@pytest.mark.parametrize("name, old, new, where, message", CASES, ids=[f"{c[0][5:-5]}-{i}" for i, c in enumerate(CASES)])
def test_each_mistake_is_reported_at_its_file_and_line(project, name, old, new, where, message):
    _edit(project, name, old, new)
    text = (project / name).read_text(encoding="utf-8")
    line = _line(text, *where)
    problems = _problems()
    assert any(p.startswith(f"{name}:{line}: {message}") for p in problems), "\n".join(problems)


@pytest.mark.parametrize("field", ["dose", "funding", "baseline", "analysed", "infusions", "checked", "efficacy"])
def test_a_missing_field_names_file_line_and_study(project, field):
    study = STUDIES_RAW["studies"][2]
    path = project / "data/studies.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(f"  - id: {study['id']}")
    at = next(i for i in range(start, len(lines)) if lines[i].startswith(f"    {field}:"))
    end = at + 1
    while end < len(lines) and lines[end].startswith("      "):  # the field's own continuation lines
        end += 1
    path.write_text("\n".join(lines[:at] + lines[end:]), encoding="utf-8")
    problems = _problems()
    assert problems == [
        f"data/studies.yaml:{start + 1}: study '{study['id']}' is missing the required field(s) '{field}'. Add them; "
        "where the sources do not give a value, write \"not reported in the sources checked\"."
    ]


def test_every_problem_is_listed_not_only_the_first(project):
    _edit(project, "data/studies.yaml", f"    n: {FIRST['n']}\n", "    n: many\n")
    _edit(project, "data/trials.yaml", "    results_posted: false\n", "    results_posted: maybe\n")
    problems = _problems()
    assert any(p.startswith("data/studies.yaml:") for p in problems)
    assert any(p.startswith("data/trials.yaml:") for p in problems)


def test_an_unknown_key_is_left_out_and_the_rest_kept(project):
    """Reported at its line; the entry keeps its other citations and text (the page shows them)."""
    _edit(project, "data/studies.yaml", "[@clinicaltrialsgov2012nct01547091]", "[@nosuchkey2020; @clinicaltrialsgov2012nct01547091]")
    _edit(project, "data/studies.yaml", f"    cite: [{FIRST['cite'][0]}]\n", "    cite: [nosuchkey2021]\n")
    ev = data.load()
    study = ev.studies[FIRST["id"]]
    assert study.cite == []
    assert "[@clinicaltrialsgov2012nct01547091]" in study.design and "nosuchkey" not in study.design
    assert len(ev.problems) == 2 and all("unknown citation key '@nosuchkey20" in p for p in ev.problems)


def test_a_wrong_top_level_is_explained(project):
    (project / "data/studies.yaml").write_text("- just a list\n", encoding="utf-8")
    assert _problems() == [
        "data/studies.yaml: expected two lists at the top level, 'labels:' and 'studies:'."
    ]


def test_a_missing_file_is_named(project):
    (project / "data/trials.yaml").unlink()
    problems = _problems()
    assert problems[0].startswith("data/trials.yaml: cannot read the file")


def test_an_empty_risk_of_bias_file_names_the_missing_tools(project):
    """A risk-of-bias file with nothing in it: each tool's domains are reported missing."""
    tools = yaml.safe_load((ROOT / "data/risk_of_bias.yaml").read_text(encoding="utf-8"))["tools"]
    (project / "data/risk_of_bias.yaml").write_text("# nothing assessed yet\n", encoding="utf-8")
    problems = _problems()
    for tool in tools:
        assert (f"data/risk_of_bias.yaml: 'tools': the domains of {tool} are missing; list them under 'tools:' "
                "as in the published tool.") in problems
