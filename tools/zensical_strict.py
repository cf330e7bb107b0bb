"""`zensical build --strict` that also fails on the project's own warnings (make zensical).

Zensical 0.0.73's --strict fails on its own findings (links, anchors) but not on a warning that
a Python-Markdown extension logs: the extensions in src/ucmsc report an editor's mistake with a
``file:line`` warning on the ``mkdocs.ucmsc`` logger, which MkDocs' strict mode turns into a
failed build. This wrapper runs Zensical's own command line, prints every warning logged under
``mkdocs`` and exits 1 when there was one. Run it with Zensical's Python, from the project folder:

    .venv-zensical/bin/python tools/zensical_strict.py [zensical build options]
"""

from __future__ import annotations

import logging
import sys

from zensical.main import cli


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        print(f"WARNING - {record.getMessage()}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    warnings = _Warnings()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(warnings)
    logger.setLevel(logging.WARNING)
    try:
        cli.main(args=["build", "--strict", *argv], prog_name="zensical", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except Exception as exc:  # noqa: BLE001 - Zensical's own failure: its message, no traceback
        print(f"Zensical: {exc}", file=sys.stderr)
        return 1
    if warnings.count:
        print(f"Aborted: {warnings.count} warning(s) from the project's extensions.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
