"""evidence_synthesis hook: summary of findings, registered trials, evidence map, evidence date.

Pages ask for the data with marker comments, each replaced before the bibtex plugin runs (so
the ``[@key]`` citations inside become footnotes like any other):

``<!-- evidence:summary-of-findings -->``  (a line of its own)
    the GRADE-style summary of findings from ``data/outcomes.yaml``. The number of studies and
    of participants behind each outcome is computed from ``data/studies.yaml`` (``n``), and the
    certainty grade is computed from the starting level and the downgrades.
``<!-- evidence:trials-table -->``  (a line of its own)
    the registered trials from ``data/trials.yaml``; each row's id is the registry number in
    lower case (``trials.md#nct01547091``).
``<!-- evidence:map -->``  (a line of its own)
    the evidence map: a static inline SVG drawn from ``data/studies.yaml`` (one bar per study,
    by evidence-strength label, length = patients) and the animal-study counts in
    ``data/outcomes.yaml``. Colours are ``currentColor``, so light and dark schemes both work.
``<!-- evidence:current-to -->``, ``<!-- trials:count -->``  (inline)
    the ``evidence_current_to`` date of ``data/trials.yaml``; the number of trials as a word.

Errors in the data stop the build with a message naming the file and line, never a traceback.
The studies file is read and checked by hooks/evidence_table.py's own loader.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import math
import posixpath
import re
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

OUTCOMES_FILE = "data/outcomes.yaml"
TRIALS_FILE = "data/trials.yaml"
STUDIES_PAGE = "evidence/studies.md"
TABLE_ID = "study-table"  # the evidence table's id (hooks/evidence_table.py)

SOF_MARKER = "<!-- evidence:summary-of-findings -->"
TRIALS_MARKER = "<!-- evidence:trials-table -->"
MAP_MARKER = "<!-- evidence:map -->"
BLOCK_MARKERS = (SOF_MARKER, TRIALS_MARKER, MAP_MARKER)
DATE_MARKER = re.compile(r"<!--\s*evidence:current-to\s*-->")
TRIALS_COUNT = re.compile(r"<!--\s*trials:count\s*-->")
ANY_MARKER = re.compile(r"<!--\s*(?:evidence|trials):")

LEVELS = ("very low", "low", "moderate", "high")
SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}
DOMAINS = ("risk of bias", "inconsistency", "indirectness", "imprecision", "publication bias")
RANDOMISED_LABELS = ("strength-a", "strength-b")  # randomised against placebo or no cells
OUTCOME_FIELDS = ("id", "outcome", "studies", "effect", "interval", "risk_of_bias", "downgrades", "certainty")
TRIAL_FIELDS = (
    "id", "registry", "title", "phase", "design", "enrolment", "enrolment_type", "cell_source",
    "status", "results_posted", "cite", "checked",
)
ENROLMENT_TYPES = ("planned", "actual", "not reported")
PRECLINICAL_FIELDS = ("studies", "arms", "benefit", "cite")


# --------------------------------------------------------------------------- loading

def _evidence_table():
    """hooks/evidence_table.py, loaded from its file (its loader checks data/studies.yaml)."""
    path = Path(__file__).with_name("evidence_table.py")
    spec = importlib.util.spec_from_file_location("_evidence_table_for_synthesis", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_TABLE = _evidence_table()


def _read_yaml(path: Path, name: str):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PluginError(f"{name}: cannot read the file ({exc.strerror}).") from exc
    try:
        return yaml.load(text, Loader=_TABLE._LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        problem = getattr(exc, "problem", None) or str(exc)
        raise PluginError(f"{where}: this is not valid YAML ({problem}). Check the indentation and quotes.") from exc


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    return " ".join(str(value).split())


def validate_outcomes(data, studies: dict, name: str = OUTCOMES_FILE) -> dict:
    """Check data/outcomes.yaml against the studies; compute each outcome's numbers and grade."""
    if not isinstance(data, dict) or not isinstance(data.get("outcomes"), list):
        raise PluginError(f"{name}: expected a list 'outcomes:' at the top level.")
    if _blank(data.get("comparison")):
        raise PluginError(f"{name}: add 'comparison:' (what the MSCs were compared with).")
    pre = data.get("preclinical")
    if not isinstance(pre, dict):
        raise PluginError(f"{name}: expected 'preclinical:' with {', '.join(PRECLINICAL_FIELDS)}.")
    line = pre.get("__line__", "?")
    missing = [f for f in PRECLINICAL_FIELDS if _blank(pre.get(f))]
    if missing:
        raise PluginError(f"{name}:{line}: 'preclinical' is missing {', '.join(repr(m) for m in missing)}.")
    counts = [pre["studies"], pre["arms"], pre["benefit"]]
    if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts) or pre["benefit"] > pre["studies"]:
        raise PluginError(f"{name}:{line}: 'preclinical' studies, arms and benefit must be whole numbers, benefit at most studies.")
    seen, outcomes = set(), []
    for index, item in enumerate(data["outcomes"], start=1):
        if not isinstance(item, dict):
            raise PluginError(f"{name}: entry {index} under 'outcomes:' is not a mapping of fields.")
        line = item.get("__line__", "?")
        who = f"outcome '{item.get('id') or item.get('outcome') or index}'"
        missing = [f for f in OUTCOME_FIELDS if f not in item or (f not in ("studies", "downgrades") and _blank(item[f]))]
        if missing:
            raise PluginError(
                f"{name}:{line}: {who} is missing the required field(s) {', '.join(repr(m) for m in missing)}. "
                "Add them; where the sources give nothing, write \"not reported in the sources checked\"."
            )
        if item["id"] in seen:
            raise PluginError(f"{name}:{line}: {who}: the id is used twice; give each outcome its own id.")
        seen.add(item["id"])
        ids = item["studies"]
        if not isinstance(ids, list) or not all(isinstance(s, str) for s in ids):
            raise PluginError(f"{name}:{line}: {who}: 'studies' must be a list of study ids, e.g. [wang2013].")
        for sid in ids:
            if sid not in studies:
                raise PluginError(
                    f"{name}:{line}: {who}: study '{sid}' is not in data/studies.yaml. "
                    f"Use one of: {', '.join(studies)}."
                )
        if len(set(ids)) != len(ids):
            raise PluginError(f"{name}:{line}: {who}: a study is listed twice under 'studies'.")
        downgrades = item["downgrades"]
        if not isinstance(downgrades, list):
            raise PluginError(f"{name}:{line}: {who}: 'downgrades' must be a list (or []).")
        for d in downgrades:
            dline = d.get("__line__", line) if isinstance(d, dict) else line
            if not isinstance(d, dict) or d.get("domain") not in DOMAINS:
                raise PluginError(f"{name}:{dline}: {who}: each downgrade needs a 'domain', one of: {', '.join(DOMAINS)}.")
            if d.get("levels") not in (1, 2) or isinstance(d.get("levels"), bool):
                raise PluginError(f"{name}:{dline}: {who}: 'levels' of a downgrade is 1 (serious) or 2 (very serious).")
            if _blank(d.get("reason")):
                raise PluginError(f"{name}:{dline}: {who}: say why in 'reason' for the {d['domain']} downgrade.")
        external = item.get("external")
        if ids:
            if "start" in item:
                raise PluginError(
                    f"{name}:{line}: {who}: remove 'start': with studies listed it is computed from their "
                    "evidence-strength labels (A or B: high, otherwise low)."
                )
            start = "high" if any(studies[s]["label"] in RANDOMISED_LABELS for s in ids) else "low"
        elif not _blank(external):
            if item.get("start") not in ("high", "low"):
                raise PluginError(f"{name}:{line}: {who}: with only 'external' evidence, give 'start: high' (randomised) or 'start: low'.")
            start = item["start"]
        else:
            start = None
        if start is None:
            computed = "none"
            if downgrades:
                raise PluginError(f"{name}:{line}: {who}: no studies and no external evidence, so no downgrades either.")
        else:
            drop = sum(d["levels"] for d in downgrades)
            computed = LEVELS[max(0, LEVELS.index(start) - drop)]
        if item["certainty"] != computed:
            raise PluginError(
                f"{name}:{line}: {who}: certainty is {item['certainty']!r} but GRADE gives {computed!r} "
                f"(start {start or 'none'}, minus {sum(d['levels'] for d in downgrades)} level(s) of downgrades). "
                "Correct the grade or the downgrades."
            )
        outcomes.append({
            **item,
            "start": start,
            "n_studies": len(ids),
            "participants": sum(studies[s]["n"] for s in ids),
        })
    return {"comparison": data["comparison"], "preclinical": pre, "outcomes": outcomes}


