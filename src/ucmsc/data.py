"""The evidence data (data/*.yaml) as typed models, read and checked once per content.

``load()`` returns one ``Evidence`` or raises ``DataError`` with every problem found, each at its
``file:line`` (the YAML loader keeps the line of every node). The pydantic models give the shapes;
``check`` the rules between entries (ids, labels, GRADE, risk of bias, citation keys). A new
optional field gets a default so existing data stays valid; CONTRIBUTING.md describes the files.
An unknown citation key is reported and left out of the text, so the citation step raises no
second message about it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass, field
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from . import context

STUDIES_FILE = "data/studies.yaml"
OUTCOMES_FILE = "data/outcomes.yaml"
TRIALS_FILE = "data/trials.yaml"
ROB_FILE = "data/risk_of_bias.yaml"
BIB_FILE = "references.bib"

GROUPS = ("umbilical", "other")
LEVELS = ("very low", "low", "moderate", "high")
DOMAINS = ("risk of bias", "inconsistency", "indirectness", "imprecision", "publication bias")
RANDOMISED_LABELS = ("strength-a", "strength-b")  # randomised against placebo or no cells
ENROLMENT_TYPES = ("planned", "actual", "not reported")
OPTIONAL = ("plain_result", "external", "start", "study", "quote", "overall", "overall_reason", "reason")
COMPARISON_KINDS = ("comparative", "single-group")
EXTERNAL_ROB = {"not serious": 0, "serious": 1, "very serious": 2, "not assessed": None}
TOOLS = ("RoB 2", "ROBINS-I", "none")
# judgements of each tool, least to most severe ("no information" is listed apart)
JUDGEMENTS = {"RoB 2": ("low", "some concerns", "high"), "ROBINS-I": ("low", "moderate", "serious", "critical")}
NO_INFORMATION = "no information"
ANSWER_MISSING = "Add them; where the sources do not give a value, write \"not reported in the sources checked\"."
ANSWER_MISSING_TRIAL = "Copy them from the registry record; where it shows none, write \"not reported\"."


class DataError(Exception):
    """Problems in the data files; ``messages`` are complete ``file:line: ...`` sentences."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


# ------------------------------------------------------------------------------ field types
# Each check raises its own message (the editor's wording), which _model_problems puts at the line.

def _fail(kind: str, message: str, **ctx):
    raise PydanticCustomError(kind, message, ctx)


def _text(value):
    """One line of Markdown text; numbers are accepted as text ("12 weeks" or 12)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        _fail("blank", "is empty: write a value, or remove the line")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        _fail("one_line", "must be one line of text, not a list or mapping; put it in quotes")
    return " ".join(str(value).split())


def _rule(base, kind: str, ok, message: str, convert=None, **ctx):
    """``base`` checked by ``ok(value)``, else the editor's ``message``; then ``convert(value)``."""
    def check(value):
        if not ok(value):
            _fail(kind, message, value=repr(value), **ctx)
        return convert(value) if convert else value
    return Annotated[base, BeforeValidator(check)]


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(k, str) and k.strip() for k in value)


def Whole(minimum: int, what: str):  # noqa: N802 - a type
    return _rule(int, "whole", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum,
                 "must be {what}, not {value}", what=what)


def OneOf(*choices, what: str | None = None):  # noqa: N802 - a type
    return _rule(type(choices[0]), "one_of", lambda v: not isinstance(v, bool) and v in choices,
                 "must be {what}, not {value}", what=what or "one of " + ", ".join(str(c) for c in choices))


Text = Annotated[str, BeforeValidator(_text)]
# a list of keys; empty here only when every key was unknown and left out (and reported)
Keys = _rule(list[str], "keys", _strings, "cite must be a list of references.bib keys, e.g. [wang2013umbilical]",
             lambda v: [k.strip() for k in v])
Checked = _rule(list[str], "checked", lambda v: _strings(v) and bool(v),
                "checked must be a list of the sources read for this row (one address or references.bib key per "
                "line, each starting with '- ')")
