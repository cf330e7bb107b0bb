"""make verify-refs: check every references.bib entry with a DOI or PMID against its registry.

DOIs are looked up in Crossref (GET https://api.crossref.org/works/{doi}); PMIDs in PubMed
(one E-utilities esummary request for all of them, retmode=json). For each record the title,
first author's family name, year, journal, volume and pages are compared with the entry, and
retractions, corrections and expressions of concern are flagged (Crossref `updated-by`,
`update-to` and `relation`; PubMed publication types and its "Retraction in" / "Erratum in" /
"Expression of concern in" links). A difference that editors have reviewed is accepted in
data/refs-accepted.yaml, with the reason.

Exit status: 0 every entry matches (corrections and expressions of concern are listed but do
not fail); 1 a mismatch, retraction, missing record or unreadable response; 2 a repository
file is wrong; 3 no registry could be reached (one line, nothing checked).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import EXIT_FINDINGS, EXIT_OK
from .bib import ConfigError, Ref, fold, load_bib, load_yaml, squash
from .http import Client, FetchError, Malformed
from .report import finish, table

ROOT = Path(__file__).resolve().parents[2]
CROSSREF = "https://api.crossref.org/works/"
ESUMMARY = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi"

FIELDS = ("title", "first_author", "year", "journal", "volume", "pages", "doi", "record_type")
NOTICE_FIELDS = ("retraction", "correction", "concern")
ACCEPTABLE = FIELDS + NOTICE_FIELDS + ("missing",)

# Crossref update types (updated-by[].type), grouped by what they mean for a reader.
CROSSREF_UPDATE = {
    "retraction": "retraction", "withdrawal": "retraction", "removal": "retraction",
    "partial_retraction": "correction", "correction": "correction", "corrigendum": "correction",
    "erratum": "correction", "addendum": "correction", "clarification": "correction",
    "expression_of_concern": "concern",
}
# PubMed: publication types on the cited record, and reftype of its linked notices.
PUBMED_RETRACTED = "Retracted Publication"
PUBMED_NOTICE_TYPES = ("Retraction of Publication", "Published Erratum", "Expression of Concern")
PUBMED_LINKS = {
    "retraction in": "retraction",
    "partial retraction in": "correction",
    "erratum in": "correction",
    "expression of concern in": "concern",
}
STOPWORDS = {"of", "the", "and", "for", "in", "on", "de", "la", "le", "der", "und"}
LABELS = {"retraction": "retracted", "missing": "missing record(s)", "error": "unreadable answer(s)",
          "mismatch": "with differences", "correction": "corrected", "concern": "with an expression of concern"}
SEVERITY = {"retraction": 0, "missing": 1, "error": 1, "mismatch": 2, "correction": 3, "concern": 3}


@dataclass
class Finding:
    kind: str  # mismatch | retraction | correction | concern | missing | error
    field: str
    bib: str = ""
    registry: str = ""
    accepted: str | None = None  # the reviewed reason, when accepted


@dataclass
class Check:
    ref: Ref
    source: str  # crossref | pubmed
    findings: list[Finding] = field(default_factory=list)

    @property
    def open(self) -> list[Finding]:
        return [f for f in self.findings if f.accepted is None]

    @property
    def result(self) -> str:
        kinds = {f.kind for f in self.open}
        if not kinds:
            return "matches" + (" (accepted differences)" if self.findings else "")
        order = ["retraction", "missing", "error", "mismatch", "concern", "correction"]
        return ", ".join(k for k in order if k in kinds)


# ---- comparison helpers -------------------------------------------------------------------

def abbreviation_of(abbrev: str, full: str) -> bool:
    """'N Engl J Med' is an abbreviation of 'New England Journal of Medicine'."""
    a = fold(abbrev).split()
    f = [w for w in fold(full).split() if w not in STOPWORDS]
    a = [w for w in a if w not in STOPWORDS]
    return bool(a) and len(a) == len(f) and all(fw.startswith(aw) for aw, fw in zip(a, f))


def journal_matches(bib: str, candidates: list[str]) -> bool:
    return any(squash(bib) == squash(c) or abbreviation_of(bib, c) or abbreviation_of(c, bib)
               for c in candidates if c)


def page_range(text: str | None) -> tuple[str, str]:
    """'3192--3202' -> ('3192', '3202'); PubMed's '1849-59' -> ('1849', '1859')."""
    if not text:
        return "", ""
    parts = [p.strip() for p in re.split(r"\s*[-–—]+\s*", str(text).strip()) if p.strip()]
    first = parts[0].lower() if parts else ""
    last = parts[-1].lower() if len(parts) > 1 else ""
    if last and first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last