def validate_trials(data, studies: dict, name: str = TRIALS_FILE) -> dict:
    """Check data/trials.yaml (the shared TRIALS_SCHEMA contract)."""
    if not isinstance(data, dict) or not isinstance(data.get("trials"), list):
        raise PluginError(f"{name}: expected 'evidence_current_to:' and a list 'trials:' at the top level.")
    date = data.get("evidence_current_to")
    if not isinstance(date, dt.date):
        raise PluginError(f"{name}: 'evidence_current_to' must be an ISO date such as 2026-11-30, not {date!r}.")
    seen = set()
    for index, trial in enumerate(data["trials"], start=1):
        if not isinstance(trial, dict):
            raise PluginError(f"{name}: entry {index} under 'trials:' is not a mapping of fields.")
        line = trial.get("__line__", "?")
        who = f"trial '{trial.get('id') or index}'"
        missing = [f for f in TRIAL_FIELDS if f not in trial or (f != "enrolment" and _blank(trial[f]))]
        if missing:
            raise PluginError(
                f"{name}:{line}: {who} is missing the required field(s) {', '.join(repr(m) for m in missing)}. "
                "Copy them from the registry record; where it shows none, write \"not reported\"."
            )
        if not re.fullmatch(r"[A-Za-z0-9-]+", str(trial["id"])):
            raise PluginError(f"{name}:{line}: {who}: the id must be the registry number (letters, digits, hyphens).")
        if trial["id"].lower() in seen:
            raise PluginError(f"{name}:{line}: {who}: the id is used twice.")
        seen.add(trial["id"].lower())
        n, kind = trial["enrolment"], trial["enrolment_type"]
        if kind not in ENROLMENT_TYPES:
            raise PluginError(f"{name}:{line}: {who}: enrolment_type must be one of {', '.join(ENROLMENT_TYPES)}, not {kind!r}.")
        if n is None:
            if kind != "not reported":
                raise PluginError(f"{name}:{line}: {who}: enrolment is empty, so enrolment_type must be 'not reported'.")
        elif isinstance(n, bool) or not isinstance(n, int) or n < 1 or kind == "not reported":
            raise PluginError(f"{name}:{line}: {who}: enrolment must be a whole number with type planned or actual (or null with 'not reported').")
        if not isinstance(trial["results_posted"], bool):
            raise PluginError(f"{name}:{line}: {who}: results_posted must be true or false.")
        if not isinstance(trial["checked"], dt.date):
            raise PluginError(f"{name}:{line}: {who}: checked must be an ISO date such as 2026-11-30.")
        cites = trial["cite"]
        if not isinstance(cites, list) or not cites or not all(isinstance(c, str) and c.strip() for c in cites):
            raise PluginError(f"{name}:{line}: {who}: cite must be a list of references.bib keys of the registry record.")
        study = trial.get("study")
        if study is not None and study not in studies:
            raise PluginError(f"{name}:{line}: {who}: study '{study}' is not in data/studies.yaml. Use one of: {', '.join(studies)}.")
    return {"date": date, "trials": data["trials"]}


