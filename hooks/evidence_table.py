"""evidence_table hook: render the clinical-studies table from ``data/studies.yaml``.

A page asks for the data with marker comments, each replaced before the bibtex plugin
runs (so the ``[@key]`` citations in the table become footnotes like any other):

``<!-- evidence-table -->``
    on a line of its own: the whole table (an HTML table whose cells are Markdown).
``<!-- studies:count -->``, ``<!-- studies:count umbilical -->``, ``<!-- studies:count other -->``
    inline: the number of studies (all, or one ``group``) as a word ("nine").

The table's sorting and filtering script (``includes/evidence-table.js``) is written into the
page right after the table, without its comments (jsmin): no other page carries it, and the
page needs no extra request (a separate file, fetched while the page loads, delayed its first
paint in Lighthouse's model).

The columns come in reading order (``COLUMNS``): design and size, evidence strength, main result
and harms first, then the cells, dose, route, follow-up, registration, patients at entry,
patients analysed and funding. The style sheet shows each row as a card in that order on narrow
screens and in print. Each study's name links to its account on ``evidence/details.md``
(heading anchor ``study-<id>``; the strict build fails if one is missing).

Errors in the data stop the build with a message naming the file, the line and the study.
"""

from __future__ import annotations

import html
import logging
import posixpath
import re
from pathlib import Path

import jsmin
import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.hooks.evidence_table")

DATA_FILE = "data/studies.yaml"
READING_PAGE = "evidence/reading.md"  # defines the evidence-strength labels
DETAILS_PAGE = "evidence/details.md"  # each study's account, heading anchor study-<id>
TABLE_MARKER = "<!-- evidence-table -->"
SCRIPT = "includes/evidence-table.js"  # written into the page with the table only
SCRIPT_MARKER = "<!-- evidence_table.py: script -->"  # left by on_page_markdown, filled by on_page_content
TABLE_ID = "study-table"  # not "evidence-table": that is the id of the page's "Evidence table" heading
TABLE_NAME = "Clinical studies of MSCs in rheumatoid arthritis"
COUNT_MARKER = re.compile(r"<!--\s*studies:count(?:\s+(?P<group>[\w-]+))?\s*-->")
ANY_MARKER = re.compile(r"<!--\s*(?:evidence-table|studies:)")

GROUPS = ("umbilical", "other")
REQUIRED = (
    "id", "study", "cite", "group", "label", "design", "control", "n", "arms",
    "source", "source_filter", "dose", "route", "infusions", "route_filter", "follow_up",
    "efficacy", "adverse_events", "baseline", "analysed", "funding", "registration", "checked",
)
LABEL_FIELDS = ("id", "short", "name")
NUMBER_WORDS = (
    "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty",
)

# (header, field, sort type or None), in reading order: the first column is the row header.
# Below about 44em (and in print) each row is shown as a card in this same order
# (includes/evidence-table.js does not reorder anything): what a reader needs first - design
# and size, evidence strength, main result, harms - and then, after a rule, the details.
COLUMNS = (
    ("Study", "study", "text"),
    ("Design and size", "design", "number"),  # sorts by n; holds design, control, n and arms
    ("Evidence strength", "label", "text"),
    ("Main result", "efficacy", None),
    ("Harms reported", "adverse_events", None),
    ("Cell source", "source", "text"),  # first of the "after" part
    ("Dose", "dose", None),
    ("Route and number of infusions", "route", "text"),
    ("Follow-up", "follow_up", None),
    ("Registration", "registration", None),
    ("Patients at entry", "baseline", None),
    ("Patients analysed", "analysed", None),
    ("Funding and conflicts", "funding", None),
)
FIRST_AFTER = "source"  # the column where a card's "after" part begins

# --------------------------------------------------------------------------- loading

