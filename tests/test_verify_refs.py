"""make verify-refs (tools/evidence_watch/verify_refs.py) against recorded registry answers.

No test touches the network: the HTTP layer is a requests Session whose adapter answers from
tests/fixtures/registries/ (shapes as documented by Crossref and NCBI: see the README there).
Expected values come from the test bibliography read independently with pybtex and from the
recorded answers, never from the code under test. One test uses a local HTTP server on
127.0.0.1 to exercise the real retry policy and User-Agent.
"""

from __future__ import annotations

import http.server
import json
import re
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
import requests
from pybtex.database import parse_file

from sitekit import ROOT

FIX = ROOT / "tests" / "fixtures" / "registries"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(FIX))
from tools.evidence_watch import http as ew_http  # noqa: E402
from tools.evidence_watch import verify_refs  # noqa: E402
from transport import fixture_session, report_rows  # noqa: E402

BIB = FIX / "repo" / "references.bib"
CR = "api.crossref.org/works/"
ES = "eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi"
TODAY = date(2026, 11, 30)
ALL_PMIDS = "90000001,90000002,90000003,90000004"

ROUTES = {
    CR + "10.5555/match.2013": (200, "crossref/match.json"),
    CR + "10.5555/title.2019": (200, "crossref/title-mismatch.json"),
    CR + "10.5555/year.2018": (200, "crossref/wrong-year.json"),
    CR + "10.5555/retracted.2016": (200, "crossref/retracted.json"),
    CR + "10.5555/corrected.2020": (200, "crossref/corrected.json"),
    CR + "10.5555/missing.2021": (404, "crossref/not-found.txt"),
    CR + "10.5555/garbled.2022": (200, "crossref/garbled.txt"),
    ES + "?id=" + ALL_PMIDS: (200, "pubmed/esummary-refs.json"),
}


def bib_fields(key):
    """The test bibliography read on its own (not through the code under test)."""
    return parse_file(str(BIB)).entries[key].fields


def recorded(name):
    return json.loads((FIX / name).read_text(encoding="utf-8"))


def run(tmp_path, capsys, routes=ROUTES, bib=BIB, accepted_text=None):
    session, adapter = fixture_session(routes)
    cache = ew_http.DiskCache(tmp_path / "cache", 0)  # no cache: every check asks the fixtures
    client = ew_http.Client(session=session, cache=cache, sleep=lambda s: None)
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text(accepted_text or "accepted: []\n", encoding="utf-8")
    out, summary = tmp_path / "report.md", tmp_path / "summary.json"
    code = verify_refs.main(["--bib", str(bib), "--accepted", str(accepted), "--out", str(out),
                             "--summary", str(summary)], client=client, today=TODAY)
    captured = capsys.readouterr()
    report = out.read_text(encoding="utf-8") if out.exists() else ""
    return code, report, captured, json.loads(summary.read_text()), adapter


rows = report_rows


def all_entries(report):
    return {(r[0], r[1]): r[3] for r in rows(report, "All entries checked")}


def attention(report):
    return [r for r in rows(report, "Needs attention")]


# ---- the eleven cases ---------------------------------------------------------------------

def test_matching_entry_matches_in_both_registries(tmp_path, capsys):
    code, report, _, _, _ = run(tmp_path, capsys)
    results = all_entries(report)
    assert results[("match2013", "crossref")] == "matches"
    assert results[("match2013", "pubmed")] == "matches"
    assert not [r for r in attention(report) if r[0].startswith("match2013 ")]
    # The fixture really does differ in form (subtitle split off, abbreviated pages, full journal
    # name), so the match is the comparison's doing, not identical strings.
    cr = recorded("crossref/match.json")["message"]
    assert cr["title"][0] != bib_fields("match2013")["title"]
    pm = recorded("pubmed/esummary-refs.json")["result"]["90000001"]
    assert pm["pages"] != bib_fields("match2013")["pages"]


def test_mismatched_title_is_reported_with_both_values(tmp_path, capsys):
    code, report, _, summary, _ = run(tmp_path, capsys)
    row = next((r for r in attention(report) if r[0].startswith("titlewrong2019 ") and r[3] == "title"), None)
    assert row is not None, "no title mismatch reported for titlewrong2019"
    assert row[2] == "mismatch"
    assert row[4] == bib_fields("titlewrong2019")["title"]
    assert row[5] == recorded("crossref/title-mismatch.json")["message"]["title"][0]
    assert code == 1 and summary == {"findings": summary["findings"], "exit": 1}


