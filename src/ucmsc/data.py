"""The evidence data as typed models: data/studies.yaml, data/outcomes.yaml, data/trials.yaml.

``load()`` reads the three files (and the keys of references.bib), checks them and returns one
``Evidence`` object, or raises ``DataError`` with every problem found, each written as
``data/studies.yaml:57: study 'wang2013': what is wrong. What to do.`` It is cached by the files'
content: every page of a build (and every rebuild that changed none of them) gets the same object.

The shapes (fields, types, allowed values) are pydantic models; the YAML loader keeps the line of
every mapping and key, so a pydantic error is reported at the line of the field it names. The
checks between entries come after the models: ids used twice, study ids and labels that must
exist, the GRADE certainty computed from the starting level and the downgrades, enrolment types,
and every citation key (``cite:`` lists and ``[@key]`` in text) present in references.bib.

New optional fields are added to a model here, each with a default, so that existing data stays
valid (for example ``Study.plain_result``). A field a model does not know is reported with its
line: a misspelt name never disappears silently. A new data file (risk of bias per study, arm
counts for forest plots) gets its model here, is read in ``_load`` beside the others, and its
checks against the studies go into ``check``, which already has them all by id; the pages then
reach it through ``Evidence``.

An unknown citation key is reported and left out of the text (the rest of the entry is shown), so
that the citation step, which sees the generated text later, raises no second message about it.
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
BIB_FILE = "references.bib"

GROUPS = ("umbilical", "other")
LEVELS = ("very low", "low", "moderate", "high")
DOMAINS = ("risk of bias", "inconsistency", "indirectness", "imprecision", "publication bias")
RANDOMISED_LABELS = ("strength-a", "strength-b")  # randomised against placebo or no cells
ENROLMENT_TYPES = ("planned", "actual", "not reported")
OPTIONAL = ("plain_result", "external", "start", "study")
ANSWER_MISSING = "Add them; where the sources do not give a value, write \"not reported in the sources checked\"."
ANSWER_MISSING_TRIAL = "Copy them from the registry record; where it shows none, write \"not reported\"."


class DataError(Exception):
    """Problems in the data files; ``messages`` are complete ``file:line: ...`` sentences."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


# ------------------------------------------------------------------------------ field types

def _fail(kind: str, message: str, **ctx):
    raise PydanticCustomError(kind, message, ctx)


