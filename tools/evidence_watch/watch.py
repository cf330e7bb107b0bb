"""make watch: what is new or changed in the registries since the evidence pages' date.

Runs the documented searches in data/watch.yaml against ClinicalTrials.gov (API v2) and PubMed
(E-utilities esearch + esummary), and compares the answers with data/trials.yaml,
data/studies.yaml and references.bib. Reports, for the time since `evidence_current_to` in
data/trials.yaml: new trial records, status changes, results posted, and new PubMed records.

Exit status: 0 nothing new; 1 something for the editors to look at (or a response that could
not be read); 2 a repository file is wrong; 3 no registry could be reached (one line).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import EXIT_FINDINGS, EXIT_OK
from .bib import ConfigError, load_bib, load_yaml, squash
from .http import Client, FetchError, Malformed
from .report import finish, table
from .verify_refs import _rel

ROOT = Path(__file__).resolve().parents[2]
CTGOV = "https://clinicaltrials.gov/api/v2/studies"
ESEARCH = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi"
ESUMMARY = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi"
NCT_RE = re.compile(r"\bNCT\d{8}\b")
MAX_PAGES = 20


@dataclass
class Trial:
    id: str
    registry: str
    status: str
    results_posted: bool
    line: int


@dataclass
class Watch:
    since: date
    new_trials: list[tuple] = field(default_factory=list)
    changed_unlisted: list[tuple] = field(default_factory=list)
    status_changes: list[tuple] = field(default_factory=list)
    results: list[tuple] = field(default_factory=list)
    new_papers: list[tuple] = field(default_factory=list)
    errors: list[tuple] = field(default_factory=list)
    by_hand: list[tuple] = field(default_factory=list)
    searched: dict[str, int] = field(default_factory=dict)


# ---- repository files ---------------------------------------------------------------------

def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def load_trials(path: Path, rel: str) -> tuple[date, list[Trial]]:
    data = load_yaml(path, rel)
    since = _as_date(data.get("evidence_current_to"))
    if since is None:
        raise ConfigError(f"{rel}:{data['__line__']}: evidence_current_to must be a date (YYYY-MM-DD)")
    trials = []
    items = data.get("trials") or []
    if not isinstance(items, list):
        raise ConfigError(f"{rel}:{data['__line__']}: 'trials' must be a list")
    for item in items:
        if not isinstance(item, dict) or not item.get("id"):
            line = item.get("__line__", data["__line__"]) if isinstance(item, dict) else data["__line__"]
            raise ConfigError(f"{rel}:{line}: every trial needs an id (the registry number)")
        trials.append(Trial(str(item["id"]).strip(), str(item.get("registry") or ""), str(item.get("status") or ""),
                            item.get("results_posted") is True, item["__line__"]))
    return since, trials


def load_watch(path: Path, rel: str) -> dict:
    data = load_yaml(path, rel)
    for section, needed in (("clinicaltrials", ("query.cond",)), ("pubmed", ("term",))):
        part = data.get(section)
        if not isinstance(part, dict) or any(not part.get(k) for k in needed):
            raise ConfigError(f"{rel}:{data['__line__']}: '{section}' needs {', '.join(needed)}")
    return data


def status_key(status: str | None) -> str:
    """'Unknown status (last verified 2013)' and 'UNKNOWN' -> 'unknown'; 'ACTIVE_NOT_RECRUITING'
    and 'Active, not recruiting' -> 'activenotrecruiting'."""
    text = squash(str(status or "").split("(")[0])
    return text[: -len("status")] if text.endswith("status") and text != "status" else text


def readable(enum: str) -> str:
    return enum.replace("_", " ").capitalize() if enum and enum.isupper() else enum


# ---- ClinicalTrials.gov -------------------------------------------------------------------

@dataclass
class Study:
    nct: str
    title: str
    status: str
    has_results: bool
    first_posted: date | None
    last_update: date | None
    results_posted: date | None


def parse_study(raw: Any) -> Study:
    if not isinstance(raw, dict):
        raise Malformed("a study is not an object")
    proto = raw.get("protocolSection")
    if not isinstance(proto, dict):
        raise Malformed("no protocolSection")
    ident = proto.get("identificationModule") or {}
    status = proto.get("statusModule") or {}
    nct = ident.get("nctId") if isinstance(ident, dict) else None
    if not isinstance(nct, str) or not NCT_RE.fullmatch(nct):
        raise Malformed("protocolSection.identificationModule.nctId missing or not an NCT number")
    if not isinstance(status, dict):
        raise Malformed(f"{nct}: statusModule is not an object")

    def day(name: str) -> date | None:
        struct = status.get(name)
        return _as_date(struct.get("date")) if isinstance(struct, dict) and struct.get("date") else None

    return Study(
        nct=nct, title=str(ident.get("briefTitle") or ""), status=str(status.get("overallStatus") or ""),
        has_results=raw.get("hasResults") is True,
        first_posted=day("studyFirstPostDateStruct"), last_update=day("lastUpdatePostDateStruct"),
        results_posted=day("resultsFirstPostDateStruct"),
    )


def search_trials(query: dict, client: Client, watch: Watch) -> dict[str, Study]:
    params = {k: v for k, v in query.items() if k != "__line__"}
    found: dict[str, Study] = {}
    token = None
    for _ in range(MAX_PAGES):
        page = dict(params, **({"pageToken": token} if token else {}))
        try:
            resp = client.get(CTGOV, page)
            data = resp.json()
            if resp.status != 200 or not isinstance(data, dict) or not isinstance(data.get("studies"), list):
                raise Malformed("no 'studies' list" if resp.status == 200 else f"HTTP {resp.status}")
        except (Malformed, FetchError) as exc:
            watch.errors.append(("ClinicalTrials.gov search", f"unexpected response: {exc}"))
            break
        for i, raw in enumerate(data["studies"], 1):
            try:
                s = parse_study(raw)
                found[s.nct] = s
            except Malformed as exc:
                watch.errors.append((f"ClinicalTrials.gov search, study {i} of the page", f"unexpected record: {exc}"))
        token = data.get("nextPageToken")
        if not token:
            break
    watch.searched["ClinicalTrials.gov records found by the search"] = len(found)
    return found


def fetch_trial(nct: str, client: Client, watch: Watch) -> Study | None:
    try:
        resp = client.get(f"{CTGOV}/{nct}")
        if resp.status == 404:
            watch.errors.append((nct, "ClinicalTrials.gov has no record with this number (HTTP 404)"))
            return None
        return parse_study(resp.json())
    except (Malformed, FetchError) as exc:
        watch.errors.append((nct, f"unexpected response: {exc}"))
        return None


def compare_trials(found: dict[str, Study], trials: list[Trial], known_elsewhere: dict[str, str],
                   client: Client, watch: Watch) -> None:
    listed = {t.id.upper(): t for t in trials}
    for t in trials:
        if t.registry.strip().lower() != "clinicaltrials.gov":
            watch.by_hand.append((t.id, t.registry or "registry not given", t.status))
            continue
        study = found.get(t.id.upper()) or fetch_trial(t.id.upper(), client, watch)
        if study is None:
            continue
        if status_key(study.status) != status_key(t.status):
            watch.status_changes.append((t.id, t.status, readable(study.status), study.last_update, f"data/trials.yaml:{t.line}"))
        if study.has_results and not t.results_posted:
            watch.results.append((t.id, study.title, study.results_posted, f"data/trials.yaml:{t.line}"))
    for nct, s in sorted(found.items()):
        if nct in listed:
            continue
        note = known_elsewhere.get(nct, "")
        if s.first_posted and s.first_posted > watch.since:
            watch.new_trials.append((nct, s.title, readable(s.status), s.first_posted, note))
        elif s.last_update and s.last_update > watch.since:
            watch.changed_unlisted.append((nct, s.title, readable(s.status), s.last_update, note))


# ---- PubMed -------------------------------------------------------------------------------

def search_pubmed(query: dict, known_pmids: set[str], known_dois: set[str], client: Client,
                  watch: Watch, today: date) -> None:
    params = {
        "db": "pubmed", "term": " ".join(str(query["term"]).split()), "retmode": "json",
        "retmax": int(query.get("retmax") or 200), "datetype": "edat",
        "mindate": watch.since.strftime("%Y/%m/%d"), "maxdate": today.strftime("%Y/%m/%d"),
    }
    try:
        resp = client.get(ESEARCH, params)
        data = resp.json()
        ids = data.get("esearchresult", {}).get("idlist") if isinstance(data, dict) else None
        if resp.status != 200 or not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise Malformed("no 'esearchresult.idlist' list of PMIDs" if resp.status == 200 else f"HTTP {resp.status}")
    except (Malformed, FetchError) as exc:
        watch.errors.append(("PubMed search", f"unexpected response: {exc}"))
        return
    watch.searched["PubMed records added since the evidence date"] = len(ids)
    new = [i for i in ids if i not in known_pmids]
    if not new:
        return
    try:
        resp = client.get(ESUMMARY, {"db": "pubmed", "id": ",".join(new), "retmode": "json"})
        data = resp.json()
        result = data.get("result") if isinstance(data, dict) else None
        if resp.status != 200 or not isinstance(result, dict):
            raise Malformed("no 'result' object" if resp.status == 200 else f"HTTP {resp.status}")
    except (Malformed, FetchError) as exc:
        watch.errors.append(("PubMed summaries", f"unexpected response: {exc}"))
        for pmid in new:
            watch.new_papers.append((pmid, "", "", "(summary unavailable)", "", ""))
        return
    for pmid in new:
        doc = result.get(pmid)
        if not isinstance(doc, dict) or doc.get("error") or not isinstance(doc.get("title"), str):
            watch.errors.append((f"PMID {pmid}", "unexpected or missing summary record"))
            continue
        ids = {a.get("idtype"): str(a.get("value", "")).lower() for a in (doc.get("articleids") or []) if isinstance(a, dict)}
        if ids.get("doi") and ids["doi"] in known_dois:
            continue
        pubtypes = doc.get("pubtype") if isinstance(doc.get("pubtype"), list) else []
        watch.new_papers.append((pmid, doc.get("sortfirstauthor", ""), str(doc.get("pubdate", ""))[:4],
                                 doc["title"], doc.get("source", ""), ", ".join(map(str, pubtypes))))


# ---- running ------------------------------------------------------------------------------

def known_ids(studies_path: Path, bib_path: Path) -> dict[str, str]:
    """NCT numbers mentioned in data/studies.yaml or references.bib (not necessarily in trials.yaml)."""
    where: dict[str, str] = {}
    for path, label in ((studies_path, "data/studies.yaml"), (bib_path, "references.bib")):
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        for n, line in enumerate(text.splitlines(), 1):
            for nct in NCT_RE.findall(line):
                where.setdefault(nct, f"mentioned in {label}:{n}")
    return where


def run(paths: dict[str, Path], client: Client, today: date) -> tuple[str, int, int]:
    since, trials = load_trials(paths["trials"], _rel(paths["trials"]))
    query = load_watch(paths["watch"], _rel(paths["watch"]))
    refs = load_bib(paths["bib"])
    watch = Watch(since)
    found = search_trials(query["clinicaltrials"], client, watch)
    compare_trials(found, trials, known_ids(paths["studies"], paths["bib"]), client, watch)
    search_pubmed(query["pubmed"], {r.pmid for r in refs if r.pmid}, {r.doi.lower() for r in refs if r.doi},
                  client, watch, today)
    return render(watch, client, today)


def render(w: Watch, client: Client, today: date) -> tuple[str, int, int]:
    findings = len(w.new_trials) + len(w.changed_unlisted) + len(w.status_changes) + len(w.results) + \
        len(w.new_papers) + len(w.errors)
    lines = [
        "# Evidence watch (make watch)",
        "",
        f"Run on {today.isoformat()} for the time since the evidence date {w.since.isoformat()} "
        "(evidence_current_to in data/trials.yaml); searches as documented in data/watch.yaml "
        f"({client.requests_made} requests to the registries; the rest from the cache).",
        "",
        "Searched: " + ("; ".join(f"{k}: {v}" for k, v in w.searched.items()) or "nothing could be searched") + ".",
        "",
        ("Nothing new or changed." if not findings else
         f"{findings} item(s) for the editors. Nothing here is evidence until an editor has read the "
         "record and decided; the site is not changed by this report."),
        "",
    ]
    sections = [
        ("New trial records", "First posted after the evidence date and not in data/trials.yaml.",
         ["Registry id", "Title", "Status", "First posted", "Note"], w.new_trials),
        ("Changed records not in data/trials.yaml", "Updated after the evidence date; first posted before it.",
         ["Registry id", "Title", "Status", "Last update", "Note"], w.changed_unlisted),
        ("Status changes", "The registry shows a different overall status from data/trials.yaml.",
         ["Registry id", "data/trials.yaml", "Registry now", "Last update", "Where"], w.status_changes),
        ("Results posted", "The registry holds results; data/trials.yaml says results_posted: false.",
         ["Registry id", "Title", "Results first posted", "Where"], w.results),
        ("New PubMed records", "Added to PubMed after the evidence date; neither the PMID nor the DOI is in references.bib.",
         ["PMID", "First author", "Year", "Title", "Journal", "Publication type"], w.new_papers),
        ("Could not be checked", "A response was missing or not in the documented shape; the other checks ran.",
         ["Concerning", "Problem"], w.errors),
        ("Check by hand", "Registries without an API the watch can use.",
         ["Registry id", "Registry", "Status in data/trials.yaml"], w.by_hand),
    ]
    for title, intro, headers, rows in sections:
        if rows:
            lines += [f"## {title}", "", intro, "", table(headers, rows), ""]
    code = EXIT_FINDINGS if findings else EXIT_OK
    return "\n".join(lines), findings, code


def main(argv: list[str] | None = None, client: Client | None = None, today: date | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make watch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=Path, default=ROOT / "data" / "trials.yaml")
    parser.add_argument("--studies", type=Path, default=ROOT / "data" / "studies.yaml")
    parser.add_argument("--watch", type=Path, default=ROOT / "data" / "watch.yaml")
    parser.add_argument("--bib", type=Path, default=ROOT / "references.bib")
    parser.add_argument("--out", type=Path, default=ROOT / ".cache" / "evidence-watch" / "watch.md",
                        help="where to write the Markdown report (also printed)")
    parser.add_argument("--summary", type=Path, default=None, help="write {findings, exit} as JSON here")
    args = parser.parse_args(argv)
    paths = {"trials": args.trials, "studies": args.studies, "watch": args.watch, "bib": args.bib}
    return finish("watch", lambda: run(paths, client or Client(), today or date.today()), args.out, args.summary)


if __name__ == "__main__":
    sys.exit(main())