def test_wrong_year_is_reported(tmp_path, capsys):
    _, report, _, _, _ = run(tmp_path, capsys)
    row = next((r for r in attention(report) if r[0].startswith("yearwrong2018 ") and r[3] == "year"), None)
    assert row is not None, "no year mismatch reported for yearwrong2018"
    assert row[4] == bib_fields("yearwrong2018")["year"]
    assert row[5] == str(recorded("crossref/wrong-year.json")["message"]["issued"]["date-parts"][0][0])
    # Only the year differs for this entry.
    assert [r[3] for r in attention(report) if r[0].startswith("yearwrong2018 ")] == ["year"]


def test_retraction_fails_from_crossref_and_from_pubmed(tmp_path, capsys):
    code, report, _, _, _ = run(tmp_path, capsys)
    assert code == 1
    kinds = {(r[0].split()[0], r[1], r[2]) for r in attention(report)}
    assert ("retracted2016", "crossref", "retraction") in kinds
    assert ("pubmedretracted2009", "pubmed", "retraction") in kinds
    notice = recorded("crossref/retracted.json")["message"]["updated-by"][0]["DOI"]
    assert any(r[0].startswith("retracted2016 ") and r[2] == "retraction" and notice in r[5]
               for r in attention(report)), "the Crossref retraction notice is named in a retraction row"


def test_correction_and_concern_are_listed_but_do_not_fail(tmp_path, capsys):
    code, report, _, _, _ = run(tmp_path, capsys)
    notices = {(r[0], r[1], r[2]) for r in rows(report, "Corrections and expressions of concern")}
    assert ("corrected2020", "crossref", "correction") in notices
    assert ("pubmedconcern2011", "pubmed", "concern") in notices
    # A bibliography with only the corrected (but otherwise matching) entry exits 0.
    only = tmp_path / "only.bib"
    text = BIB.read_text(encoding="utf-8")
    only.write_text(re.search(r"@article\{corrected2020,.*?\n\}\n", text, re.S).group(0), encoding="utf-8")
    code, report, _, summary, _ = run(tmp_path, capsys, bib=only)
    assert code == 0
    assert summary["findings"] == 1  # still something for the editors (and the weekly issue)
    assert "correction-notice.2021" in report


def test_missing_record_404(tmp_path, capsys):
    _, report, _, _, _ = run(tmp_path, capsys)
    found = {(r[0].split()[0], r[1], r[2]) for r in attention(report)}
    assert ("missing2021", "crossref", "missing") in found
    assert ("pubmedmissing2010", "pubmed", "missing") in found


def test_network_failure_one_line_exit_3(tmp_path, capsys):
    routes = {k: requests.exceptions.ConnectionError("Failed to resolve 'api.crossref.org'") for k in ROUTES}
    code, report, captured, summary, _ = run(tmp_path, capsys, routes=routes)
    assert code == 3 and summary["exit"] == 3
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "no network" in lines[0]
    assert "Traceback" not in captured.err


def test_malformed_response_is_reported_and_other_checks_go_on(tmp_path, capsys):
    code, report, captured, _, _ = run(tmp_path, capsys)
    row = next(r for r in attention(report) if r[0].startswith("garbled2022 "))
    assert row[2] == "error" and "unexpected response" in row[5]
    # Every entry with an identifier still has a result row.
    ids = {k for k, e in parse_file(str(BIB)).entries.items() if "doi" in e.fields or "pmid" in e.fields}
    assert {k for k, _ in all_entries(report)} == ids
    assert "Traceback" not in captured.err
    # A PubMed answer that is not the documented shape marks every PMID, and Crossref checks go on.
    routes = dict(ROUTES, **{ES + "?id=" + ALL_PMIDS: (200, b'{"header": {}, "esummaryresult": ["Invalid uid"]}')})
    _, report, _, _, _ = run(tmp_path, capsys, routes=routes)
    results = all_entries(report)
    assert results[("match2013", "pubmed")] == "error"
    assert results[("match2013", "crossref")] == "matches"


# ---- accepted differences -----------------------------------------------------------------

ACCEPT_YEAR = """accepted:
  - key: yearwrong2018
    field: year
    source: crossref
    value: "{value}"
    reason: The article is cited by its print issue; Crossref gives the online-first year.
    reviewed: 2026-11-30
"""