# PyYAML's C parser (libyaml, in PyYAML's wheels) when present: the same safe loading and error
# marks, several times faster than the pure-Python parser, which every build and rebuild paid.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    """A safe loader that remembers the line of every mapping (``__line__``)."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def load_studies(path: Path, name: str = DATA_FILE) -> dict:
    """Read and check the studies file; ``name`` is how messages refer to it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PluginError(f"{name}: cannot read the studies data ({exc.strerror}).") from exc
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        problem = getattr(exc, "problem", None) or str(exc)
        raise PluginError(f"{where}: this is not valid YAML ({problem}). Check the indentation and quotes.") from exc
    return validate(data, name)


def validate(data, name: str = DATA_FILE) -> dict:
    """Check the parsed data; raise PluginError naming file, line and study."""
    if not isinstance(data, dict) or not isinstance(data.get("studies"), list) or not isinstance(data.get("labels"), list):
        raise PluginError(f"{name}: expected two lists at the top level, 'labels:' and 'studies:'.")
    labels = {}
    for label in data["labels"]:
        if not isinstance(label, dict):
            raise PluginError(f"{name}: every entry under 'labels:' must be a mapping with {', '.join(LABEL_FIELDS)}.")
        line = label.get("__line__", "?")
        missing = [f for f in LABEL_FIELDS if not str(label.get(f) or "").strip()]
        if missing:
            raise PluginError(f"{name}:{line}: a label is missing {', '.join(repr(m) for m in missing)}.")
        labels[label["id"]] = label
    seen = set()
    for index, study in enumerate(data["studies"], start=1):
        if not isinstance(study, dict):
            raise PluginError(f"{name}: entry {index} under 'studies:' is not a mapping of fields.")
        line = study.get("__line__", "?")
        who = f"study '{study.get('id') or study.get('study') or f'number {index}'}'"
        missing = [f for f in REQUIRED if f not in study or study[f] is None or str(study[f]).strip() == ""]
        if missing:
            fields = ", ".join(repr(m) for m in missing)
            raise PluginError(
                f"{name}:{line}: {who} is missing the required field(s) {fields}. Add them; where the "
                "sources do not give a value, write \"not reported in the sources checked\"."
            )
        if study["id"] in seen:
            raise PluginError(f"{name}:{line}: {who}: the id is used twice; give each study its own id.")
        seen.add(study["id"])
        if study["group"] not in GROUPS:
            raise PluginError(f"{name}:{line}: {who}: group must be one of {', '.join(GROUPS)}, not {study['group']!r}.")
        if study["label"] not in labels:
            raise PluginError(f"{name}:{line}: {who}: label {study['label']!r} is not defined under 'labels:' ({', '.join(labels)}).")
        if isinstance(study["n"], bool) or not isinstance(study["n"], int) or study["n"] < 1:
            raise PluginError(f"{name}:{line}: {who}: n must be a whole number of patients, not {study['n']!r}.")
        checked = study["checked"]
        if not isinstance(checked, list) or not checked or not all(isinstance(c, str) and c.strip() for c in checked):
            raise PluginError(
                f"{name}:{line}: {who}: checked must be a list of the sources read for this row "
                "(one address or references.bib key per line, each starting with '- ')."
            )
        for field in REQUIRED:
            if field not in ("cite", "checked", "n") and not isinstance(study[field], (str, int, float)):
                raise PluginError(
                    f"{name}:{line}: {who}: {field} must be one line of text, not a list or mapping; "
                    "put it in quotes."
                )
        cites = study["cite"]
        if not isinstance(cites, list) or not cites or not all(isinstance(c, str) and c.strip() for c in cites):
            raise PluginError(f"{name}:{line}: {who}: cite must be a list of references.bib keys, e.g. [wang2013umbilical].")
    return {"labels": labels, "studies": data["studies"]}


# ------------------------------------------------------------------------- rendering

_POWER = re.compile(r"\b10\^(-?\d+)")


def cell_markdown(text) -> str:
    """One table cell: Markdown kept, HTML special characters escaped, 10^7 as a superscript."""
    escaped = html.escape(" ".join(str(text).split()), quote=False)
    return _POWER.sub(r"10<sup>\1</sup>", escaped)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def render_table(data: dict, reading_link: str = "reading.md", details_link: str = "details.md") -> str:
    """The evidence table as HTML with Markdown cells (``md_in_html``).

    One real table, with column and row headers for screen readers. Every data cell carries
    its column's name (``data-label``), which the style sheet shows as the cell's label when
    narrow screens and print turn each row into a card; the study's name links to its account
    on the details page (heading anchor ``study-<id>``). The study's citation goes on its own
    line below that link ("Source: 1"), far enough from it for two small tap targets (WCAG 2.5.8).
    """
    labels = data["labels"]
    out = [
        '<div class="evidence-table" markdown="1">',
        f'<div class="evidence-table__scroll" role="region" aria-label="{TABLE_NAME}" tabindex="0" markdown="1">',
        f'<table class="evidence-table__table" id="{TABLE_ID}" aria-label="{TABLE_NAME}" markdown="1">',
        '<thead markdown="1">',
        "<tr>",
    ]
    for header, field, sort in COLUMNS:
        sort_attr = f' data-sort="{sort}"' if sort else ""
        out.append(f'<th scope="col" data-field="{field}"{sort_attr}>{html.escape(header)}</th>')
    out += ["</tr>", "</thead>", '<tbody markdown="1">']
    for position, study in enumerate(data["studies"]):
        label = labels[study["label"]]
        cites = "; ".join(f"@{key}" for key in study["cite"])
        anchor = f"study-{_slug(study['id'])}"
        attrs = {
            "id": anchor,
            "data-order": position,
            "data-group": study["group"],
            "data-source": study["source_filter"],
            "data-route": study["route_filter"],
            "data-label": f"{label['short']}: {label['name']}",
            # hooks/citations.py reports a problem with this row's citations at this line (and drops it)
            "data-origin": f"{DATA_FILE}:{study.get('__line__', 1)}",
        }
        attr_text = " ".join(f'{k}="{html.escape(str(v))}"' for k, v in attrs.items())
        out.append(f'<tr {attr_text} markdown="1">')
        for header, field, _sort in COLUMNS:
            cell = f'data-label="{html.escape(header)}"'
            if field == FIRST_AFTER:
                cell += ' class="evidence-table__after"'
            if field == "study":
                out.append(
                    f'<th scope="row" data-sort-value="{html.escape(study["study"])}" markdown="span">'
                    f'[{cell_markdown(study["study"])}]({details_link}#{anchor}){{: .evidence-table__study }}'
                    f' Source: [{cites}]</th>'
                )
            elif field == "label":
                out.append(
                    f'<td {cell} data-sort-value="{html.escape(label["short"])}" markdown="span">'
                    f'[**{label["short"]}**]({reading_link}#{label["id"]} "What label {label["short"]} means"): '
                    f'{cell_markdown(label["name"])}</td>'
                )
            elif field == "design":
                out.append(
                    f'<td {cell} data-sort-value="{study["n"]}" markdown="span">'
                    f'{cell_markdown(study["design"])}. {cell_markdown(study["control"])}.<br>'
                    f'**{study["n"]} patients**: {cell_markdown(study["arms"])}</td>'
                )
            elif field == "route":
                out.append(
                    f'<td {cell} markdown="span">{cell_markdown(study["route"])}. '
                    f'Infusions: {cell_markdown(study["infusions"])}</td>'
                )
            else:
                out.append(f'<td {cell} markdown="span">{cell_markdown(study[field])}</td>')
        out.append("</tr>")
    out += ["</tbody>", "</table>", "</div>", "</div>"]
    return "\n".join(out)


def count_word(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def replace_markers(
    markdown: str,
    data: dict,
    reading_link: str = "reading.md",
    where: str = "page",
    script: bool = False,
    details_link: str = "details.md",
) -> str:
    """Replace the table and count markers in one page's Markdown.

    ``script``: leave SCRIPT_MARKER after the table, where on_page_content writes the table's
    sorting and filtering script once the page is HTML (so Markdown never sees the code).
    """
    script = f"\n{SCRIPT_MARKER}\n" if script else ""
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.strip() == TABLE_MARKER:
            lines[i] = "\n" + render_table(data, reading_link, details_link) + "\n" + script
        elif TABLE_MARKER in line:
            raise PluginError(f"{where}:{i + 1}: put {TABLE_MARKER} on a line of its own.")
    markdown = "\n".join(lines)

    def count(match: re.Match) -> str:
        group = match.group("group")
        if group and group not in GROUPS:
            raise PluginError(f"{where}: unknown study group {group!r} in {match.group(0)}; use one of {', '.join(GROUPS)}.")
        studies = [s for s in data["studies"] if not group or s["group"] == group]
        return count_word(len(studies))

    markdown = COUNT_MARKER.sub(count, markdown)
    leftover = ANY_MARKER.search(markdown)
    if leftover:
        line = markdown.count("\n", 0, leftover.start()) + 1
        raise PluginError(f"{where}: line {line}: unrecognised evidence-table marker; see hooks/evidence_table.py.")
    return markdown


# ----------------------------------------------------------------------------- event

@event_priority(100)  # before mkdocs-bibtex turns [@key] into footnotes
def on_page_markdown(markdown, page, config, files):
    if not ANY_MARKER.search(markdown):
        return markdown
    root = Path(config.config_file_path).parent
    data = load_studies(root / DATA_FILE)
    src = page.file.src_uri
    here = posixpath.dirname(src) or "."
    reading_link = posixpath.relpath(READING_PAGE, here)
    details_link = posixpath.relpath(DETAILS_PAGE, here)
    return replace_markers(markdown, data, reading_link, where=f"docs/{src}", script=True, details_link=details_link)


def script_tag(source: str, where: str = SCRIPT) -> str:
    """The table's script as an inline <script>, comments and spaces removed."""
    code = jsmin.jsmin(source, quote_chars="'\"`").strip()
    if "</script" in code.lower():
        raise PluginError(f"{where}: the script contains '</script', which would end the inline <script> early.")
    return f"<script>{code}</script>"


@event_priority(-100)  # last: no other hook rewrites the script
def on_page_content(html_content, page, config, files):
    if SCRIPT_MARKER not in html_content:
        return html_content
    source = (Path(config.config_file_path).parent / SCRIPT).read_text(encoding="utf-8")
    return html_content.replace(SCRIPT_MARKER, script_tag(source), 1)