Date = _rule(dt.date, "date", lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime),
             "must be an ISO date such as 2026-11-30, not {value}")
Flag = _rule(bool, "bool", lambda v: isinstance(v, bool), "must be true or false")
Ratio = _rule(float, "ratio", lambda v: _number(v) and v > 0, "must be a positive number such as 1.10, not {value}",
              float)
Count = Whole(0, "a whole number")
Positive = Whole(1, "a whole number of at least 1")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------------- models

class Label(_Model):
    """An evidence-strength label; ``id`` is its anchor on docs/evidence/reading.md."""

    id: Text
    short: Text
    name: Text


class Study(_Model):
    """One row of the evidence table."""

    id: Text
    study: Text
    cite: Keys
    group: OneOf(*GROUPS)
    label: Text
    design: Text
    control: Text
    n: Whole(1, "a whole number of patients")
    arms: Text
    source: Text
    source_filter: Text
    dose: Text
    route: Text
    infusions: Text
    route_filter: Text
    follow_up: Text
    efficacy: Text
    adverse_events: Text
    baseline: Text
    analysed: Text
    funding: Text
    registration: Text
    checked: Checked
    plain_result: Text | None = None  # the main result in words a patient can read (optional)


class StudiesFile(_Model):
    labels: list[Label]
    studies: list[Study]


class Downgrade(_Model):
    domain: OneOf(*DOMAINS)
    levels: OneOf(1, 2, what="1 (serious) or 2 (very serious)")
    reason: Text


class ArmCounts(_Model):
    """One study's two arms for a binary outcome (a forest plot's row)."""

    study: Text
    timepoint: Text
    events: Count
    total: Positive
    control_events: Count
    control_total: Positive
    derived: Text
    cite: Keys


class Pooled(_Model):
    """A pooled estimate as a cited meta-analysis published it (never computed here)."""

    measure: OneOf("risk ratio")
    estimate: Ratio
    low: Ratio
    high: Ratio
    trials: Positive
    i2: Text
    note: Text
    cite: Keys


class Comparison(_Model):
    id: Text
    kind: OneOf(*COMPARISON_KINDS)
    name: Text
    arm: Text | None = None
    control: Text | None = None


class Outcome(_Model):
    """One row of the summary of findings; ``certainty`` is checked against the computed grade."""

    id: Text
    comparison: Text
    outcome: Text
    studies: list[Text]
    external: Text | None = None
    external_risk_of_bias: OneOf(*EXTERNAL_ROB) | None = None
    start: OneOf("high", "low") | None = None
    effect: Text
    interval: Text
    risk_of_bias: Text
    downgrades: list[Downgrade]
    certainty: OneOf(*LEVELS, "none")
    forest: list[ArmCounts] = []
    pooled: Pooled | None = None


class Preclinical(_Model):
    """The animal studies of one meta-analysis (the evidence map's squares)."""

    studies: Count
    arms: Count
    benefit: Count
    cite: Text


class OutcomesFile(_Model):
    comparisons: list[Comparison]
    preclinical: Preclinical
    outcomes: list[Outcome]


class RobDomain(_Model):
    domain: Text
    judgement: Text
    support: Text
    quote: Text | None = None
    cite: Keys


class RobStudy(_Model):
    """One study's risk-of-bias assessment (data/risk_of_bias.yaml)."""

    study: Text
    tool: OneOf(*TOOLS)
    comparison: Text
    outcomes: Text | None = None
    domains: list[RobDomain] = []
    overall: Text | None = None
    overall_reason: Text | None = None
    reason: Text | None = None  # tool none: why no tool applies
    quote: Text | None = None
    cite: Keys | None = None


class RobFile(_Model):
    tools: dict[str, list[Text]]
    studies: list[RobStudy]


class Trial(_Model):
    id: Text
    registry: Text
    title: Text
    phase: Text
    design: Text
    enrolment: Whole(1, "a whole number of participants, or null") | None
    enrolment_type: OneOf(*ENROLMENT_TYPES)
    cell_source: Text
    status: Text
    results_posted: Flag
    study: Text | None = None  # the published study in data/studies.yaml, if any
    cite: Keys
    checked: Date


