"""Markdown output shared by verify_refs and watch, and the small JSON summary the workflow reads."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterable, Sequence


def cell(value: object) -> str:
    """One table cell: a single line, pipes escaped, empty shown as an em dash."""
    text = " ".join(str(value if value is not None else "").split())
    return text.replace("|", "\\|") if text else "—"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def emit(markdown: str, out: Path | None, summary: Path | None, findings: int, exit_code: int) -> None:
    """Print the report, write it to `out`, and write {"findings", "exit"} to `summary`."""
    sys.stdout.write(markdown if markdown.endswith("\n") else markdown + "\n")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(markdown, encoding="utf-8")
    write_summary(summary, findings, exit_code)


def write_summary(summary: Path | None, findings: int, exit_code: int) -> None:
    """{"findings", "exit"} as JSON, for the workflow that decides whether to open an issue."""
    if summary is not None:
        summary.parent.mkdir(parents=True, exist_ok=True)
        summary.write_text(json.dumps({"findings": findings, "exit": exit_code}) + "\n", encoding="utf-8")


def finish(name: str, produce, out: Path | None, summary: Path | None) -> int:
    """Run one command's check and report it; no network and a wrong repository file each end in
    one line on stderr and their own exit status, never a traceback."""
    from . import EXIT_CONFIG, EXIT_OFFLINE
    from .bib import ConfigError
    from .http import NoNetwork

    try:
        report, findings, code = produce()
    except NoNetwork as exc:
        print(f"{name}: no network: {exc}; nothing was checked (exit {EXIT_OFFLINE}).", file=sys.stderr)
        write_summary(summary, 0, EXIT_OFFLINE)
        return EXIT_OFFLINE
    except ConfigError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        write_summary(summary, 0, EXIT_CONFIG)
        return EXIT_CONFIG
    emit(report, out, summary, findings, code)
    return code
