"""data/risk_of_bias.yaml (issue #20 item 3) is complete and uses each tool's own domains.

Data only until the engine renders it. Expected values come from sources independent of the
file under test: the study list and evidence-strength labels in data/studies.yaml, the keys in
references.bib (read with a plain key scan), and the published domain lists of RoB 2 and
ROBINS-I written out here.
"""

from __future__ import annotations

import re

import pytest
import yaml

from sitekit import ROOT

ROB = yaml.safe_load((ROOT / "data/risk_of_bias.yaml").read_text(encoding="utf-8"))
STUDIES = {s["id"]: s for s in yaml.safe_load((ROOT / "data/studies.yaml").read_text(encoding="utf-8"))["studies"]}
BIB_KEYS = set(re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(encoding="utf-8"), re.M))

DOMAINS = {
    "RoB 2": [
        "randomisation process", "deviations from intended interventions", "missing outcome data",
        "measurement of the outcome", "selection of the reported result",
    ],
    "ROBINS-I": [
        "confounding", "selection of participants", "classification of interventions",
        "deviations from intended interventions", "missing data", "measurement of outcomes",
        "selection of the reported result",
    ],
}
JUDGEMENTS = {
    "RoB 2": ["low", "some concerns", "high"],
    "ROBINS-I": ["low", "moderate", "serious", "critical"],
}
ENTRIES = ROB["studies"]


def test_every_study_is_judged_once():
    ids = [e["study"] for e in ENTRIES]
    assert sorted(ids) == sorted(STUDIES), set(ids) ^ set(STUDIES)


def test_the_tool_domains_are_the_published_lists():
    assert ROB["tools"] == DOMAINS


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["study"] for e in ENTRIES])
def test_tool_fits_the_design(entry):
    label = STUDIES[entry["study"]]["label"]
    design = (STUDIES[entry["study"]]["design"] + " " + STUDIES[entry["study"]]["control"]).lower()
    # "not described as randomised" (Wang 2013) is not a randomised design
    randomised = re.search(r"(?<!non-)(?<!not )(?<!not described as )\brandomised", design) is not None
    if label in ("strength-a", "strength-b") or randomised:
        assert entry["tool"] == "RoB 2"
    elif label == "strength-c":
        assert entry["tool"] == "ROBINS-I"
    else:
        assert entry["tool"] == "none" and entry.get("reason")


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["study"] for e in ENTRIES])
def test_domains_judgements_and_sources(entry):
    assert entry["cite"] if entry["tool"] == "none" else True
    for key in entry.get("cite", []):
        assert key in BIB_KEYS, f"{entry['study']}: unknown key {key}"
    if entry["tool"] == "none":
        assert "domains" not in entry
        return
    tool = entry["tool"]
    assert [d["domain"] for d in entry["domains"]] == DOMAINS[tool]
    severities = JUDGEMENTS[tool]
    worst = 0
    for d in entry["domains"]:
        assert d["judgement"] in severities + ["no information"], d
        assert d["support"].strip() and d["cite"], d
        assert all(k in BIB_KEYS for k in d["cite"]), d
        if d["judgement"] != "no information":
            worst = max(worst, severities.index(d["judgement"]))
        else:
            worst = max(worst, 1)  # missing information never leaves an overall 'low'
    assert entry["overall"] in severities
    assert severities.index(entry["overall"]) >= worst, f"{entry['study']}: overall milder than its worst domain"
    assert entry["overall_reason"].strip()
