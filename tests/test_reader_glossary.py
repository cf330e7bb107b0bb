"""Issue 21, item 2: the glossary gives each clinical score used on the site a plain one-sentence
meaning (what it measures, its range, what counts as remission or response), with sources.
Expected values: the scores found in the built pages' text, the bibliography read with pybtex
(independently of the site's citation code), and the numbers any reader can check in the cited
sources (DAS28: 0 to 9.4, remission under 2.6; HAQ: 0 to 3; EULAR good response: more than 1.2)."""

from __future__ import annotations

import re

import pytest
from pybtex.database import parse_file

from sitekit import ROOT, html_path, nav_pages, soup

BIB = parse_file(str(ROOT / "references.bib")).entries
SCORES = {  # the score's name as used on the site -> what its meaning must say
    "DAS28": ["9.4", "2.6", "remission"],
    "ACR20": ["20%", "three of five"],
    "HAQ": ["0", "3"],
    "EULAR response": ["1.2", "0.6", "good", "none"],
}


def _section(site):
    doc = soup(html_path(site, "glossary.md"))
    heading = doc.find("h2", id="what-the-clinical-scores-mean")
    assert heading is not None, "glossary.md: no section 'What the clinical scores mean'"
    return doc, heading.find_next_sibling("dl")


def test_every_score_used_on_the_site_is_in_the_glossary(site):
    used = set()
    for md in nav_pages():
        if md == "glossary.md":
            continue
        text = soup(html_path(site, md)).select_one("article").get_text(" ")
        used |= {score for score in SCORES if re.search(r"(?<!\w)" + re.escape(score.split()[0]) + r"(?!\w)", text)}
    assert used >= {"DAS28", "HAQ"}, used
    _, terms = _section(site)
    names = [" ".join(dt.get_text(" ").split()) for dt in terms.find_all("dt")]
    for score in used:
        assert any(name.startswith(score.split()[0]) for name in names), f"{score} is used on the site but not explained: {names}"


@pytest.mark.parametrize("score", SCORES)
def test_each_score_has_one_plain_sourced_sentence(site, score):
    doc, terms = _section(site)
    dt = next(dt for dt in terms.find_all("dt") if " ".join(dt.get_text(" ").split()).startswith(score))
    dd = dt.find_next_sibling("dd")
    text = " ".join(dd.get_text(" ").split())
    for needed in SCORES[score]:
        assert needed in text, f"{score}: the meaning does not say {needed!r}: {text}"
    refs = [a["href"].split(":", 1)[1] for a in dd.select("sup.citation a.footnote-ref")]
    assert refs, f"{score}: no source cited"
    for key in refs:
        assert key in BIB, f"{score}: cites {key}, not in references.bib"
        fields = BIB[key].fields
        assert fields.get("url") or fields.get("doi") or fields.get("note"), f"{key}: no address and no note of where it was read"
        assert doc.find(id=f"fn:{key}") is not None, f"{score}: {key} missing from the page's References"