def pages_match(bib: str, registry: str) -> bool:
    b1, b2 = page_range(bib)
    r1, r2 = page_range(registry)
    return b1 == r1 and (not b2 or not r2 or b2 == r2)


def strip_retracted(title: str) -> tuple[str, bool]:
    m = re.match(r"\s*(retracted( article)?|retraction)\s*[:.]\s*", title, flags=re.I)
    return (title[m.end():], True) if m else (title, False)


def _first_year(obj: Any) -> str | None:
    try:
        return str(int(obj["date-parts"][0][0]))
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _compare(check: Check, name: str, bib: str | None, registry: str | None, same: bool) -> None:
    if bib and registry and not same:
        check.findings.append(Finding("mismatch", name, bib, registry))


# ---- Crossref -----------------------------------------------------------------------------

def check_crossref(ref: Ref, client: Client) -> Check:
    check = Check(ref, "crossref")
    try:
        resp = client.get(CROSSREF + quote(ref.doi, safe="/"))
        if resp.status == 404:
            check.findings.append(Finding("missing", "doi", ref.doi, "Crossref has no record (HTTP 404)"))
            return check
        msg = resp.json()
        if not isinstance(msg, dict) or not isinstance(msg.get("message"), dict):
            raise Malformed("no 'message' object")
        compare_crossref(check, msg["message"])
    except (Malformed, FetchError) as exc:
        check.findings.append(Finding("error", "response", "", f"unexpected response: {exc}"))
    return check


def compare_crossref(check: Check, work: dict) -> None:
    ref = check.ref
    titles = work.get("title")
    if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
        raise Malformed("'title' is not a list of strings")
    subtitles = [s for s in (work.get("subtitle") or []) if isinstance(s, str)]
    candidates, flagged = [], False
    for t in titles:
        t, retracted = strip_retracted(t)
        flagged |= retracted
        candidates.append(t)
        candidates += [f"{t} {s}" for s in subtitles]
    updates = [u for u in (work.get("updated-by") or []) if isinstance(u, dict)]
    if flagged and not any(CROSSREF_UPDATE.get(str(u.get("type", "")).lower()) == "retraction" for u in updates):
        check.findings.append(Finding("retraction", "retraction", "", "title marked RETRACTED"))
    _compare(check, "title", ref.title, titles[0] if titles else "",
             any(fold(ref.title) == fold(c) for c in candidates))

    authors = work.get("author") or []
    if not isinstance(authors, list):
        raise Malformed("'author' is not a list")
    firsts = [a for a in authors if isinstance(a, dict) and a.get("sequence") == "first"] or \
             [a for a in authors if isinstance(a, dict)]
    if firsts:
        family = firsts[0].get("family") or firsts[0].get("name") or ""
        _compare(check, "first_author", ref.family, family, squash(ref.family) == squash(family))

    years = {y for y in (_first_year(work.get(k)) for k in
                         ("issued", "published-print", "published-online", "published")) if y}
    shown = _first_year(work.get("issued")) or (sorted(years)[0] if years else None)
    _compare(check, "year", ref.year, shown, ref.year in years)

    journals = [j for k in ("container-title", "short-container-title")
                for j in (work.get(k) or []) if isinstance(j, str)]
    if ref.journal and journals:
        _compare(check, "journal", ref.journal, journals[0], journal_matches(ref.journal, journals))
    volume = work.get("volume")
    _compare(check, "volume", ref.volume, volume, str(volume).strip() == (ref.volume or "").strip())
    page = work.get("page") or work.get("article-number")
    _compare(check, "pages", ref.pages, page, pages_match(ref.pages or "", str(page or "")))

    # The cited DOI is itself a notice (it updates another work).
    for upd in work.get("update-to") or []:
        if isinstance(upd, dict):
            check.findings.append(Finding("mismatch", "record_type", "article",
                                          f"this DOI is a {upd.get('type', 'update')} notice for {upd.get('DOI', '?')}"))
    # Notices about the cited work.
    for upd in updates:
        kind = CROSSREF_UPDATE.get(str(upd.get("type", "")).lower().replace("-", "_"))
        if kind:
            when = _first_year(upd.get("updated")) or ""
            source = f", source {upd['source']}" if upd.get("source") else ""
            check.findings.append(Finding(kind, kind, "", f"{upd.get('type')} {upd.get('DOI', '')} {when}{source}".strip()))
    relation = work.get("relation") or {}
    if isinstance(relation, dict):
        for name, items in relation.items():
            low = name.lower()
            kind = ("retraction" if "retract" in low else "correction" if ("correct" in low or "errat" in low)
                    else "concern" if "concern" in low else None)
            if kind:
                ids = ", ".join(str(i.get("id")) for i in (items if isinstance(items, list) else [items])
                                if isinstance(i, dict))
                check.findings.append(Finding(kind, kind, "", f"relation {name}: {ids}"))