_LOADED: dict = {}  # (root, each file's mtime and size) -> data: read once per build, not once per page


def load_all(root: Path) -> dict:
    files = [root / _TABLE.DATA_FILE, root / OUTCOMES_FILE, root / TRIALS_FILE]
    stamp = (str(root), *((s.st_mtime_ns, s.st_size) for s in (f.stat() for f in files if f.exists())))
    if stamp not in _LOADED:
        _LOADED.clear()
        _LOADED[stamp] = _load_all(root)
    return _LOADED[stamp]


def _load_all(root: Path) -> dict:
    table = _TABLE.load_studies(root / _TABLE.DATA_FILE)
    studies = {s["id"]: s for s in table["studies"]}
    return {
        "labels": table["labels"],
        "studies": studies,
        "sof": validate_outcomes(_read_yaml(root / OUTCOMES_FILE, OUTCOMES_FILE), studies),
        "trials": validate_trials(_read_yaml(root / TRIALS_FILE, TRIALS_FILE), studies),
    }


# ------------------------------------------------------------------------- rendering

md = _TABLE.cell_markdown  # one table cell: Markdown kept, HTML escaped


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def long_date(date: dt.date) -> str:
    return f"{date.day} {date.strftime('%B')} {date.year}"


def render_sof(data: dict, studies_link: str) -> str:
    labels, studies = data["labels"], data["studies"]
    heads = ("Outcome", "Studies and participants", "Effect against control", "Risk of bias", "Certainty (GRADE)")
    out = [
        '<div class="sof" markdown="1">',
        f'<p class="sof__comparison" markdown="span">**Comparison:** {md(data["sof"]["comparison"])}</p>',
        '<table class="sof__table" id="sof-table" aria-label="Summary of findings" markdown="1">',
        '<thead markdown="1"><tr>',
        *(f'<th scope="col">{h}</th>' for h in heads),
        '</tr></thead>',
        '<tbody markdown="1">',
    ]
    for o in data["sof"]["outcomes"]:
        out.append(
            f'<tr id="sof-{html.escape(o["id"])}" data-outcome="{html.escape(o["id"])}" '
            f'data-studies="{o["n_studies"]}" data-participants="{o["participants"]}" '
            f'data-certainty="{o["certainty"]}" markdown="1">'
        )
        out.append(f'<th scope="row" markdown="span">{md(o["outcome"])}</th>')
        if o["studies"]:
            rows = []
            for sid in o["studies"]:
                s = studies[sid]
                label = labels[s["label"]]
                rows.append(
                    f'[{md(s["study"])}]({studies_link}#study-{sid}): label {label["short"]} '
                    f'({md(label["name"]).lower()}), {_plural(s["n"], "patient")}'
                )
            who = (
                f'**{o["n_studies"]} {"study" if o["n_studies"] == 1 else "studies"}, '
                f'{o["participants"]} participants**<br>' + "<br>".join(rows)
            )
        elif not _blank(o.get("external")):
            who = f'**No RA study.** {md(o["external"])}'
        else:
            who = "**No study** in the evidence table reported this outcome."
        out.append(f'<td data-label="Studies and participants" markdown="span">{who}</td>')
        interval = md(o["interval"])
        effect = f'{md(o["effect"])}<br>*Interval:* {interval}'
        out.append(f'<td data-label="Effect against control" markdown="span">{effect}</td>')
        out.append(f'<td data-label="Risk of bias" markdown="span">{md(o["risk_of_bias"])}</td>')
        if o["certainty"] == "none":
            grade = "**Not graded**: no data"
        else:
            start = "randomised against placebo or no cells" if o["start"] == "high" else "no randomised comparison with no cells"
            reasons = "".join(
                f'<br>{html.escape(d["domain"].capitalize())} −{d["levels"]}: {md(d["reason"])}' for d in o["downgrades"]
            )
            grade = (
                f'<span class="sof__grade" aria-hidden="true">{SYMBOLS[o["certainty"]]}</span> '
                f'**{o["certainty"].capitalize()}**<br>Starts {o["start"]} ({start}){reasons}'
            )
        out.append(f'<td data-label="Certainty" markdown="span">{grade}</td>')
        out.append("</tr>")
    out += ["</tbody>", "</table>", "</div>"]
    return "\n".join(out)