class TrialsFile(_Model):
    evidence_current_to: Date
    trials: list[Trial]


# ------------------------------------------------------------------- what the pages get

@dataclass(frozen=True)
class Graded:
    """An outcome with what the build computes: its starting level, studies and participants."""

    outcome: Outcome
    start: str | None
    n_studies: int
    participants: int
    rob_levels: int | None = None  # the computed risk-of-bias downgrade (None: not computed)
    rob_basis: str = ""  # the rule's inputs in words


@dataclass(frozen=True)
class Evidence:
    labels: dict[str, Label]
    studies: dict[str, Study]  # in file order
    comparisons: dict[str, Comparison]  # in file order
    preclinical: Preclinical
    outcomes: list[Graded]
    evidence_current_to: dt.date
    trials: list[Trial]
    risk_of_bias: dict[str, RobStudy] = field(default_factory=dict)  # by study id, in file order
    problems: list[str] = field(default_factory=list)  # unknown citation keys: reported, left out

    def count(self, group: str | None = None) -> int:
        return sum(1 for s in self.studies.values() if group is None or s.group == group)


# ---------------------------------------------------------------------------- reading

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same result, faster


def read_yaml(text: str, name: str) -> tuple[Any, dict[tuple, int]]:
    """The parsed YAML and the line of every node by its path (``("studies", 3, "n")``).

    A mapping's path gives the line it starts on; a key's path, the line of the key.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        # where the construct began (an unclosed bracket's line), else where the parser stopped
        start, mark = getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None)
        where = f"{name}:{(start or mark).line + 1}" if (start or mark) else name
        problem = getattr(exc, "problem", None) or str(exc)
        if start and mark and mark.line != start.line:
            problem = f"{exc.context}, {problem} on line {mark.line + 1}"
        raise DataError([f"{where}: this is not valid YAML ({problem}). Check the indentation and quotes."]) from None
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}

    def walk(node, path: tuple) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[path + (key.value,)] = key.start_mark.line + 1
                walk(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    if node is not None:
        walk(node, ())
    return data, lines


def line_of(lines: dict[tuple, int], path: tuple) -> int | None:
    """The line of ``path`` or of its nearest enclosing node."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def bib_keys(text: str) -> frozenset[str]:
    """The entry keys of references.bib, as bibliography.load parses it (the same parse, cached
    on the text, that the citations and the reference list use)."""
    from .bibliography import BibError, parse_bibliography

    try:
        return parse_bibliography(text, BIB_FILE).keys
    except BibError as exc:
        raise DataError([f"{exc} Fix it first."]) from None


CITATION = re.compile(r"\[([^\[\]]*@[^\[\]]*)\]")
CITED_KEY = re.compile(r"(?:^|(?<=[\s;\-]))@([^\s,;\]]+)")


# -------------------------------------------------------------------------------- checks

class _Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, name: str, line: int | None, message: str) -> None:
        self.messages.append(f"{name}:{line}: {message}" if line else f"{name}: {message}")

    def about(self, name: str, lines, entry: tuple, who: str):
        """``say(message, *field)``: a problem of one entry, at its field's line (else the entry's)."""
        def say(message: str, *field) -> None:
            self.add(name, (lines.get(entry + field) if field else None) or lines.get(entry), f"{who}: {message}")
        return say


_KIND = {"labels": "label", "studies": "study", "outcomes": "outcome", "trials": "trial", "comparisons": "comparison"}


def _who(raw: Any, path: tuple) -> str | None:
    """The entry of a top-level list that ``path`` is in ("study 'wang2013'"), or None."""
    if len(path) < 2 or path[0] not in _KIND or not isinstance(path[1], int):
        return None
    items = raw.get(path[0]) if isinstance(raw, dict) else None
    item = items[path[1]] if isinstance(items, list) and path[1] < len(items) else None
    item = item if isinstance(item, dict) else {}
    ident = item.get("id") or (item.get("study") if path[0] == "studies" else None)
    return f"{_KIND[path[0]]} '{ident or f'number {path[1] + 1}'}'"