# ---- PubMed -------------------------------------------------------------------------------

def check_pubmed(refs: list[Ref], client: Client) -> list[Check]:
    checks = [Check(r, "pubmed") for r in refs]
    if not refs:
        return checks
    try:
        resp = client.get(ESUMMARY, {"db": "pubmed", "id": ",".join(r.pmid for r in refs), "retmode": "json"})
        data = resp.json()
        result = data.get("result") if isinstance(data, dict) else None
        if resp.status != 200 or not isinstance(result, dict):
            raise Malformed("no 'result' object" if resp.status == 200 else f"HTTP {resp.status}")
    except (Malformed, FetchError) as exc:
        for c in checks:
            c.findings.append(Finding("error", "response", "", f"unexpected response: {exc}"))
        return checks
    for c in checks:
        doc = result.get(c.ref.pmid)
        if doc is None or (isinstance(doc, dict) and doc.get("error")):
            why = doc.get("error") if isinstance(doc, dict) else "not in the answer"
            c.findings.append(Finding("missing", "pmid", c.ref.pmid, f"PubMed has no record ({why})"))
            continue
        try:
            if not isinstance(doc, dict):
                raise Malformed("record is not an object")
            compare_pubmed(c, doc)
        except Malformed as exc:
            c.findings.append(Finding("error", "response", "", f"unexpected response: {exc}"))
    return checks


def _pubmed_family(doc: dict) -> str:
    authors = doc.get("authors") or []
    if not isinstance(authors, list):
        raise Malformed("'authors' is not a list")
    names = [a.get("name", "") for a in authors if isinstance(a, dict) and a.get("authtype", "Author") == "Author"]
    name = names[0] if names else str(doc.get("sortfirstauthor") or "")
    parts = name.split()
    # "van de Beek D" -> "van de Beek": the last word is the initials.
    if len(parts) > 1 and parts[-1].isupper() and parts[-1].isalpha() and len(parts[-1]) <= 4:
        parts = parts[:-1]
    return " ".join(parts)


def compare_pubmed(check: Check, doc: dict) -> None:
    ref = check.ref
    title = doc.get("title")
    if not isinstance(title, str):
        raise Malformed("'title' is not a string")
    _compare(check, "title", ref.title, title, fold(ref.title) == fold(title))
    family = _pubmed_family(doc)
    if family:
        _compare(check, "first_author", ref.family, family, squash(ref.family) == squash(family))
    years = {str(doc.get(k) or "")[:4] for k in ("pubdate", "epubdate")} - {""}
    _compare(check, "year", ref.year, str(doc.get("pubdate") or "")[:4], ref.year in years)
    journals = [str(doc.get(k) or "") for k in ("source", "fulljournalname")]
    if ref.journal and any(journals):
        _compare(check, "journal", ref.journal, journals[0] or journals[1], journal_matches(ref.journal, journals))
    volume = str(doc.get("volume") or "")
    _compare(check, "volume", ref.volume, volume, volume.strip() == (ref.volume or "").strip())
    pages = str(doc.get("pages") or "")
    _compare(check, "pages", ref.pages, pages, pages_match(ref.pages or "", pages))
    ids = {a.get("idtype"): a.get("value") for a in (doc.get("articleids") or []) if isinstance(a, dict)}
    if ref.doi and ids.get("doi"):
        _compare(check, "doi", ref.doi, ids["doi"], ref.doi.lower() == str(ids["doi"]).lower())

    pubtypes = doc.get("pubtype") or []
    if not isinstance(pubtypes, list):
        raise Malformed("'pubtype' is not a list")
    if PUBMED_RETRACTED in pubtypes:
        check.findings.append(Finding("retraction", "retraction", "", f"publication type {PUBMED_RETRACTED}"))
    for pt in PUBMED_NOTICE_TYPES:
        if pt in pubtypes:
            check.findings.append(Finding("mismatch", "record_type", "article", f"this PMID is a {pt}"))
    for link in doc.get("references") or []:
        if not isinstance(link, dict):
            continue
        kind = PUBMED_LINKS.get(str(link.get("reftype", "")).strip().lower())
        if kind and not (kind == "retraction" and PUBMED_RETRACTED in pubtypes):
            check.findings.append(Finding(kind, kind, "", f"{link.get('reftype')}: {link.get('refsource', '')}"))


