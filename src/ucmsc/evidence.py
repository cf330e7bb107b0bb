"""Evidence blocks and values: a Python-Markdown extension (``ucmsc.evidence`` in mkdocs.yml).

The blocks (``/// evidence-table``, ``/// summary-of-findings``, ``/// risk-of-bias``,
``/// forest-plot``, ``/// trials-table``, ``/// evidence-map``; pymdownx.blocks) and the inline
values (``[=studies-count]``, ``[=trials-count]``, ``[=evidence-date]``) are drawn from data/*.yaml
(``ucmsc.data``); CONTRIBUTING.md lists them. A mistake stops a strict build at ``file:line``.
The generated cells are Markdown: links, emphasis, abbreviations and ``[@key]`` run on them after
the blocks. The evidence table's script (includes/evidence-table.js) is written inline after the
table, once per page: a separate file delayed the first paint in Lighthouse's model.
"""

from __future__ import annotations

import html
import math
import posixpath
import re
import textwrap
import xml.etree.ElementTree as etree
from dataclasses import dataclass

import jsmin
from markdown import Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from pymdownx.blocks import BlocksExtension
from pymdownx.blocks.block import Block, type_string

from . import context, data

STUDIES_PAGE = "evidence/studies.md"
READING_PAGE = "evidence/reading.md"  # defines the evidence-strength labels
DETAILS_PAGE = "evidence/details.md"  # each study's account, heading anchor study-<id>
SCRIPT = "includes/evidence-table.js"
TABLE_ID = "study-table"  # not "evidence-table": that is the id of the page's "Evidence table" heading
TABLE_NAME = "Clinical studies of MSCs in rheumatoid arthritis"
NUMBER_WORDS = ("no one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
                "seventeen eighteen nineteen twenty").split()
SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}

