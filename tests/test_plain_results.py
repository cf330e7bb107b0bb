"""Each study's plain result (data/studies.yaml `plain_result`, issue #20 item 5) is patient-ready.

The field is data only until the engine renders it; these checks read the data file itself:
every study has one, it states the study size given in `n`, it reads at grade 8 or lower by the
project's Flesch-Kincaid tool, and it uses none of the clinical shorthand the field exists to
replace.
"""

from __future__ import annotations

import re
import sys

import pytest
import yaml

from sitekit import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import readability  # noqa: E402

STUDIES = yaml.safe_load((ROOT / "data/studies.yaml").read_text(encoding="utf-8"))["studies"]
MAX_GRADE = 8.0
# Shorthand a patient cannot read unexplained; the clinical columns keep it.
SHORTHAND = ("ACR20", "ACR50", "ACR70", "DAS28", "HAQ", "EULAR", "ESR", "CRP", "IFN", "MSC", "P<", "p<", "p=")


@pytest.mark.parametrize("study", STUDIES, ids=[s["id"] for s in STUDIES])
def test_every_study_has_a_plain_result_with_its_size(study):
    text = study.get("plain_result")
    assert isinstance(text, str) and text.strip(), f"{study['id']}: no plain_result"
    numbers = {int(n) for n in re.findall(r"(?<![\d.])\d+(?![\d.%])", text)}
    assert study["n"] in numbers, f"{study['id']}: plain_result does not give the study size ({study['n']})"


@pytest.mark.parametrize("study", STUDIES, ids=[s["id"] for s in STUDIES])
def test_plain_result_reads_at_grade_8_or_lower(study):
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", study["plain_result"].strip()) if s]
    assert 1 <= len(sentences) <= 3, f"{study['id']}: {len(sentences)} sentences; keep it to one to three"
    grade = readability.flesch_kincaid_grade(sentences)
    assert grade is not None and grade <= MAX_GRADE, f"{study['id']}: reads at grade {grade:.1f}"


@pytest.mark.parametrize("study", STUDIES, ids=[s["id"] for s in STUDIES])
def test_plain_result_has_no_clinical_shorthand(study):
    found = [s for s in SHORTHAND if s in study["plain_result"]]
    assert not found, f"{study['id']}: shorthand {found} in plain_result"