# ---- accepted differences -----------------------------------------------------------------

@dataclass
class Acceptance:
    key: str
    field: str
    source: str | None
    value: str | None
    reason: str
    line: int
    used: bool = False


def load_accepted(path: Path, rel: str, keys: set[str]) -> list[Acceptance]:
    if not path.exists():
        return []
    data = load_yaml(path, rel)
    items = data.get("accepted") or []
    if not isinstance(items, list):
        raise ConfigError(f"{rel}:{data['__line__']}: 'accepted' must be a list of entries")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise ConfigError(f"{rel}:{data['__line__']}: each accepted item must be a mapping (key, field, reason)")
        line = item["__line__"]
        unknown = set(item) - {"key", "field", "source", "value", "reason", "reviewed", "__line__"}
        if unknown:
            raise ConfigError(f"{rel}:{line}: unknown setting {', '.join(sorted(unknown))} "
                              "(use key, field, source, value, reason, reviewed)")
        key, fld, reason = item.get("key"), item.get("field"), item.get("reason")
        if key not in keys:
            raise ConfigError(f"{rel}:{line}: '{key}' is not a references.bib entry with a DOI or PMID")
        if fld not in ACCEPTABLE:
            raise ConfigError(f"{rel}:{line}: field '{fld}' is not one of {', '.join(ACCEPTABLE)}")
        if not isinstance(reason, str) or len(reason.strip()) < 10:
            raise ConfigError(f"{rel}:{line}: give the reason this difference is accepted (a sentence)")
        source = item.get("source")
        if source not in (None, "crossref", "pubmed"):
            raise ConfigError(f"{rel}:{line}: source must be crossref or pubmed (or left out for both)")
        value = item.get("value")
        out.append(Acceptance(key, fld, source, None if value is None else str(value), reason.strip(), line))
    return out


def apply_accepted(checks: list[Check], accepted: list[Acceptance]) -> None:
    for c in checks:
        for f in c.findings:
            name = f.field if f.kind in ("mismatch", "missing") else f.kind
            if f.kind == "missing":
                name = "missing"
            for a in accepted:
                if a.key == c.ref.key and a.field == name and a.source in (None, c.source) and \
                        _value_matches(a.value, f):
                    f.accepted = a.reason
                    a.used = True
                    break


def _value_matches(value: str | None, finding: Finding) -> bool:
    """No value accepts any; a data field needs the registry's value; a notice its DOI or text."""
    if value is None:
        return True
    if finding.kind in NOTICE_FIELDS:
        return bool(fold(value)) and fold(value) in fold(finding.registry)
    return fold(value) == fold(finding.registry)


# ---- running ------------------------------------------------------------------------------

def run(bib_path: Path, accepted_path: Path, client: Client, today: date,
        rel_accepted: str = "data/refs-accepted.yaml") -> tuple[str, int, int]:
    """Returns (markdown report, number of open findings, exit status). Raises NoNetwork/ConfigError."""
    refs = [r for r in load_bib(bib_path) if r.doi or r.pmid]
    accepted = load_accepted(accepted_path, rel_accepted, {r.key for r in refs})
    checks: list[Check] = []
    for ref in refs:
        if ref.doi:
            checks.append(check_crossref(ref, client))
    checks += check_pubmed([r for r in refs if r.pmid], client)
    apply_accepted(checks, accepted)
    return render(checks, accepted, refs, client, today, rel_accepted)