def render_trials(data: dict, studies_link: str) -> str:
    studies = data["studies"]
    heads = ("Registry number", "Title as registered", "Phase", "Design", "Participants", "Cell source",
             "Status", "Results posted", "Published study")
    out = [
        '<div class="sof trials" markdown="1">',
        '<table class="sof__table" id="trials-table" aria-label="Registered trials of MSCs in rheumatoid arthritis" markdown="1">',
        '<thead markdown="1"><tr>',
        *(f'<th scope="col">{h}</th>' for h in heads),
        '</tr></thead>',
        '<tbody markdown="1">',
    ]
    for t in data["trials"]["trials"]:
        anchor = t["id"].lower()
        cites = "; ".join(f"@{k}" for k in t["cite"])
        n = "not reported" if t["enrolment"] is None else f'{t["enrolment"]} ({t["enrolment_type"]})'
        study = t.get("study")
        published = f'[{md(studies[study]["study"])}]({studies_link}#study-{study})' if study else "None linked"
        cells = (
            ("Title as registered", md(t["title"])),
            ("Phase", md(t["phase"])),
            ("Design", md(t["design"])),
            ("Participants", n),
            ("Cell source", md(t["cell_source"])),
            ("Status", md(t["status"])),
            ("Results posted", "Yes" if t["results_posted"] else "No"),
            ("Published study", published),
        )
        out.append(f'<tr id="{html.escape(anchor)}" data-trial="{html.escape(t["id"])}" markdown="1">')
        out.append(
            f'<th scope="row" markdown="span">{html.escape(t["id"])}<br>'
            f'{html.escape(t["registry"])}, read {t["checked"].isoformat()} [{cites}]</th>'
        )
        out += [f'<td data-label="{h}" markdown="span">{v}</td>' for h, v in cells]
        out.append("</tr>")
    out += ["</tbody>", "</table>", "</div>"]
    return "\n".join(out)


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines


def _short_name(study: str) -> str:
    """The study's name without a trailing note in brackets, cut to fit the name column."""
    name = re.sub(r"\s*\(.*\)\s*$", "", study) or study
    return name if len(name) <= 19 else name[:18] + "…"


def render_map(data: dict, table_href: str) -> str:
    """The evidence map as a static SVG figure; its text alternative is the evidence table."""
    labels, studies, pre = data["labels"], list(data["studies"].values()), data["sof"]["preclinical"]
    esc = html.escape
    width, name_w, bar_w = 360, 118, 190
    biggest = max(s["n"] for s in studies)
    parts, y = [], 16
    # legend
    parts.append(f'<rect class="em-bar em-bar--umbilical" x="0" y="{y - 10}" width="18" height="11"/>'
                 f'<text x="24" y="{y}">Umbilical cord cells</text>'
                 f'<rect class="em-bar em-bar--other" x="170" y="{y - 10}" width="18" height="11"/>'
                 f'<text x="194" y="{y}">Other cell sources</text>')
    y += 22
    for label_id, label in labels.items():
        group = [s for s in studies if s["label"] == label_id]
        if not group:
            continue
        y += 6
        parts.append(f'<line class="em-rule" x1="0" x2="{width}" y1="{y - 14}" y2="{y - 14}"/>')
        for i, line in enumerate(_wrap(f'{label["short"]}: {label["name"]}', 52)):
            parts.append(f'<text class="em-head" x="0" y="{y + i * 15}">{esc(line)}</text>')
            last = i
        y += last * 15 + 20
        for s in group:
            w = max(2.0, bar_w * s["n"] / biggest)
            kind = "umbilical" if s["group"] == "umbilical" else "other"
            parts.append(
                f'<g class="em-study" data-study="{esc(s["id"])}" data-n="{s["n"]}">'
                f'<text x="0" y="{y}">{esc(_short_name(s["study"]))}</text>'
                f'<text class="em-small" x="0" y="{y + 13}">{esc(s["source_filter"])}</text>'
                f'<rect class="em-bar em-bar--{kind}" x="{name_w}" y="{y - 10}" width="{w:.1f}" height="14"/>'
                f'<text x="{name_w + w + 5:.1f}" y="{y + 1}">{s["n"]}</text></g>'
            )
            y += 32
    # the animal studies, beside the clinical ones
    y += 6
    parts.append(f'<line class="em-rule" x1="0" x2="{width}" y1="{y - 14}" y2="{y - 14}"/>')
    parts.append(f'<text class="em-head" x="0" y="{y}">Animal studies (one meta-analysis)</text>')
    y += 12
    per_row, size, gap = 16, 14, 5
    squares = []
    for i in range(pre["studies"]):
        row, col = divmod(i, per_row)
        kind = "umbilical" if i < pre["benefit"] else "other"
        squares.append(f'<rect class="em-bar em-bar--{kind}" x="{col * (size + gap)}" y="{y + row * (size + gap)}" width="{size}" height="{size}"/>')
    parts.append(f'<g class="em-animal" data-studies="{pre["studies"]}" data-benefit="{pre["benefit"]}">{"".join(squares)}</g>')
    y += math.ceil(pre["studies"] / per_row) * (size + gap) + 12
    parts.append(f'<text x="0" y="{y}">{pre["benefit"]} of {pre["studies"]} reported benefit (filled);</text>')
    y += 15
    parts.append(f'<text x="0" y="{y}">{pre["arms"]} treatment arms in all.</text>')
    height = y + 8
    n_studies = len(studies)
    title = (f"Evidence map: {n_studies} clinical studies by evidence strength and size, "
             f"and {pre['studies']} animal studies")
    svg = (
        f'<svg class="evidence-map__svg" data-search-exclude viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="evidence-map-title" aria-describedby="evidence-map-caption" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="evidence-map-title">{esc(title)}</title>'
        + "".join(parts) + "</svg>"
    )
    caption = (
        f'<figcaption id="evidence-map-caption">Each bar is one clinical study from the '
        f'<a href="{esc(table_href)}">evidence table</a>, which gives the same data as text; '
        f'bars are grouped by evidence-strength label and their length is the number of patients '
        f'(longest: {biggest}). Filled bars: cells from the umbilical cord; outlined bars: other '
        f'sources. Each square below is one animal study in a meta-analysis.</figcaption>'
    )
    return f'<figure class="evidence-map" id="evidence-map-figure">{svg}{caption}</figure>'