def _text(value):
    """One line of Markdown text; numbers are accepted as text ("12 weeks" or 12)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        _fail("blank", "is empty: write a value, or remove the line")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        _fail("one_line", "must be one line of text, not a list or mapping; put it in quotes")
    return " ".join(str(value).split())


def _keys(value):
    """A list of keys; empty here only when every key was unknown and left out (and reported)."""
    if not isinstance(value, list) or not all(isinstance(k, str) and k.strip() for k in value):
        _fail("keys", "cite must be a list of references.bib keys, e.g. [wang2013umbilical]")
    return [k.strip() for k in value]


def _whole(minimum: int, what: str):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            _fail("whole", "must be {what}, not {value}", what=what, value=repr(value))
        return value
    return check


def _one_of(choices: tuple, what: str | None = None):
    def check(value):
        if isinstance(value, bool) or value not in choices:
            _fail("one_of", "must be {what}, not {value}", value=repr(value),
                  what=what or "one of " + ", ".join(str(c) for c in choices))
        return value
    return check


def _date(value):
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        _fail("date", "must be an ISO date such as 2026-11-30, not {value}", value=repr(value))
    return value


def _bool(value):
    if not isinstance(value, bool):
        _fail("bool", "must be true or false")
    return value


Text = Annotated[str, BeforeValidator(_text)]
Keys = Annotated[list[str], BeforeValidator(_keys)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Flag = Annotated[bool, BeforeValidator(_bool)]


def _checked(value):
    if not isinstance(value, list) or not value or not all(isinstance(c, str) and c.strip() for c in value):
        _fail("checked", "checked must be a list of the sources read for this row (one address or "
                         "references.bib key per line, each starting with '- ')")
    return value


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
    group: Annotated[str, BeforeValidator(_one_of(GROUPS))]
    label: Text
    design: Text
    control: Text
    n: Annotated[int, BeforeValidator(_whole(1, "a whole number of patients"))]
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
    checked: Annotated[list[str], BeforeValidator(_checked)]
    plain_result: Text | None = None  # the main result in words a patient can read (optional)


class StudiesFile(_Model):
    labels: list[Label]
    studies: list[Study]


class Downgrade(_Model):
    domain: Annotated[str, BeforeValidator(_one_of(DOMAINS))]
    levels: Annotated[int, BeforeValidator(_one_of((1, 2), "1 (serious) or 2 (very serious)"))]
    reason: Text


class Outcome(_Model):
    """One row of the summary of findings; ``certainty`` is checked against the computed grade."""

    id: Text
    outcome: Text
    studies: list[Annotated[str, BeforeValidator(_text)]]
    external: Text | None = None
    start: Annotated[str, BeforeValidator(_one_of(("high", "low")))] | None = None
    effect: Text
    interval: Text
    risk_of_bias: Text
    downgrades: list[Downgrade]
    certainty: Annotated[str, BeforeValidator(_one_of((*LEVELS, "none")))]


class Preclinical(_Model):
    """The animal studies of one meta-analysis (the evidence map's squares)."""

    studies: Annotated[int, BeforeValidator(_whole(0, "a whole number"))]
    arms: Annotated[int, BeforeValidator(_whole(0, "a whole number"))]
    benefit: Annotated[int, BeforeValidator(_whole(0, "a whole number"))]
    cite: Text


class OutcomesFile(_Model):
    comparison: Text
    preclinical: Preclinical
    outcomes: list[Outcome]


class Trial(_Model):
    id: Text
    registry: Text
    title: Text
    phase: Text
    design: Text
    enrolment: Annotated[int, BeforeValidator(_whole(1, "a whole number of participants, or null"))] | None
    enrolment_type: Annotated[str, BeforeValidator(_one_of(ENROLMENT_TYPES))]
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


@dataclass(frozen=True)
class Evidence:
    labels: dict[str, Label]
    studies: dict[str, Study]  # in file order
    comparison: str
    preclinical: Preclinical
    outcomes: list[Graded]
    evidence_current_to: dt.date
    trials: list[Trial]
    lines: dict[tuple, int] = field(default_factory=dict, compare=False)  # (file, path...) -> line
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


def _who(kind: str, raw: Any, index: int) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    if kind == "study" and isinstance(raw, dict):
        ident = ident or raw.get("study")
    return f"{kind} '{ident or f'number {index + 1}'}'"


_KIND = {"labels": "label", "studies": "study", "outcomes": "outcome", "trials": "trial"}


def _model_problems(exc: ValidationError, raw: Any, lines, name: str, problems: _Problems) -> None:
    """pydantic's errors as editors' messages, at the line of the entry or field they concern."""
    missing: dict[tuple, list[str]] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        # list items and mappings: who is concerned
        if len(loc) >= 2 and loc[0] in _KIND and isinstance(loc[1], int):
            entry, rest = loc[:2], loc[2:]
            items = raw.get(loc[0]) if isinstance(raw, dict) else None
            item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
            who = _who(_KIND[loc[0]], item, loc[1])
        elif loc and loc[0] == "preclinical":
            entry, rest, who = loc[:1], loc[1:], "'preclinical'"
        else:
            entry, rest, who = (), loc, None
        kind = error["type"]
        if (kind == "missing" or (kind == "blank" and rest and rest[-1] not in OPTIONAL)) and len(rest) == 1:
            missing.setdefault(entry, []).append(str(rest[0]))
            continue
        if kind == "model_type" or (kind in ("dict_type", "list_type") and not rest):
            if not entry and not loc:
                expected = {
                    STUDIES_FILE: "two lists at the top level, 'labels:' and 'studies:'",
                    OUTCOMES_FILE: "'comparison:', 'preclinical:' and a list 'outcomes:' at the top level",
                    TRIALS_FILE: "'evidence_current_to:' and a list 'trials:' at the top level",
                }.get(name, "a mapping at the top level")
                problems.add(name, None, f"expected {expected}.")
            else:
                problems.add(name, line_of(lines, loc), f"{who or loc[0]}: expected a mapping of fields here.")
            continue
        field_name = ", ".join(f"item {p + 1}" if isinstance(p, int) else str(p) for p in rest) or str(loc[-1] if loc else "")
        line = line_of(lines, loc)
        if kind == "missing":  # inside a list of the entry (a downgrade without its reason)
            where = ", ".join(f"item {p + 1}" if isinstance(p, int) else str(p) for p in rest[:-1])
            problems.add(name, line, f"{who + ': ' if who else ''}{where} is missing the required field '{rest[-1]}'.")
        elif kind == "extra_forbidden":
            problems.add(name, line, f"{who + ': ' if who else ''}unknown field '{field_name}'. Check its spelling "
                         "(the fields are listed at the top of the file), or remove it.")
        elif kind in ("one_line", "whole", "one_of", "date", "bool", "blank") and rest:
            problems.add(name, line, f"{who + ': ' if who else ''}{rest[-1]} {error['msg']}.")
        elif kind in ("keys", "checked"):
            problems.add(name, line, f"{who + ': ' if who else ''}{error['msg']}.")
        else:
            problems.add(name, line, f"{who + ': ' if who else ''}{field_name}: {error['msg']}.")
    for entry, fields in missing.items():
        items = raw.get(entry[0]) if entry and isinstance(raw, dict) else None
        if len(entry) == 2:
            who = _who(_KIND[entry[0]], items[entry[1]] if isinstance(items, list) else None, entry[1])
        elif entry:
            who = f"'{entry[0]}'"
        else:
            who = "the file"
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
        if len(path) >= 2 and path[0] in _KIND and isinstance(path[1], int):
            items = raw.get(path[0]) if isinstance(raw, dict) else None
            item = items[path[1]] if isinstance(items, list) and path[1] < len(items) else None
            return _who(_KIND[path[0]], item, path[1])
        return f"'{path[0]}'" if path else "the file"

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


def check(
    studies_raw, studies_lines, outcomes_raw, outcomes_lines, trials_raw, trials_lines, keys: frozenset[str]
) -> Evidence:
    """Validate the three parsed files together; raise DataError listing every problem."""
    problems, cited = _Problems(), _Problems()  # cited: unknown keys, left out of the pages
    studies_raw = _without_unknown_keys(studies_raw, STUDIES_FILE, studies_lines, keys, cited)
    outcomes_raw = _without_unknown_keys(outcomes_raw, OUTCOMES_FILE, outcomes_lines, keys, cited)
    trials_raw = _without_unknown_keys(trials_raw, TRIALS_FILE, trials_lines, keys, cited)
    sf = _parse(StudiesFile, studies_raw, studies_lines, STUDIES_FILE, problems)
    of = _parse(OutcomesFile, outcomes_raw, outcomes_lines, OUTCOMES_FILE, problems)
    tf = _parse(TrialsFile, trials_raw, trials_lines, TRIALS_FILE, problems)
    if sf is None:  # the other files refer to the studies: nothing more can be checked
        raise DataError(cited.messages + problems.messages)

    # studies
    labels = {label.id: label for label in sf.labels}
    studies: dict[str, Study] = {}
    for i, study in enumerate(sf.studies):
        line = studies_lines.get(("studies", i))
        who = f"study '{study.id}'"
        if study.id in studies:
            problems.add(STUDIES_FILE, line, f"{who}: the id is used twice; give each study its own id.")
        studies[study.id] = study
        if study.label not in labels:
            problems.add(STUDIES_FILE, studies_lines.get(("studies", i, "label")) or line,
                         f"{who}: label {study.label!r} is not defined under 'labels:' ({', '.join(labels)}).")

    # outcomes
    graded: list[Graded] = []
    if of is not None:
        line = outcomes_lines.get(("preclinical",))
        pre = of.preclinical
        if pre.benefit > pre.studies:
            problems.add(OUTCOMES_FILE, line, "'preclinical': benefit (studies that reported a benefit) "
                                              "must be at most studies.")
        seen: set[str] = set()
        for i, o in enumerate(of.outcomes):
            line = outcomes_lines.get(("outcomes", i))
            who = f"outcome '{o.id}'"
            if o.id in seen:
                problems.add(OUTCOMES_FILE, line, f"{who}: the id is used twice; give each outcome its own id.")
            seen.add(o.id)
            unknown = [s for s in o.studies if s not in studies]
            for sid in unknown:
                problems.add(OUTCOMES_FILE, line, f"{who}: study '{sid}' is not in {STUDIES_FILE}. "
                                                  f"Use one of: {', '.join(studies)}.")
            if len(set(o.studies)) != len(o.studies):
                problems.add(OUTCOMES_FILE, line, f"{who}: a study is listed twice under 'studies'.")
            if unknown:
                continue
            start, drop = None, sum(d.levels for d in o.downgrades)
            if o.studies:
                if o.start is not None:
                    problems.add(OUTCOMES_FILE, line, f"{who}: remove 'start': with studies listed it is computed "
                                 "from their evidence-strength labels (A or B: high, otherwise low).")
                    continue
                start = "high" if any(studies[s].label in RANDOMISED_LABELS for s in o.studies) else "low"
            elif o.external is not None:
                if o.start is None:
                    problems.add(OUTCOMES_FILE, line, f"{who}: with only 'external' evidence, give 'start: high' "
                                                      "(randomised) or 'start: low'.")
                    continue
                start = o.start
            elif o.downgrades:
                problems.add(OUTCOMES_FILE, line, f"{who}: no studies and no external evidence, so no downgrades either.")
                continue
            computed = "none" if start is None else LEVELS[max(0, LEVELS.index(start) - drop)]
            if o.certainty != computed:
                problems.add(
                    OUTCOMES_FILE, line,
                    f"{who}: certainty is {o.certainty!r} but GRADE gives {computed!r} (start {start or 'none'}, "
                    f"minus {drop} level(s) of downgrades). Correct the grade or the downgrades.",
                )
            graded.append(Graded(o, start, len(o.studies), sum(studies[s].n for s in o.studies)))

    # trials
    if tf is not None:
        seen = set()
        for i, t in enumerate(tf.trials):
            line = trials_lines.get(("trials", i))
            who = f"trial '{t.id}'"
            if not re.fullmatch(r"[A-Za-z0-9-]+", t.id):
                problems.add(TRIALS_FILE, line, f"{who}: the id must be the registry number (letters, digits, hyphens).")
            if t.id.lower() in seen:
                problems.add(TRIALS_FILE, line, f"{who}: the id is used twice.")
            seen.add(t.id.lower())
            n, kind = t.enrolment, t.enrolment_type
            if n is None:
                if kind != "not reported":
                    problems.add(TRIALS_FILE, line, f"{who}: enrolment is empty, so enrolment_type must be 'not reported'.")
            elif isinstance(n, bool) or n < 1 or kind == "not reported":
                problems.add(TRIALS_FILE, line, f"{who}: enrolment must be a whole number with type planned or actual "
                                                "(or null with 'not reported').")
            if t.study is not None and t.study not in studies:
                problems.add(TRIALS_FILE, line, f"{who}: study '{t.study}' is not in {STUDIES_FILE}. "
                                                f"Use one of: {', '.join(studies)}.")

    if problems.messages or of is None or tf is None:
        raise DataError(cited.messages + problems.messages)
    lines = {}
    for name, file_lines in ((STUDIES_FILE, studies_lines), (OUTCOMES_FILE, outcomes_lines), (TRIALS_FILE, trials_lines)):
        lines.update({(name, *path): line for path, line in file_lines.items()})
    return Evidence(
        labels=labels, studies=studies, comparison=of.comparison, preclinical=of.preclinical,
        outcomes=graded, evidence_current_to=tf.evidence_current_to, trials=list(tf.trials), lines=lines,
        problems=cited.messages,
    )


@functools.lru_cache(maxsize=4)
def _load(studies_text: str, outcomes_text: str, trials_text: str, bib_text: str) -> Evidence | DataError:
    try:
        keys = bib_keys(bib_text)
        return check(
            *read_yaml(studies_text, STUDIES_FILE),
            *read_yaml(outcomes_text, OUTCOMES_FILE),
            *read_yaml(trials_text, TRIALS_FILE),
            keys,
        )
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
    result = _load(_read(STUDIES_FILE), _read(OUTCOMES_FILE), _read(TRIALS_FILE), _read(BIB_FILE))
    if isinstance(result, DataError):
        raise result
    return result