def render(checks: list[Check], accepted: list[Acceptance], refs: list[Ref], client: Client,
           today: date, rel_accepted: str) -> tuple[str, int, int]:
    open_ = [(c, f) for c in checks for f in c.open]
    failing = [(c, f) for c, f in open_ if f.kind in ("mismatch", "retraction", "missing", "error")]
    notices = [(c, f) for c, f in open_ if f.kind in ("correction", "concern")]
    counts = {k: len({(c.ref.key, c.source) for c, f in open_ if f.kind == k}) for k in SEVERITY}
    n_doi = sum(1 for c in checks if c.source == "crossref")
    n_pmid = sum(1 for c in checks if c.source == "pubmed")
    lines = [
        "# Reference check (make verify-refs)",
        "",
        f"Checked on {today.isoformat()}: {len(refs)} references.bib entries with a DOI or PMID, "
        f"{n_doi} DOIs against Crossref and {n_pmid} PMIDs against PubMed "
        f"({client.requests_made} requests to the registries; the rest from the cache).",
        "",
        "Result: " + (", ".join(f"{n} {LABELS[k]}" for k, n in counts.items() if n)
                      or "every entry matches its registry record") + ".",
        "",
    ]
    if failing:
        lines += ["## Needs attention", "",
                  "Fix references.bib, or accept a reviewed difference in "
                  f"{rel_accepted} (key, field, value, reason).", ""]
        lines.append(table(["Entry", "Registry", "Finding", "Field", "references.bib", "Registry record"],
                           [(f"{c.ref.key} (references.bib:{c.ref.line})", c.source, f.kind, f.field, f.bib, f.registry)
                            for c, f in sorted(failing, key=lambda cf: (SEVERITY[cf[1].kind], cf[0].ref.key))]))
        lines.append("")
    if notices:
        lines += ["## Corrections and expressions of concern", "",
                  "The cited article stands, but a notice was published about it: read it and decide "
                  "whether the site's text needs a change.", ""]
        lines.append(table(["Entry", "Registry", "Notice", "Details"],
                           [(c.ref.key, c.source, f.kind, f.registry) for c, f in notices]))
        lines.append("")
    acc = [(c, f) for c in checks for f in c.findings if f.accepted]
    if acc:
        lines += ["## Accepted differences", ""]
        lines.append(table(["Entry", "Registry", "Field", "Registry record", "Reason"],
                           [(c.ref.key, c.source, f.field, f.registry, f.accepted) for c, f in acc]))
        lines.append("")
    unused = [a for a in accepted if not a.used]
    if unused:
        lines += ["## Acceptances that no longer apply", "",
                  "The registry record no longer shows these differences: remove them.", ""]
        lines.append(table(["Entry", "Field", "Where"], [(a.key, a.field, f"{rel_accepted}:{a.line}") for a in unused]))
        lines.append("")
    lines += ["## All entries checked", ""]
    lines.append(table(["Entry", "Registry", "Identifier", "Result"],
                       [(c.ref.key, c.source, c.ref.doi if c.source == "crossref" else c.ref.pmid, c.result)
                        for c in checks]))
    lines.append("")
    findings = len(open_) + len(unused)
    code = EXIT_FINDINGS if failing else EXIT_OK
    return "\n".join(lines), findings, code


def main(argv: list[str] | None = None, client: Client | None = None, today: date | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make verify-refs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bib", type=Path, default=ROOT / "references.bib")
    parser.add_argument("--accepted", type=Path, default=ROOT / "data" / "refs-accepted.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / ".cache" / "evidence-watch" / "verify-refs.md",
                        help="where to write the Markdown report (also printed)")
    parser.add_argument("--summary", type=Path, default=None, help="write {findings, exit} as JSON here")
    args = parser.parse_args(argv)
    return finish(
        "verify-refs",
        lambda: run(args.bib, args.accepted, client or Client(), today or date.today(), _rel(args.accepted)),
        args.out, args.summary,
    )


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