def test_accepted_difference_with_reason(tmp_path, capsys):
    registry_year = str(recorded("crossref/wrong-year.json")["message"]["issued"]["date-parts"][0][0])
    _, report, _, _, _ = run(tmp_path, capsys, accepted_text=ACCEPT_YEAR.format(value=registry_year))
    assert not [r for r in attention(report) if r[0].startswith("yearwrong2018 ")]
    accepted = rows(report, "Accepted differences")
    assert accepted and accepted[0][0] == "yearwrong2018" and "print issue" in accepted[0][4]
    # An acceptance for another value lapses: the difference is back, and the stale item is listed.
    _, report, _, _, _ = run(tmp_path, capsys, accepted_text=ACCEPT_YEAR.format(value="1999"))
    assert [r for r in attention(report) if r[0].startswith("yearwrong2018 ")]
    assert rows(report, "Acceptances that no longer apply")


def test_correction_accepted_by_its_notice_doi(tmp_path, capsys):
    notice = recorded("crossref/corrected.json")["message"]["updated-by"][0]["DOI"]
    text = ("accepted:\n  - key: corrected2020\n    field: correction\n"
            f"    value: {notice}\n    reason: The corrected figures are the ones the page quotes.\n")
    _, report, _, _, _ = run(tmp_path, capsys, accepted_text=text)
    assert ("corrected2020", "crossref", "correction") not in {
        (r[0], r[1], r[2]) for r in rows(report, "Corrections and expressions of concern")}
    assert [r[0] for r in rows(report, "Accepted differences")] == ["corrected2020"]


def test_accepted_file_errors_name_file_and_line(tmp_path, capsys):
    text = "accepted:\n  - key: nosuchkey\n    field: year\n    reason: Because it is right as it stands.\n"
    code, _, captured, _, _ = run(tmp_path, capsys, accepted_text=text)
    assert code == 2
    assert re.search(r"accepted\.yaml:2: 'nosuchkey' is not a references\.bib entry", captured.err)
    assert "Traceback" not in captured.err


# ---- comparison details -------------------------------------------------------------------

@pytest.mark.parametrize("abbrev, full, same", [
    ("N Engl J Med", "The New England journal of medicine", True),
    ("Drug Des Devel Ther", "Drug Design, Development and Therapy", True),
    ("Ann Rheum Dis", "Annals of the Rheumatic Diseases", True),
    ("Stem Cells Dev", "Stem Cells Translational Medicine", False),
    ("Clin Rheumatol", "Clinical Immunology", False),
])
def test_journal_abbreviations(abbrev, full, same):
    assert verify_refs.journal_matches(abbrev, [full]) is same


@pytest.mark.parametrize("bib, registry, same", [
    ("3192--3202", "3192-202", True),
    ("3192--3202", "3192-3202", True),
    ("R79", "R79", True),
    ("3192--3202", "3193-3202", False),
    ("11--15", "11-19", False),
])
def test_pages(bib, registry, same):
    assert verify_refs.pages_match(bib, registry) is same


def test_real_bibliography_every_identifier_is_checked():
    """Every references.bib entry with a DOI or PMID is picked up (count from a plain text scan)."""
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    entries = re.split(r"\n(?=@)", text)
    expected = {re.match(r"@\w+\{([^,]+),", e).group(1) for e in entries
                if re.match(r"@\w+\{", e) and re.search(r"^\s*(doi|pmid)\s*=", e, re.M | re.I)}
    from tools.evidence_watch.bib import load_bib
    got = {r.key for r in load_bib(ROOT / "references.bib") if r.doi or r.pmid}
    assert got == expected and len(got) > 40


def test_shipped_accepted_file_is_valid():
    from tools.evidence_watch.bib import load_bib
    keys = {r.key for r in load_bib(ROOT / "references.bib") if r.doi or r.pmid}
    items = verify_refs.load_accepted(ROOT / "data" / "refs-accepted.yaml", "data/refs-accepted.yaml", keys)
    assert all(a.reason for a in items)


# ---- the HTTP layer -----------------------------------------------------------------------

def test_requests_are_polite_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_WATCH_EMAIL", "editors@example.net")
    session, adapter = fixture_session(ROUTES)
    now = [1000.0]
    cache = ew_http.DiskCache(tmp_path / "c", max_age=3600, now=lambda: now[0])
    client = ew_http.Client(session=session, cache=cache, sleep=lambda s: None)
    client.get("https://api.crossref.org/works/10.5555/match.2013")
    client.get(verify_refs.ESUMMARY, {"db": "pubmed", "id": ALL_PMIDS, "retmode": "json"})
    assert len(adapter.calls) == 2
    for call in adapter.calls:
        assert "mailto:editors@example.net" in call.headers["User-Agent"]
    ncbi = adapter.calls[1].url
    assert "tool=ucmsc-ra-evidence-watch" in ncbi and "email=editors%40example.net" in ncbi
    # Within the expiry: answered from disk, no request.
    client.get("https://api.crossref.org/works/10.5555/match.2013")
    assert len(adapter.calls) == 2 and client.requests_made == 2
    # After it: asked again.
    now[0] += 3601
    client.get("https://api.crossref.org/works/10.5555/match.2013")
    assert len(adapter.calls) == 3