# (header, field, sort type or None), in reading order: the first column is the row header.
# Below about 44em (and in print) each row is shown as a card in this same order
# (includes/evidence-table.js does not reorder anything): what a reader needs first - design
# and size, evidence strength, main result, harms - and then, after a rule, the details.
COLUMNS = (
    ("Study", "study", "text"),
    ("Design and size", "design", "number"),  # sorts by n; holds design, control, n and arms
    ("Evidence strength", "label", "text"),
    ("Main result", "efficacy", None),  # with the plain-language result, when the data has one
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


# ------------------------------------------------------------------------------ helpers

_POWER = re.compile(r"\b10\^(-?\d+)")


def cell(text) -> str:
    """A data value as Markdown for one cell: spaces collapsed, HTML special characters
    escaped, ``10^7`` as a superscript."""
    escaped = html.escape(" ".join(str(text).split()), quote=False)
    return _POWER.sub(r"10<sup>\1</sup>", escaped)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def count_word(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def long_date(date) -> str:
    return f"{date.day} {date.strftime('%B')} {date.year}"


def link(target: str, here: str | None) -> str:
    """A link from the page ``here`` (docs-relative) to the page ``target``; "" for itself.

    When the page is unknown (a generator that does not say which page it renders), the link
    is written as from the target's own folder, where the evidence pages are.
    """
    if here == target:
        return ""
    base = posixpath.dirname(here if here else target) or "."
    return posixpath.relpath(target, base)


def _el(parent, tag: str, attrs: dict | None = None, text: str | None = None) -> etree.Element:
    attrs = {k: str(v) for k, v in (attrs or {}).items()}
    node = etree.Element(tag, attrs) if parent is None else etree.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _table(parent, attrs: dict, heads, caption: str | None = None) -> etree.Element:
    """A table with one header row of column headers; returns its body."""
    table = _el(parent, "table", attrs)
    if caption is not None:
        _el(table, "caption", {}, caption)
    head = _el(_el(table, "thead"), "tr")
    for h in heads:
        _el(head, "th", {"scope": "col"}, h)
    return _el(table, "tbody")


def _row(body, attrs: dict, head: str, cells) -> etree.Element:
    """A body row: its row header, then a cell per ``(label, text)`` or ``(label, text, attrs)``."""
    row = _el(body, "tr", attrs)
    _el(row, "th", {"scope": "row"}, head)
    for label, text, *extra in cells:
        _el(row, "td", {"data-label": label, **(extra[0] if extra else {})}, text)
    return row


def _cite(keys) -> str:
    return f"[{'; '.join('@' + k for k in keys)}]"


def _sources(quote: str | None, keys) -> str:
    """A quotation from the source, if any, then its citation (if any): the end of a reason."""
    return (f' Quoted: “{cell(quote)}”' if quote else "") + (f" {_cite(keys)}" if keys else "")


def _study(ev: data.Evidence, sid: str, page: str) -> str:
    """The study's name, linked to its row (or account) on ``page``."""
    return f"[{cell(ev.studies[sid].study)}]({page}#study-{sid})"


def _effect_head(comparison: data.Comparison) -> str:
    return "Effect" if comparison.kind == "comparative" else "Result (no comparative estimate)"


# ---------------------------------------------------------------------------- builders
# Each builder returns an element tree whose leaf cells hold Markdown text (inline syntax only).

def evidence_table(ev: data.Evidence, here: str | None) -> etree.Element:
    """The evidence table: one real table with column and row headers for screen readers.

    Every data cell carries its column's name (``data-label``), which the style sheet shows as
    the cell's label when narrow screens and print turn each row into a card; the study's name
    links to its account on the details page. The study's citation goes on its own line below
    that link ("Source: 1"), far enough from it for two small tap targets (WCAG 2.5.8).
    """
    reading, details = link(READING_PAGE, here), link(DETAILS_PAGE, here)
    root = _el(None, "div", {"class": "evidence-table"})
    scroll = _el(root, "div", {"class": "evidence-table__scroll"})  # the cards never scroll: no tab stop, no region
    table = _el(scroll, "table", {"class": "evidence-table__table", "id": TABLE_ID, "aria-label": TABLE_NAME})
    head = _el(_el(table, "thead"), "tr")
    for header, field, sort in COLUMNS:
        attrs = {"scope": "col", "data-field": field}
        if sort:
            attrs["data-sort"] = sort
        _el(head, "th", attrs, html.escape(header))
    body = _el(table, "tbody")
    for position, study in enumerate(ev.studies.values()):
        label = ev.labels[study.label]
        anchor = f"study-{slug(study.id)}"
        row = _el(body, "tr", {
            "id": anchor, "data-order": position, "data-group": study.group,
            "data-source": study.source_filter, "data-route": study.route_filter,
            "data-label": f"{label.short}: {label.name}",
        })
        source = f" Source: {_cite(study.cite)}" if study.cite else ""
        for header, field, _sort in COLUMNS:
            attrs = {"data-label": header}
            if field == FIRST_AFTER:
                attrs["class"] = "evidence-table__after"
            if field == "study":
                _el(row, "th", {"scope": "row", "data-sort-value": study.study},
                    f"[{cell(study.study)}]({details}#{anchor}){{: .evidence-table__study }}{source}")
            elif field == "label":
                _el(row, "td", {**attrs, "data-sort-value": label.short},
                    f'[**{label.short}**]({reading}#{label.id} "What label {label.short} means"): {cell(label.name)}')
            elif field == "design":
                _el(row, "td", {**attrs, "data-sort-value": study.n},
                    f"{cell(study.design)}. {cell(study.control)}.<br>**{study.n} patients**: {cell(study.arms)}")
            elif field == "route":
                _el(row, "td", attrs, f"{cell(study.route)}. Infusions: {cell(study.infusions)}")
            elif field == "efficacy" and study.plain_result:
                _el(row, "td", attrs, f'<span class="evidence-table__plain">**In plain words:** '
                                      f'{cell(study.plain_result)}</span><br>**In detail:** {cell(study.efficacy)}')
            else:
                _el(row, "td", attrs, cell(getattr(study, field)))
    return root


RISK_OF_BIAS_ANCHOR = "risk-of-bias-table"  # the /// risk-of-bias block's anchor
RISK_OF_BIAS_PAGE = "evidence/risk-of-bias.md"  # the page that holds it


def _sof_row(ev: data.Evidence, g: data.Graded, comparison: data.Comparison, studies_link: str, rob_link: str,
             body: etree.Element) -> None:
    o = g.outcome
    if o.studies:
        lines = []
        for sid in o.studies:
            s = ev.studies[sid]
            label = ev.labels[s.label]
            lines.append(f"{_study(ev, sid, studies_link)}: label {label.short} "
                         f"({cell(label.name).lower()}), {_plural(s.n, 'patient')}")
        who = (f"**{g.n_studies} {'study' if g.n_studies == 1 else 'studies'}, {g.participants} participants**<br>"
               + "<br>".join(lines))
    elif o.external is not None:
        who = f"**No RA study.** {cell(o.external)}"
    else:
        who = "**No study** in the evidence table reported this outcome."
    judged = []
    for sid in o.studies:
        rob = ev.risk_of_bias.get(sid)
        if rob is not None and rob.tool != "none":
            judged.append(f"{cell(ev.studies[sid].study)}: {JUDGEMENT_SYMBOL[rob.overall]} {rob.overall} ({rob.tool})")
    rob_cell = cell(o.risk_of_bias)
    if judged:
        computed = f"−{g.rob_levels} level{'' if g.rob_levels == 1 else 's'}" if g.rob_levels else "none"
        rob_cell += (f"<br>*Per study* ([judgements]({rob_link}#{RISK_OF_BIAS_ANCHOR})): " + "; ".join(judged)
                     + f"<br>*Downgrade computed from them:* {computed}")
    if o.certainty == "none":
        grade = ("**Not graded**: no comparative estimate" if comparison.kind == "single-group"
                 else "**Not graded**: no data")
    else:
        start = ("a randomised comparison" if g.start == "high" else "no randomised comparison")
        reasons = "".join(f"<br>{html.escape(d.domain.capitalize())} −{d.levels}: {cell(d.reason)}" for d in o.downgrades)
        grade = (f'<span class="sof__grade" aria-hidden="true">{SYMBOLS[o.certainty]}</span> '
                 f"**{o.certainty.capitalize()}**<br>Starts {g.start} ({start}){reasons}")
    _row(body, {"id": f"sof-{o.id}", "data-outcome": o.id, "data-comparison": comparison.id,
                "data-studies": g.n_studies, "data-participants": g.participants, "data-certainty": o.certainty},
         cell(o.outcome), (("Studies and participants", who),
                           (_effect_head(comparison), f"{cell(o.effect)}<br>*Interval:* {cell(o.interval)}"),
                           ("Risk of bias", rob_cell), ("Certainty", grade)))


def summary_of_findings(ev: data.Evidence, here: str | None) -> etree.Element:
    """One table per comparison (never mixed), each row an outcome; a row's risk-of-bias cell
    lists the judgements of its studies and the downgrade computed from them."""
    studies_link, rob_link = link(STUDIES_PAGE, here), link(RISK_OF_BIAS_PAGE, here)
    root = _el(None, "div", {"class": "sof sof--findings", "id": "sof-table"})
    for comparison in ev.comparisons.values():
        rows = [g for g in ev.outcomes if g.outcome.comparison == comparison.id]
        if not rows:
            continue
        section = _el(root, "div", {"class": "sof__section", "data-comparison": comparison.id})
        _el(section, "p", {"class": "sof__comparison", "id": f"sof-comparison-{comparison.id}"},
            f"**Comparison:** {cell(comparison.name)}")
        body = _table(section, {"class": "sof__table", "id": f"sof-table-{comparison.id}",
                                "aria-label": f"Summary of findings: {comparison.name}"},
                      ("Outcome", "Studies and participants", _effect_head(comparison), "Risk of bias",
                       "Certainty (GRADE)"))
        for g in rows:
            _sof_row(ev, g, comparison, studies_link, rob_link, body)
    return root


# ------------------------------------------------------------------------ risk of bias

JUDGEMENT_SYMBOL = {  # a symbol beside every judgement word: never colour alone
    "low": "✓", "some concerns": "!", "moderate": "!", "high": "✗", "serious": "✗", "critical": "✗✗",
    "no information": "?",
}
TOOL_NAMES = {
    "RoB 2": "Randomised comparisons: Cochrane RoB 2",
    "ROBINS-I": "Non-randomised comparison: ROBINS-I",
}


def _judgement(word: str) -> str:
    return (f'<span class="rob__symbol" aria-hidden="true">{JUDGEMENT_SYMBOL[word]}</span> '
            f'{html.escape(word.capitalize())}')


def risk_of_bias(ev: data.Evidence, here: str | None) -> etree.Element:
    """Each study's risk of bias: one table per tool (study by domain, each judgement as a word
    with a symbol), then each study's reasons in an expandable section; studies without a
    comparison are listed with why no tool applies."""
    details = link(DETAILS_PAGE, here)
    root = _el(None, "div", {"class": "rob", "id": RISK_OF_BIAS_ANCHOR})
    robs = list(ev.risk_of_bias.values())
    legend = ", ".join(f"{sym} {word}" for word, sym in JUDGEMENT_SYMBOL.items())
    _el(root, "p", {"class": "rob__legend"}, f"**Key:** {html.escape(legend)}.")
    for tool, name in TOOL_NAMES.items():
        group = [r for r in robs if r.tool == tool]
        if not group:
            continue
        body = _table(root, {"class": "sof__table rob__table", "id": f"rob-table-{slug(tool)}",
                             "aria-label": f"Risk of bias: {name}"},
                      ("Study", *(html.escape(d.domain.capitalize()) for d in group[0].domains), "Overall"),
                      f"**{html.escape(name)}**")
        for r in group:
            _row(body, {"id": f"rob-{r.study}", "data-study": r.study, "data-tool": r.tool, "data-overall": r.overall},
                 f"{_study(ev, r.study, details)}<br>{cell(r.comparison)}",
                 [*((d.domain.capitalize(), _judgement(d.judgement), {"data-judgement": d.judgement})
                    for d in r.domains),
                  ("Overall", f"**{_judgement(r.overall)}**<br>{cell(r.overall_reason or '')}",
                   {"data-judgement": r.overall, "class": "rob__overall"})])
        for r in group:
            # the reasons are read on the page; search finds the table by its caption and header
            box = _el(root, "details", {"class": "rob__why", "id": f"rob-why-{r.study}", "data-search-exclude": ""})
            _el(box, "summary", {}, f"Why: {cell(ev.studies[r.study].study)} ({html.escape(r.tool)}, "
                                    f"overall {html.escape(r.overall)})")
            items = _el(box, "ul")
            for d in r.domains:
                _el(items, "li", {"data-domain": d.domain}, f"**{html.escape(d.domain.capitalize())}: "
                    f"{_judgement(d.judgement)}.** {cell(d.support)}{_sources(d.quote, d.cite)}")
    single = [r for r in robs if r.tool == "none"]
    if single:
        _el(root, "p", {"class": "rob__none-head"}, "**No tool applies** (no comparison to judge):")
        items = _el(root, "ul", {"class": "rob__none", "data-search-exclude": ""})  # found by the line above
        for r in single:
            _el(items, "li", {"id": f"rob-{r.study}", "data-study": r.study, "data-tool": "none"},
                f"{_study(ev, r.study, details)}: {cell(r.comparison)}. {cell(r.reason or '')}{_sources(r.quote, r.cite)}")
    return root


# --------------------------------------------------------------------------- forest plots

Z95 = 1.959963984540054  # the 97.5th centile of the standard normal distribution
AXIS = (0.01, 100.0)  # the risk-ratio axis, log scale


@dataclass(frozen=True)
class RiskRatio:
    estimate: float
    low: float
    high: float
    corrected: bool  # 0.5 added to every cell because one was zero


def risk_ratio(events: int, total: int, control_events: int, control_total: int) -> RiskRatio | None:
    """The risk ratio of the first group against the second with its 95% CI, from the standard
    log risk ratio and its standard error, sqrt(1/a - 1/n1 + 1/c - 1/n2). When a cell of the
    2x2 table is zero, 0.5 is added to each of its four cells (Haldane-Anscombe); when neither
    group had an event, the ratio is not estimable (None)."""
    if events == 0 and control_events == 0:
        return None
    a, b = float(events), float(total - events)
    c, d = float(control_events), float(control_total - control_events)
    corrected = 0 in (a, b, c, d)
    if corrected:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    n1, n2 = a + b, c + d
    log_rr = math.log((a / n1) / (c / n2))
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return RiskRatio(math.exp(log_rr), math.exp(log_rr - Z95 * se), math.exp(log_rr + Z95 * se), corrected)


def arm_ratio(arm: data.ArmCounts) -> RiskRatio | None:
    return risk_ratio(arm.events, arm.total, arm.control_events, arm.control_total)


def ratio_text(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def interval_text(estimate: float, low: float, high: float) -> str:
    return f"{ratio_text(estimate)} (95% CI {ratio_text(low)} to {ratio_text(high)})"


def _x(value: float, left: float, width: float) -> float:
    lo, hi = (math.log10(v) for v in AXIS)
    clipped = min(max(value, AXIS[0]), AXIS[1])
    return left + width * (math.log10(clipped) - lo) / (hi - lo)


def _in_sentence(name: str) -> str:
    """A group's name inside a sentence: "Placebo or no cells" -> "placebo or no cells"; an
    initialism ("UC-MSCs alone") keeps its capitals."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _svg(cls: str, width: int, title_id: str, title: str, labelledby: str, describedby: str | None = None):
    """An SVG drawing with its title; ``_svg_html`` gives it its height once drawn. Its text is
    excluded from search: the caption and the table or text alternative are found instead."""
    described = {"aria-describedby": describedby} if describedby else {}
    svg = _el(None, "svg", {"class": cls, "data-search-exclude": "", "viewBox": "", "width": width, "height": "",
                            "role": "img", "aria-labelledby": labelledby, **described,
                            "xmlns": "http://www.w3.org/2000/svg"})
    _el(svg, "title", {"id": title_id}, title)
    return svg


def _svg_html(svg: etree.Element, height: int) -> str:
    svg.set("viewBox", f"0 0 {svg.get('width')} {height}")
    svg.set("height", str(height))
    return etree.tostring(svg, encoding="unicode")


def forest_svg(ev: data.Evidence, g: data.Graded, comparison: data.Comparison) -> str:
    """A forest plot as SVG: per study a square at the risk ratio and a line for its 95% CI,
    then the published pooled estimate (a diamond), on a log axis with a line at 1. Drawn in
    ``currentColor`` (light and dark schemes, print); text is 14 units in a 360-unit-wide view,
    at least 12 px wherever the figure is 310 px wide or more."""
    o, ident = g.outcome, f"forest-{slug(g.outcome.id)}"
    width, left, plot_w = 360, 12, 336
    rows = [("study", f"{_short_name(ev.studies[arm.study].study)}, {arm.timepoint}", arm_ratio(arm))
            for arm in o.forest]
    if o.pooled is not None:
        p = o.pooled
        rows.append(("pooled", f"Meta-analysis, {p.trials} trials (published)",
                     RiskRatio(p.estimate, p.low, p.high, False)))
    svg = _svg("forest__svg", width, f"{ident}-title",
               f"Forest plot: {o.outcome}, {comparison.arm} against {comparison.control}",
               f"{ident}-title {ident}-desc")
    desc = "; ".join(f"{name}: risk ratio {'not estimable' if rr is None else interval_text(rr.estimate, rr.low, rr.high)}"
                     for _kind, name, rr in rows)
    _el(svg, "desc", {"id": f"{ident}-desc"}, f"{desc}.")
    one, y = f"{_x(1.0, left, plot_w):.1f}", 18
    for kind, name, rr in rows:
        value = "not estimable" if rr is None else interval_text(rr.estimate, rr.low, rr.high).replace("95% CI ", "")
        _el(svg, "text", {"x": 0, "y": y}, name)
        _el(svg, "text", {"x": width, "y": y + 16, "text-anchor": "end", "class": "forest__value"}, value)
        line_y = y + 30
        _el(svg, "line", {"class": "forest__null", "x1": one, "x2": one, "y1": line_y - 10, "y2": line_y + 10,
                          "stroke": "currentColor", "stroke-dasharray": "3 2"})
        if rr is not None:
            x1, x2, xm = (_x(v, left, plot_w) for v in (rr.low, rr.high, rr.estimate))
            _el(svg, "line", {"class": "forest__ci", "x1": f"{x1:.1f}", "x2": f"{x2:.1f}", "y1": line_y, "y2": line_y,
                              "stroke": "currentColor", "stroke-width": 2})
            for edge, beyond, sign in ((x1, rr.low < AXIS[0], -1), (x2, rr.high > AXIS[1], 1)):
                if beyond:  # an arrow: the interval goes on beyond the axis
                    _el(svg, "path", {"d": f"M{edge:.1f} {line_y}l{-6 * sign} -5v10z", "fill": "currentColor"})
            if kind == "pooled":
                _el(svg, "path", {"class": "forest__diamond", "d": f"M{x1:.1f} {line_y}L{xm:.1f} {line_y - 7}"
                                  f"L{x2:.1f} {line_y}L{xm:.1f} {line_y + 7}Z",
                                  "fill": "none", "stroke": "currentColor", "stroke-width": 2})
            else:
                _el(svg, "rect", {"class": "forest__point", "x": f"{xm - 5:.1f}", "y": line_y - 5, "width": 10,
                                  "height": 10, "fill": "currentColor"})
        y += 52
    axis_y = y - 8
    _el(svg, "line", {"x1": left, "x2": left + plot_w, "y1": axis_y, "y2": axis_y, "stroke": "currentColor"})
    for tick in (0.01, 0.1, 1, 10, 100):
        x = _x(tick, left, plot_w)
        anchor = "start" if tick == AXIS[0] else "end" if tick == AXIS[1] else "middle"
        _el(svg, "line", {"x1": f"{x:.1f}", "x2": f"{x:.1f}", "y1": axis_y, "y2": axis_y + 5, "stroke": "currentColor"})
        _el(svg, "text", {"x": f"{x - (left if anchor == 'start' else 0):.1f}", "y": axis_y + 20,
                          "text-anchor": anchor}, f"{tick:g}")
    y = axis_y + 40
    _el(svg, "text", {"x": 0, "y": y}, f"◀ Less often with {comparison.arm or ''}")
    _el(svg, "text", {"x": width, "y": y + 18, "text-anchor": "end"}, f"More often with {comparison.arm or ''} ▶")
    return _svg_html(svg, y + 26)


def forest_plot(ev: data.Evidence, here: str | None, raw, comparison: data.Comparison,
                outcome: str | None) -> etree.Element:
    """The forest plots of one comparison (or one outcome of it): for each outcome with arm
    counts, the SVG and, under it, the same numbers as a table (its text alternative)."""
    studies_link = link(STUDIES_PAGE, here)
    root = _el(None, "div", {"class": "forest", "data-comparison": comparison.id})
    for g in ev.outcomes:
        o = g.outcome
        if o.comparison != comparison.id or not o.forest or (outcome and o.id != outcome):
            continue
        figure = _el(root, "figure", {"class": "forest__figure", "id": f"forest-{slug(o.id)}", "data-outcome": o.id})
        figure.text = AtomicString(raw(forest_svg(ev, g, comparison)))
        corrected = any(getattr(arm_ratio(a), "corrected", False) for a in o.forest)
        note = (" Where a group had no events, 0.5 was added to every cell of that study's table before computing."
                if corrected else "")
        pooled = (f" The diamond is the pooled estimate published by the cited meta-analysis, not recomputed "
                  f"here {_cite(o.pooled.cite)}." if o.pooled else "")
        _el(figure, "figcaption", {},
            f"**{cell(o.outcome)}**: {cell(comparison.arm)} against {cell(_in_sentence(comparison.control or ''))}. "
            f"Risk ratio and 95% confidence interval per study, from the counts in the table below; above 1 means "
            f"more often with {cell(comparison.arm)} (logarithmic axis).{note}{pooled}")
        body = _table(root, {"class": "forest__table", "id": f"forest-table-{slug(o.id)}",
                             "aria-label": f"Numbers of the forest plot: {o.outcome}"},
                      ("Study", "Time point", cell(comparison.arm), cell(comparison.control), "Risk ratio (95% CI)",
                       "How the counts were obtained"))
        arm_head, control_head, how = cell(comparison.arm), cell(comparison.control), "How the counts were obtained"
        for arm in o.forest:
            rr = arm_ratio(arm)
            if rr is None:
                ratio, ratio_attrs = "Not estimable (no events in either group)", {}
            else:
                ratio = interval_text(rr.estimate, rr.low, rr.high) + (", with 0.5 added to each cell" if rr.corrected
                                                                       else "")
                ratio_attrs = {"data-rr": f"{rr.estimate:.6g}", "data-low": f"{rr.low:.6g}", "data-high": f"{rr.high:.6g}"}
            _row(body, {"data-study": arm.study}, _study(ev, arm.study, studies_link), (
                ("Time point", cell(arm.timepoint)),
                (arm_head, f"{arm.events} of {arm.total}", {"data-events": arm.events, "data-total": arm.total}),
                (control_head, f"{arm.control_events} of {arm.control_total}",
                 {"data-events": arm.control_events, "data-total": arm.control_total}),
                ("Risk ratio (95% CI)", ratio, ratio_attrs),
                (how, f"{cell(arm.derived)} {_cite(arm.cite)}")))
        if o.pooled is not None:
            p = o.pooled
            _row(body, {"data-pooled": "true"}, f"Pooled: {p.trials} trials", (
                ("Time point", "As published"), (arm_head, "Not given here"), (control_head, "Not given here"),
                ("Risk ratio (95% CI)", f"{interval_text(p.estimate, p.low, p.high)}; I² {cell(p.i2)}",
                 {"data-rr": f"{p.estimate}", "data-low": f"{p.low}", "data-high": f"{p.high}"}),
                (how, f"{cell(p.note)} {_cite(p.cite)}")))
    return root


def trials_table(ev: data.Evidence, here: str | None) -> etree.Element:
    studies_link = link(STUDIES_PAGE, here)
    root = _el(None, "div", {"class": "sof trials"})
    body = _table(root, {"class": "sof__table", "id": "trials-table",
                         "aria-label": "Registered trials of MSCs in rheumatoid arthritis"},
                  ("Registry number", "Title as registered", "Phase", "Design", "Participants", "Cell source",
                   "Status", "Results posted", "Published study"))
    for t in ev.trials:
        n = "not reported" if t.enrolment is None else f"{t.enrolment} ({t.enrolment_type})"
        published = _study(ev, t.study, studies_link) if t.study else "None linked"
        _row(body, {"id": t.id.lower(), "data-trial": t.id},
             f"{html.escape(t.id)}<br>{html.escape(t.registry)}, read {t.checked.isoformat()}{_sources(None, t.cite)}", (
                 ("Title as registered", cell(t.title)), ("Phase", cell(t.phase)), ("Design", cell(t.design)),
                 ("Participants", n), ("Cell source", cell(t.cell_source)), ("Status", cell(t.status)),
                 ("Results posted", "Yes" if t.results_posted else "No"), ("Published study", published)))
    return root


def _short_name(study: str) -> str:
    """The study's name without a trailing note in brackets, cut to fit the name column."""
    name = re.sub(r"\s*\(.*\)\s*$", "", study) or study
    return name if len(name) <= 19 else name[:18] + "…"


def map_svg(ev: data.Evidence) -> str:
    """The evidence map's SVG: one bar per study, grouped by label, length = patients; then one
    square per animal study. Colours are ``currentColor`` (the style sheet), for both schemes."""
    studies, pre = list(ev.studies.values()), ev.preclinical
    width, name_w, bar_w = 360, 118, 190
    biggest = max((s.n for s in studies), default=1)
    svg = _svg("evidence-map__svg", width, "evidence-map-title",
               f"Evidence map: {len(studies)} clinical studies by evidence strength and size, "
               f"and {pre.studies} animal studies",
               "evidence-map-title", "evidence-map-caption")
    y = 16
    for x, kind, text in ((0, "umbilical", "Umbilical cord cells"), (170, "other", "Other cell sources")):
        _el(svg, "rect", {"class": f"em-bar em-bar--{kind}", "x": x, "y": y - 10, "width": 18, "height": 11})
        _el(svg, "text", {"x": x + 24, "y": y}, text)
    y += 22

    def heading(lines: list[str], y: int) -> None:
        _el(svg, "line", {"class": "em-rule", "x1": 0, "x2": width, "y1": y - 14, "y2": y - 14})
        for i, line in enumerate(lines):
            _el(svg, "text", {"class": "em-head", "x": 0, "y": y + i * 15}, line)

    for label_id, label in ev.labels.items():
        group = [s for s in studies if s.label == label_id]
        if not group:
            continue
        y += 6
        wrapped = textwrap.wrap(f"{label.short}: {label.name}", 52, break_long_words=False, break_on_hyphens=False)
        heading(wrapped, y)
        y += (len(wrapped) - 1) * 15 + 20
        for s in group:
            w = max(2.0, bar_w * s.n / biggest)
            kind = "umbilical" if s.group == "umbilical" else "other"
            mark = _el(svg, "g", {"class": "em-study", "data-study": s.id, "data-n": s.n})
            _el(mark, "text", {"x": 0, "y": y}, _short_name(s.study))
            _el(mark, "text", {"class": "em-small", "x": 0, "y": y + 13}, s.source_filter)
            _el(mark, "rect", {"class": f"em-bar em-bar--{kind}", "x": name_w, "y": y - 10, "width": f"{w:.1f}",
                               "height": 14})
            _el(mark, "text", {"x": f"{name_w + w + 5:.1f}", "y": y + 1}, str(s.n))
            y += 32
    y += 6  # the animal studies, beside the clinical ones
    heading(["Animal studies (one meta-analysis)"], y)
    y += 12
    per_row, size, gap = 16, 14, 5
    squares = _el(svg, "g", {"class": "em-animal", "data-studies": pre.studies, "data-benefit": pre.benefit})
    for i in range(pre.studies):
        row, col = divmod(i, per_row)
        _el(squares, "rect", {"class": f"em-bar em-bar--{'umbilical' if i < pre.benefit else 'other'}",
                              "x": col * (size + gap), "y": y + row * (size + gap), "width": size, "height": size})
    y += math.ceil(pre.studies / per_row) * (size + gap) + 12
    _el(svg, "text", {"x": 0, "y": y}, f"{pre.benefit} of {pre.studies} reported benefit (filled);")
    y += 15
    _el(svg, "text", {"x": 0, "y": y}, f"{pre.arms} treatment arms in all.")
    return _svg_html(svg, y + 8)


def evidence_map(ev: data.Evidence, here: str | None, raw) -> etree.Element:
    """The evidence map as a figure; its text alternative is the evidence table (linked from the
    caption). ``raw(html)`` returns the placeholder of raw HTML (the SVG)."""
    studies_link = link(STUDIES_PAGE, here)
    biggest = max((s.n for s in ev.studies.values()), default=0)
    figure = _el(None, "figure", {"class": "evidence-map", "id": "evidence-map-figure"})
    figure.text = AtomicString(raw(map_svg(ev)))
    caption = _el(figure, "figcaption", {"id": "evidence-map-caption"})
    caption.text = AtomicString("Each bar is one clinical study from the ")
    a = _el(caption, "a", {"href": f"{studies_link}#{TABLE_ID}"})
    a.text = AtomicString("evidence table")
    a.tail = AtomicString(
        f", which gives the same data as text; bars are grouped by evidence-strength label and their "
        f"length is the number of patients (longest: {biggest}). Filled bars: cells from the umbilical "
        f"cord; outlined bars: other sources. Each square below is one animal study in a meta-analysis."
    )
    return figure


def script_html(source: str) -> str:
    """The table's script as an inline <script>, without comments and spaces (jsmin renames nothing)."""
    code = jsmin.jsmin(source, quote_chars="'\"`").strip()
    if "</script" in code.lower():
        raise ValueError("the script contains '</script', which would end the inline <script> early")
    return f"<script>{code}</script>"


# ------------------------------------------------------------------------ the extension

class _EvidenceBlock(Block):
    """A block drawn from the data by ``BUILD(ev, here)``; it takes no argument and no content
    (and no options, unless the subclass declares them in OPTIONS)."""

    ARGUMENT = False

    def draw(self, ev: data.Evidence, here: str | None) -> etree.Element:
        return self.BUILD(ev, here)

    def on_markdown(self) -> str:
        return "raw"

    def on_create(self, parent: etree.Element) -> etree.Element:
        self.parent = parent
        self.content = etree.Element("div")  # whatever an editor wrote inside: never shown
        ext: EvidenceExtension = self.config["extension"]
        ev = ext.evidence()
        if ev is None:
            return _el(parent, "div")
        node = self.draw(ev, ext.here())
        parent.append(node)
        return node

    def on_add(self, block: etree.Element) -> etree.Element:
        return self.content

    def on_end(self, block: etree.Element) -> None:
        if (self.content.text or "").strip() or len(self.content):
            self.config["extension"].report_at(
                f"/// {self.NAME}", f"the block /// {self.NAME} takes no content (it is drawn from the data); "
                "remove the text between its two /// lines.")


class EvidenceTableBlock(_EvidenceBlock):
    NAME, BUILD = "evidence-table", staticmethod(evidence_table)

    def on_end(self, block: etree.Element) -> None:
        super().on_end(block)
        ext: EvidenceExtension = self.config["extension"]
        if ext.evidence() is None or self.tracker.get("script"):
            return
        self.tracker["script"] = True  # once per page
        tag = ext.script()
        if tag:
            holder = _el(self.parent, "p")
            holder.text = self.md.htmlStash.store(tag)


class SummaryOfFindingsBlock(_EvidenceBlock):
    NAME, BUILD = "summary-of-findings", staticmethod(summary_of_findings)


class TrialsTableBlock(_EvidenceBlock):
    NAME, BUILD = "trials-table", staticmethod(trials_table)


class EvidenceMapBlock(_EvidenceBlock):
    NAME = "evidence-map"

    def draw(self, ev, here):
        return evidence_map(ev, here, self.md.htmlStash.store)


class RiskOfBiasBlock(_EvidenceBlock):
    NAME, BUILD = "risk-of-bias", staticmethod(risk_of_bias)


class ForestPlotBlock(_EvidenceBlock):
    """``/// forest-plot`` with the option ``comparison: <id>`` (from data/outcomes.yaml) and,
    optionally, ``outcome: <id>`` to draw one outcome of it."""

    NAME = "forest-plot"
    OPTIONS = {"comparison": ["", type_string], "outcome": ["", type_string]}

    def draw(self, ev, here):
        ext: EvidenceExtension = self.config["extension"]
        wanted, outcome = self.options["comparison"], self.options["outcome"]
        drawable = [c.id for c in ev.comparisons.values()
                    if any(g.outcome.comparison == c.id and g.outcome.forest for g in ev.outcomes)]
        comparison = ev.comparisons.get(wanted)
        if comparison is None or wanted not in drawable:
            ext.report_at("/// forest-plot", f"/// forest-plot needs the option 'comparison:' naming a comparison of "
                          f"{data.OUTCOMES_FILE} with arm counts ('forest:'); "
                          f"{'it is missing' if not wanted else repr(wanted) + ' is not one'}. "
                          f"Write one of: {', '.join(drawable)}, indented on the line after /// forest-plot.")
            return _el(None, "div")
        ids = [g.outcome.id for g in ev.outcomes if g.outcome.comparison == wanted and g.outcome.forest]
        if outcome and outcome not in ids:
            ext.report_at("/// forest-plot", f"/// forest-plot: outcome {outcome!r} has no arm counts in comparison "
                          f"{wanted!r}. Write one of: {', '.join(ids)}, or leave 'outcome:' out to draw them all.")
            return _el(None, "div")
        return forest_plot(ev, here, self.md.htmlStash.store, comparison, outcome or None)


BLOCKS = (EvidenceTableBlock, SummaryOfFindingsBlock, TrialsTableBlock, EvidenceMapBlock, RiskOfBiasBlock,
          ForestPlotBlock)
VALUES = {"studies-count": "[=studies-count], [=studies-count umbilical], [=studies-count other]",
          "trials-count": "[=trials-count]", "evidence-date": "[=evidence-date]"}
VALUE = re.compile(r"\[=([^\[\]\n]*)\]")
OLD_MARKER = re.compile(r"<!--\s*(?:evidence[-:]|studies:|trials:)[^>]*-->")
OLD_MARKERS = {
    "evidence-table": "/// evidence-table and /// on the next line",
    "evidence:summary-of-findings": "/// summary-of-findings and /// on the next line",
    "evidence:trials-table": "/// trials-table and /// on the next line",
    "evidence:map": "/// evidence-map and /// on the next line",
    "studies:count": "[=studies-count]",
    "studies:count umbilical": "[=studies-count umbilical]",
    "studies:count other": "[=studies-count other]",
    "trials:count": "[=trials-count]",
    "evidence:current-to": "[=evidence-date]",
}


class _Part:
    """A processor of the extension, which it reaches as ``self.extension``."""

    def __init__(self, *args, extension: EvidenceExtension):
        super().__init__(*args)
        self.extension = extension


class ValueProcessor(_Part, InlineProcessor):
    """``[=name]`` or ``[=name argument]``: a value computed from the data."""

    def handleMatch(self, m: re.Match, text: str):
        token = m.group(0)
        words = m.group(1).split()
        name, args = (words[0], words[1:]) if words else ("", [])
        ext = self.extension
        if name not in VALUES or (name != "studies-count" and args) or len(args) > 1 or (
            args and args[0] not in data.GROUPS
        ):
            ext.report_at(token, f"unknown evidence value {token}. Write one of: {', '.join(VALUES.values())}.")
            return AtomicString(token), m.start(0), m.end(0)
        ev = ext.evidence()
        if ev is None:
            return "", m.start(0), m.end(0)
        if name == "studies-count":
            return AtomicString(count_word(ev.count(args[0] if args else None))), m.start(0), m.end(0)
        if name == "trials-count":
            return AtomicString(count_word(len(ev.trials))), m.start(0), m.end(0)
        date = ev.evidence_current_to
        node = etree.Element("time", {"datetime": date.isoformat()})
        node.text = AtomicString(long_date(date))
        return node, m.start(0), m.end(0)


class _KeepLines(_Part, Preprocessor):
    """Keeps the page's lines, for the line numbers of messages when the page file is unknown."""

    def run(self, lines: list[str]) -> list[str]:
        self.extension.lines = list(lines)
        for line in lines:  # the marker comments of the former hooks would now show nothing
            for old in OLD_MARKER.findall(line):
                new = OLD_MARKERS.get(" ".join(old.split()[1:-1]), "a block or value of CONTRIBUTING.md")
                self.extension.report_at(old, f"the marker {old} is no longer read; write {new}.")
        return lines


class _UnknownBlocks(_Part, Treeprocessor):
    """A ``/// name`` line left as text: a block name misspelt, or one given arguments or options."""

    def run(self, root: etree.Element) -> None:
        ours = {b.NAME for b in BLOCKS}
        for p in root.iter("p"):
            match = re.match(r"/{3,}[ ]*([\w-]+)[^\n]*", p.text or "")
            if not match:
                continue
            name, names = match.group(1), ", ".join(f"/// {b.NAME}" for b in BLOCKS)
            if name == ForestPlotBlock.NAME:
                problem = ("/// forest-plot takes no argument and only the options 'comparison:' and 'outcome:', "
                           "indented on the lines after it")
            elif name in ours:
                problem = "the evidence blocks take no argument or option"
            elif name not in self.extension.block_mgr.blocks:
                problem = "no block has this name"
            else:
                continue  # another extension's block: its own rules
            self.extension.report_at(match.group(0), f"'{match.group(0).strip()}' was not drawn: {problem}. "
                                     f"Write one of {names} on a line of its own, then /// on the next line.")


class EvidenceExtension(BlocksExtension):
    def __init__(self, **kwargs):
        self.config = {"docs_dir": ["docs", "The docs folder, relative to the project folder (for page paths)"]}
        super().__init__(**kwargs)
        self.reset()

    def extendMarkdownBlocks(self, md: Markdown, block_mgr) -> None:
        self.md = md
        self.block_mgr = block_mgr
        md.registerExtension(self)
        for block in BLOCKS:
            block_mgr.register(block, {"extension": self})
        # after code spans (190) and escapes (180), before links and references (160, 170)
        md.inlinePatterns.register(ValueProcessor(VALUE.pattern, md, extension=self), "ucmsc-evidence-value", 175)
        md.preprocessors.register(_KeepLines(md, extension=self), "ucmsc-evidence-lines", 35)
        md.treeprocessors.register(_UnknownBlocks(md, extension=self), "ucmsc-evidence-unknown-blocks", 19)

    def reset(self) -> None:
        self.lines: list[str] = []
        self.reported: set[str] = set()
        self._evidence: data.Evidence | None = None
        self._loaded = False

    # ---- for the blocks and the values

    def here(self) -> str | None:
        """The page being rendered, relative to the docs folder (None when not known)."""
        page = context.current_page()
        prefix = self.getConfig("docs_dir").strip("/") + "/"
        if page and page.startswith(prefix):
            return page[len(prefix):]
        return page

    def evidence(self) -> data.Evidence | None:
        """The checked data (read once per page at most; parsed once per content), or None after
        reporting its problems."""
        if not self._loaded:
            self._loaded = True
            try:
                self._evidence = data.load()
            except data.DataError as exc:
                for message in exc.messages:
                    self.report(message)
            else:
                for message in self._evidence.problems:  # unknown keys, left out of the blocks
                    self.report(message)
        return self._evidence

    def script(self) -> str | None:
        path = context.resolve(SCRIPT)
        try:
            return script_html(path.read_text(encoding="utf-8"))
        except OSError as exc:
            self.report(f"{SCRIPT}: cannot read the evidence table's script ({exc.strerror}).")
        except ValueError as exc:
            self.report(f"{SCRIPT}: {exc}.")
        return None

    def report(self, message: str) -> None:
        if message not in self.reported:
            self.reported.add(message)
            context.warn(message)

    def report_at(self, needle: str, message: str) -> None:
        """A problem on the page, at the line of the first occurrence of ``needle`` not reported yet."""
        self.report(f"{context.where(self._line(needle))}: {message}")

    def _line(self, needle: str) -> int | None:
        def find(lines: list[str]) -> list[int]:
            return [i + 1 for i, line in enumerate(lines) if needle in line]

        # in the page's file as the hook gives it; else (a test, a tool) in the Markdown given
        found = find((context.current_source() or "").splitlines()) or find(self.lines)
        seen = sum(1 for m in self.reported if needle in m)
        return found[min(seen, len(found) - 1)] if found else None


def makeExtension(**kwargs) -> EvidenceExtension:
    return EvidenceExtension(**kwargs)