def _in_words(path: tuple) -> str:
    return ", ".join(f"item {p + 1}" if isinstance(p, int) else str(p) for p in path)


def _model_problems(exc: ValidationError, raw: Any, lines, name: str, problems: _Problems) -> None:
    """pydantic's errors as editors' messages, at the line of the entry or field they concern."""
    missing: dict[tuple, list[str]] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        # list items and mappings: who is concerned
        who = _who(raw, loc)
        if who:
            entry, rest = loc[:2], loc[2:]
        elif loc and loc[0] == "preclinical":
            entry, rest, who = loc[:1], loc[1:], "'preclinical'"
        else:
            entry, rest, who = (), loc, None
        kind, prefix = error["type"], f"{who}: " if who else ""
        if (kind == "missing" or (kind == "blank" and rest and rest[-1] not in OPTIONAL)) and len(rest) == 1:
            missing.setdefault(entry, []).append(str(rest[0]))
            continue
        if kind == "model_type" or (kind in ("dict_type", "list_type") and not rest):
            if not entry and not loc:
                expected = {
                    STUDIES_FILE: "two lists at the top level, 'labels:' and 'studies:'",
                    OUTCOMES_FILE: "a list 'comparisons:', 'preclinical:' and a list 'outcomes:' at the top level",
                    ROB_FILE: "'tools:' and a list 'studies:' at the top level",
                    TRIALS_FILE: "'evidence_current_to:' and a list 'trials:' at the top level",
                }.get(name, "a mapping at the top level")
                problems.add(name, None, f"expected {expected}.")
            else:
                problems.add(name, line_of(lines, loc), f"{who or loc[0]}: expected a mapping of fields here.")
            continue
        field_name = _in_words(rest) or str(loc[-1] if loc else "")
        line = line_of(lines, loc)
        if kind == "missing":  # inside a list of the entry (a downgrade without its reason)
            problems.add(name, line, f"{prefix}{_in_words(rest[:-1])} is missing the required field '{rest[-1]}'.")
        elif kind == "extra_forbidden":
            problems.add(name, line, f"{prefix}unknown field '{field_name}'. Check its spelling "
                         "(the fields are listed at the top of the file), or remove it.")
        elif kind in ("one_line", "whole", "one_of", "date", "bool", "blank") and rest:
            problems.add(name, line, f"{prefix}{rest[-1]} {error['msg']}.")
        elif kind in ("keys", "checked"):
            problems.add(name, line, f"{prefix}{error['msg']}.")
        else:
            problems.add(name, line, f"{prefix}{field_name}: {error['msg']}.")
    for entry, fields in missing.items():
        who = _who(raw, entry) or (f"'{entry[0]}'" if entry else "the file")
        answer = ANSWER_MISSING_TRIAL if name == TRIALS_FILE else ANSWER_MISSING
        listed = ", ".join(repr(f) for f in fields)
        problems.add(name, line_of(lines, entry), f"{who} is missing the required field(s) {listed}. {answer}")


def _parse(model: type[_Model], raw: Any, lines, name: str, problems: _Problems):
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        _model_problems(exc, raw, lines, name, problems)
        return None


def _suggest(key: str, keys: frozenset[str]) -> str:
    same = [k for k in keys if k.casefold() == key.casefold()]
    if same:
        return f" It differs in letter case from the bibliography key '{same[0]}': write @{same[0]}."
    near = difflib.get_close_matches(key, keys, n=3, cutoff=0.75)
    return f" Did you mean {', '.join('@' + k for k in near)}?" if near else ""