def test_ncbi_pace_is_three_requests_a_second_without_a_key(monkeypatch):
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    session, _ = fixture_session(ROUTES)
    t = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        t[0] += s

    client = ew_http.Client(session=session, cache=ew_http.DiskCache(Path("/nonexistent"), 0),
                            sleep=sleep, clock=lambda: t[0])
    for _ in range(3):
        client.get(verify_refs.ESUMMARY, {"db": "pubmed", "id": ALL_PMIDS, "retmode": "json"})
    assert len(slept) == 2 and all(s >= 1 / 3 for s in slept)


class _Flaky(http.server.BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.headers.get("User-Agent", ""))
        if len(type(self).hits) < 3:
            self.send_response(503 if len(type(self).hits) == 1 else 429)
            self.send_header("Retry-After", "0")
            self.end_headers()
            return
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_retries_with_backoff_on_503_and_429_against_a_local_server(tmp_path):
    _Flaky.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = ew_http.Client(session=ew_http.make_session(backoff=0.01),
                                cache=ew_http.DiskCache(tmp_path, 0), sleep=lambda s: None)
        resp = client.get(f"http://127.0.0.1:{server.server_port}/works/x")
        assert resp.status == 200 and resp.json() == {"status": "ok"}
        assert len(_Flaky.hits) == 3
        assert all("mailto:" in ua for ua in _Flaky.hits)
    finally:
        server.shutdown()
        server.server_close()


# ---- the NCBI API key: sent to NCBI, never written down ----------------------------------

SECRET = "ncbi-test-key-7c1e9a"


def _files_with(tmp_path, text) -> list[str]:
    return [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()
            and text in p.read_text(encoding="utf-8", errors="replace")]


def test_the_api_key_reaches_ncbi_but_no_cache_file_report_or_output(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NCBI_API_KEY", SECRET)
    session, adapter = fixture_session(ROUTES)
    cache = ew_http.DiskCache(tmp_path / "cache", max_age=3600)  # a real cache, as make verify-refs has
    client = ew_http.Client(session=session, cache=cache, sleep=lambda s: None)
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text("accepted: []\n", encoding="utf-8")
    verify_refs.main(["--bib", str(BIB), "--accepted", str(accepted), "--out", str(tmp_path / "report.md"),
                      "--summary", str(tmp_path / "summary.json")], client=client, today=TODAY)
    captured = capsys.readouterr()
    ncbi = [c.url for c in adapter.calls if "eutils.ncbi.nlm.nih.gov" in c.url]
    assert ncbi and all(f"api_key={SECRET}" in url for url in ncbi)  # the key is used...
    cached = list((tmp_path / "cache").glob("*.json"))
    assert len(cached) == len(adapter.calls)  # ...every answer was cached...
    assert any("esummary.fcgi" in json.loads(p.read_text())["url"] for p in cached)
    assert _files_with(tmp_path, SECRET) == []  # ...and the key is in no file written
    assert SECRET not in captured.out + captured.err


def test_the_api_key_is_not_in_a_failed_requests_message(tmp_path, monkeypatch, capsys):
    """requests names the failed URL, query and all, in its exception; the report must not."""
    monkeypatch.setenv("NCBI_API_KEY", SECRET)
    failure = requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='eutils.ncbi.nlm.nih.gov', port=443): Read timed out. "
        f"(url: /entrez/eutils/esummary.fcgi?db=pubmed&id={ALL_PMIDS}&api_key={SECRET})")
    timeout = requests.exceptions.ReadTimeout(f"GET esummary.fcgi?api_key={SECRET} timed out")
    for error in (failure, timeout):
        code, report, captured, _, _ = run(tmp_path, capsys, routes={**ROUTES, ES + "?id=" + ALL_PMIDS: error})
        assert code != 0
        assert "eutils.ncbi.nlm.nih.gov" in report + captured.out + captured.err  # the failure is reported
        assert SECRET not in report + captured.out + captured.err
        assert _files_with(tmp_path, SECRET) == []