def count_word(n: int) -> str:
    return _TABLE.count_word(n)


def replace_markers(markdown: str, data: dict, studies_link: str, table_href: str, where: str = "page") -> str:
    renderers = {
        SOF_MARKER: lambda: render_sof(data, studies_link),
        TRIALS_MARKER: lambda: render_trials(data, studies_link),
        MAP_MARKER: lambda: render_map(data, table_href),
    }
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        for marker, render in renderers.items():
            if line.strip() == marker:
                lines[i] = "\n" + render() + "\n"
            elif marker in line:
                raise PluginError(f"{where}:{i + 1}: put {marker} on a line of its own.")
    markdown = "\n".join(lines)
    date = data["trials"]["date"]
    markdown = DATE_MARKER.sub(f'<time datetime="{date.isoformat()}">{long_date(date)}</time>', markdown)
    markdown = TRIALS_COUNT.sub(count_word(len(data["trials"]["trials"])), markdown)
    leftover = ANY_MARKER.search(markdown)
    if leftover:
        line = markdown.count("\n", 0, leftover.start()) + 1
        raise PluginError(f"{where}: line {line}: unrecognised evidence marker; see hooks/evidence_synthesis.py.")
    return markdown


# ----------------------------------------------------------------------------- event

@event_priority(100)  # before mkdocs-bibtex turns [@key] into footnotes
def on_page_markdown(markdown, page, config, files):
    if not ANY_MARKER.search(markdown):
        return markdown
    data = load_all(Path(config.config_file_path).parent)
    src = page.file.src_uri
    studies_link = "" if src == STUDIES_PAGE else posixpath.relpath(STUDIES_PAGE, posixpath.dirname(src) or ".")
    target = files.get_file_from_path(STUDIES_PAGE)
    if src == STUDIES_PAGE or target is None:
        table_href = f"#{TABLE_ID}"
    else:
        table_href = f"{target.url_relative_to(page.file)}#{TABLE_ID}"
    return replace_markers(markdown, data, studies_link, table_href, where=f"docs/{src}")