def _without_unknown_keys(raw: Any, name: str, lines, keys: frozenset[str], problems: _Problems) -> Any:
    """The parsed file with every unknown citation key reported at its line and left out (so the
    pages show the rest and the citation step raises no second message about it)."""

    def who(path: tuple) -> str:
        return _who(raw, path) or (f"'{path[0]}'" if path else "the file")

    def unknown(key: str, path: tuple) -> bool:
        if key in keys:
            return False
        field_name = next((p for p in reversed(path) if isinstance(p, str)), "")
        problems.add(name, line_of(lines, path),
                     f"unknown citation key '@{key}': it is not in the bibliography.{_suggest(key, keys)} "
                     f"({who(path)}, {field_name}) Fix the key, or add the verified entry to {BIB_FILE} first.")
        return True

    def drop(match: re.Match, path: tuple) -> str:
        kept = [p for p in match.group(1).split(";") if not any([unknown(k, path) for k in CITED_KEY.findall(p)])]
        return f"[{';'.join(kept).strip()}]" if kept else ""

    def clean(value: Any, path: tuple) -> Any:
        if isinstance(value, dict):
            return {k: clean(v, path + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            if path and path[-1] == "cite" and all(isinstance(k, str) for k in value):
                if not value:
                    problems.add(name, line_of(lines, path), f"{who(path)}: cite must be a list of references.bib "
                                                             "keys, e.g. [wang2013umbilical].")
                return [k for k in value if not unknown(k.strip(), path)]
            return [clean(v, path + (i,)) for i, v in enumerate(value)]
        if isinstance(value, str):
            if path and path[-1] == "cite":
                unknown(value.strip(), path)
                return value
            text = CITATION.sub(lambda m: drop(m, path), value)
            return re.sub(r"[ \t]+(?=[.,;:)]|$)", "", text) if text != value else value
        return value

    return clean(raw, ())


SEVERITY = {  # each tool's overall judgement as the rule's classes
    ("RoB 2", "low"): "low", ("RoB 2", "some concerns"): "concerns", ("RoB 2", "high"): "high",
    ("ROBINS-I", "low"): "low", ("ROBINS-I", "moderate"): "concerns", ("ROBINS-I", "serious"): "high",
    ("ROBINS-I", "critical"): "critical",
}


def rob_downgrade(assessed: list[tuple[RobStudy, int]]) -> tuple[int, str]:
    """The risk-of-bias downgrade of one summary-of-findings row from its studies' overall
    judgements weighted by participants (``(assessment, n)`` pairs), and the reason in words; the
    rule is stated in CONTRIBUTING.md and data/risk_of_bias.yaml."""
    total = sum(n for _, n in assessed) or 1
    share = {"low": 0, "concerns": 0, "high": 0, "critical": 0}
    for rob, n in assessed:
        share[SEVERITY[(rob.tool, rob.overall)]] += n
    worse = share["high"] + share["critical"]
    listed = "; ".join(f"{rob.study}: {rob.overall} ({rob.tool})" for rob, _ in assessed)
    if share["critical"] or worse * 2 > total:
        levels = 2
    elif worse or (worse + share["concerns"]) * 2 > total:
        levels = 1
    else:
        levels = 0
    return levels, f"{listed}; {worse + share['concerns']} of {total} participants in studies at some concerns or worse"


def _rob_floor(rob: RobStudy) -> str:
    """The least severe overall judgement the tool's rules allow for these domain judgements."""
    judged = [d.judgement for d in rob.domains]
    if rob.tool == "RoB 2":
        if "high" in judged:
            return "high"
        return "some concerns" if any(j in ("some concerns", NO_INFORMATION) for j in judged) else "low"
    order = JUDGEMENTS["ROBINS-I"]
    return max((j for j in judged if j in order), key=order.index, default="low")


def _check_rob(rf: RobFile, lines, studies: dict, problems: _Problems) -> dict[str, RobStudy]:
    found: dict[str, RobStudy] = {}
    for tool in JUDGEMENTS:
        if tool not in rf.tools:
            problems.add(ROB_FILE, line_of(lines, ("tools",)), f"'tools': the domains of {tool} are missing; "
                         "list them under 'tools:' as in the published tool.")
    for i, rob in enumerate(rf.studies):
        line = lines.get(("studies", i))
        who = f"study '{rob.study}'"
        say = problems.about(ROB_FILE, lines, ("studies", i), who)
        if rob.study not in studies:
            problems.add(ROB_FILE, line, f"{who} is not in {STUDIES_FILE}. Use one of: {', '.join(studies)}.")
            continue
        if rob.study in found:
            problems.add(ROB_FILE, line, f"{who} is assessed twice; keep one entry.")
            continue
        found[rob.study] = rob
        if rob.tool == "none":
            if rob.domains or rob.overall:
                say("with 'tool: none' give no domains and no overall judgement, only 'reason' and 'cite'.")
            if not rob.reason or not rob.cite:
                say("with 'tool: none' say why no tool applies in 'reason', with its source in 'cite'.")
            continue
        expected, names = rf.tools.get(rob.tool, []), [d.domain for d in rob.domains]
        if names != expected:
            say(f"the domains of {rob.tool} must be, in this order: {', '.join(expected)} "
                f"(found: {', '.join(names) or 'none'}).", "domains")
        order = JUDGEMENTS[rob.tool]
        allowed = (*order, NO_INFORMATION)
        for j, d in enumerate(rob.domains):
            if d.judgement not in allowed:
                say(f"domain '{d.domain}': judgement {d.judgement!r} is not one of {rob.tool}'s: {', '.join(allowed)}.",
                    "domains", j, "judgement")
        if rob.overall not in order:
            say(f"overall must be one of {', '.join(order)} for {rob.tool}, not {rob.overall!r}.", "overall")
            continue
        if not rob.overall_reason:
            say("say why in 'overall_reason'.")
        if all(d.judgement in allowed for d in rob.domains):
            floor = _rob_floor(rob)
            if order.index(rob.overall) < order.index(floor):
                say(f"overall is {rob.overall!r}, but {rob.tool}'s rules give at least {floor!r} for these domain "
                    "judgements. Raise the overall judgement or correct the domains.", "overall")
    return found


def _check_outcome(o: Outcome, comparison: Comparison, studies: dict[str, Study], robs: dict[str, RobStudy],
                   say) -> Graded | None:
    """One summary-of-findings row: its starting level and risk-of-bias downgrade computed, its
    certainty, forest rows and pooled estimate checked (None when the row cannot be graded)."""
    unknown = [s for s in o.studies if s not in studies]
    for sid in unknown:
        say(f"study '{sid}' is not in {STUDIES_FILE}. Use one of: {', '.join(studies)}.")
    if len(set(o.studies)) != len(o.studies):
        say("a study is listed twice under 'studies'.")
    if unknown:
        return None
    if o.start is not None and o.studies:
        say(f"remove 'start': with studies listed it is computed from their risk-of-bias tool in {ROB_FILE} "
            "(RoB 2, randomised: high; otherwise low).")
        return None
    participants = sum(studies[s].n for s in o.studies)
    if comparison.kind == "single-group":
        if o.certainty != "none" or o.downgrades or o.forest or o.pooled or o.external:
            say(f"comparison '{comparison.id}' is single-group: it gives no comparative estimate, so write "
                "'certainty: none' and 'downgrades: []', with no forest, pooled or external evidence.")
        return Graded(o, None, len(o.studies), participants)
    declared_rob_at = next((("downgrades", j) for j, d in enumerate(o.downgrades) if d.domain == "risk of bias"), ())
    declared_rob = sum(d.levels for d in o.downgrades if d.domain == "risk of bias")
    drop = sum(d.levels for d in o.downgrades)
    start, rob_levels, rob_basis = None, None, ""
    if o.studies:
        assessed = []
        for sid in o.studies:
            rob = robs.get(sid)
            if rob is None or rob.tool == "none":
                say(f"study '{sid}' has no risk-of-bias assessment with a tool in {ROB_FILE}"
                    f"{' (tool: none, a single-group study)' if rob else ''}; assess it there, or move its result to a "
                    "single-group comparison.")
            elif rob.overall in JUDGEMENTS[rob.tool]:
                assessed.append((rob, studies[sid].n))
        if len(assessed) != len(o.studies):
            return None
        start = "high" if any(rob.tool == "RoB 2" for rob, _ in assessed) else "low"
        rob_levels, rob_basis = rob_downgrade(assessed)
        if o.external_risk_of_bias is not None:
            say(f"remove 'external_risk_of_bias': with studies listed the risk of bias is computed from {ROB_FILE}.")
    elif o.external is not None:
        if o.start is None:
            say("with only 'external' evidence, give 'start: high' (randomised) or 'start: low'.")
            return None
        if o.external_risk_of_bias is None:
            say("with only 'external' evidence, give 'external_risk_of_bias' (not serious, serious, very serious "
                "or not assessed).")
            return None
        start = o.start
        rob_levels = EXTERNAL_ROB[o.external_risk_of_bias]
        rob_basis = f"external evidence, risk of bias {o.external_risk_of_bias}"
        if rob_levels is None:
            rob_levels = 0
            if start == "high":
                say("the risk of bias of this evidence was not assessed, so it cannot start at 'high': write "
                    "'start: low', or assess it.")
    elif o.downgrades:
        say("no studies and no external evidence, so no downgrades either.")
        return None
    if rob_levels is not None and declared_rob != rob_levels:
        source = ROB_FILE if o.studies else "'external_risk_of_bias'"
        say(f"the risk-of-bias downgrade is {declared_rob} level(s), but {source} gives {rob_levels} ({rob_basis}). "
            "Correct the downgrade under 'downgrades' (domain: risk of bias), or the judgements it is computed from.",
            *declared_rob_at)
    computed = "none" if start is None else LEVELS[max(0, LEVELS.index(start) - drop)]
    if o.certainty != computed:
        say(f"certainty is {o.certainty!r} but GRADE gives {computed!r} (start {start or 'none'}, minus {drop} "
            "level(s) of downgrades). Correct the grade or the downgrades.")
    for j, arm in enumerate(o.forest):
        if arm.study not in o.studies:
            say(f"forest row {j + 1}: study '{arm.study}' is not listed under this outcome's 'studies'.", "forest", j)
        if arm.events > arm.total or arm.control_events > arm.control_total:
            say(f"forest row {j + 1}: events cannot exceed the group's total (events <= total, control_events <= "
                "control_total).", "forest", j)
    if o.pooled is not None and not (o.pooled.low <= o.pooled.estimate <= o.pooled.high):
        say("pooled: the estimate must lie between low and high; copy the three numbers from the cited paper.", "pooled")
    return Graded(o, start, len(o.studies), participants, rob_levels, rob_basis)


MODELS = {STUDIES_FILE: StudiesFile, OUTCOMES_FILE: OutcomesFile, TRIALS_FILE: TrialsFile, ROB_FILE: RobFile}


def check(parsed: dict[str, tuple[Any, dict[tuple, int]]], keys: frozenset[str]) -> Evidence:
    """Validate the parsed files (``{file: (data, lines)}``) together; raise DataError listing every problem."""
    problems, cited = _Problems(), _Problems()  # cited: unknown keys, left out of the pages

    def parse(name: str, model: type[_Model]):
        raw, lines = parsed[name]
        if model is RobFile and raw is None:  # an empty risk-of-bias file: its tools are reported missing
            return RobFile(tools={}, studies=[])
        return _parse(model, _without_unknown_keys(raw, name, lines, keys, cited), lines, name, problems)

    sf, of, tf, rf = (parse(name, model) for name, model in MODELS.items())
    studies_lines, outcomes_lines, trials_lines, rob_lines = (parsed[name][1] for name in MODELS)
    if sf is None:  # the other files refer to the studies: nothing more can be checked
        raise DataError(cited.messages + problems.messages)

    labels = {label.id: label for label in sf.labels}
    studies: dict[str, Study] = {}
    for i, study in enumerate(sf.studies):
        say = problems.about(STUDIES_FILE, studies_lines, ("studies", i), f"study '{study.id}'")
        if study.id in studies:
            say("the id is used twice; give each study its own id.")
        studies[study.id] = study
        if study.label not in labels:
            say(f"label {study.label!r} is not defined under 'labels:' ({', '.join(labels)}).", "label")

    robs = _check_rob(rf, rob_lines, studies, problems) if rf is not None else {}

    graded: list[Graded] = []
    comparisons: dict[str, Comparison] = {}
    if of is not None:
        for i, c in enumerate(of.comparisons):
            say = problems.about(OUTCOMES_FILE, outcomes_lines, ("comparisons", i), f"comparison '{c.id}'")
            if c.id in comparisons:
                say("the id is used twice.")
            comparisons[c.id] = c
            if c.kind == "comparative" and (not c.arm or not c.control):
                say("a comparative comparison names its two groups in 'arm' and 'control'.")
        if of.preclinical.benefit > of.preclinical.studies:
            problems.add(OUTCOMES_FILE, outcomes_lines.get(("preclinical",)), "'preclinical': benefit (studies that "
                         "reported a benefit) must be at most studies.")
        seen: set[str] = set()
        for i, o in enumerate(of.outcomes):
            say = problems.about(OUTCOMES_FILE, outcomes_lines, ("outcomes", i), f"outcome '{o.id}'")
            if o.id in seen:
                say("the id is used twice; give each outcome its own id.")
            seen.add(o.id)
            if o.comparison not in comparisons:
                say(f"comparison '{o.comparison}' is not listed under 'comparisons:' ({', '.join(comparisons)}).",
                    "comparison")
                continue
            row = _check_outcome(o, comparisons[o.comparison], studies, robs, say)
            if row is not None:
                graded.append(row)

    if tf is not None:
        seen = set()
        for i, t in enumerate(tf.trials):
            say = problems.about(TRIALS_FILE, trials_lines, ("trials", i), f"trial '{t.id}'")
            if not re.fullmatch(r"[A-Za-z0-9-]+", t.id):
                say("the id must be the registry number (letters, digits, hyphens).")
            if t.id.lower() in seen:
                say("the id is used twice.")
            seen.add(t.id.lower())
            if t.enrolment is None and t.enrolment_type != "not reported":
                say("enrolment is empty, so enrolment_type must be 'not reported'.")
            elif t.enrolment is not None and t.enrolment_type == "not reported":
                say("enrolment must be a whole number with type planned or actual (or null with 'not reported').")
            if t.study is not None and t.study not in studies:
                say(f"study '{t.study}' is not in {STUDIES_FILE}. Use one of: {', '.join(studies)}.")

    if problems.messages or of is None or tf is None or rf is None:
        raise DataError(cited.messages + problems.messages)
    return Evidence(
        labels=labels, studies=studies, comparisons=comparisons, preclinical=of.preclinical,
        outcomes=graded, evidence_current_to=tf.evidence_current_to, trials=list(tf.trials),
        risk_of_bias=robs, problems=cited.messages,
    )


@functools.lru_cache(maxsize=4)
def _load(texts: tuple[tuple[str, str], ...]) -> Evidence | DataError:
    """``texts``: the (file, text) pairs of the data files and references.bib."""
    text = dict(texts)
    try:
        keys = bib_keys(text[BIB_FILE])
        return check({name: read_yaml(text[name], name) for name in MODELS}, keys)
    except DataError as exc:
        return exc


def _read(name: str) -> str:
    path = context.resolve(name)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError([f"{name}: cannot read the file ({exc.strerror})."]) from None


def load() -> Evidence:
    """The checked evidence data of the project folder (``context.project_root()``).

    The files are read on every call (a few kB) and parsed and checked only when their content
    changed since an earlier call: once per build, again after an edit under ``make serve``.
    """
    result = _load(tuple((name, _read(name)) for name in (STUDIES_FILE, OUTCOMES_FILE, TRIALS_FILE, BIB_FILE, ROB_FILE)))
    if isinstance(result, DataError):
        raise result
    return result
