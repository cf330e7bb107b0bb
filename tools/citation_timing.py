"""How much do citations cost? Build the real site N times with and without them.

"Without" is a copy of the project in a temp dir whose mkdocs.yml has no bibtex plugin and no
hooks/citations.py, and whose pages have every [@...] removed. Builds run in this process,
alternating the two variants after one warm-up build each; the figure is the ratio of the
median times (target: at most 1.5).

    .venv/bin/python tools/citation_timing.py [--runs N]

Importable: ``measure(runs)`` returns a dict with the figures (used by ``make report``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "site", "node_modules", "tests", "__pycache__", ".pytest_cache")
BIBTEX_PLUGIN = re.compile(r"^  - bibtex:\n(?:^    .*\n)*", re.MULTILINE)
CITATIONS_HOOK = re.compile(r"^  - hooks/citations\.py\n", re.MULTILINE)
CITATION = re.compile(r"\s?\[@[^\[\]]*\]")
TARGET_RATIO = 1.5


def copy_project(src: Path, dest: Path) -> None:
    """The project's files at ``dest``; node_modules is linked, not copied (the build's PurgeCSS
    step, hooks/purge_css.py, runs from it)."""
    shutil.copytree(src, dest, ignore=COPY_IGNORE)
    if (src / "node_modules").is_dir():
        (dest / "node_modules").symlink_to(src / "node_modules", target_is_directory=True)


def without_citations(src: Path, dest: Path) -> Path:
    """A copy of the project at ``dest`` with citations switched off; returns its mkdocs.yml."""
    copy_project(src, dest)
    config = dest / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text, plugins = BIBTEX_PLUGIN.subn("", text)
    text, hooks = CITATIONS_HOOK.subn("", text)
    if plugins != 1 or hooks != 1:
        raise SystemExit("citation_timing: mkdocs.yml no longer has the bibtex plugin and hooks/citations.py where expected")
    config.write_text(text, encoding="utf-8")
    for page in (dest / "docs").rglob("*.md"):
        page.write_text(CITATION.sub("", page.read_text(encoding="utf-8")), encoding="utf-8")
    return config


def build_seconds(config: Path, site_dir: Path) -> float:
    """Wall time of one full `mkdocs build` in a fresh process, as an editor or CI runs it
    (not strict: only the time matters here)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(config), "-d", str(site_dir)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=config.parent, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"citation_timing: the build of {config} failed:\n{done.stderr[-2000:]}")
    return seconds


def measure(runs: int = 5, root: Path = ROOT) -> dict:
    """Median build times with and without citations, and their ratio.

    Both variants are copies of the project taken at the start, so edits made meanwhile do
    not change what is measured.
    """
    with tempfile.TemporaryDirectory(prefix="citation-timing-") as tmp:
        tmp = Path(tmp)
        copy_project(root, tmp / "with")
        configs = {"with": tmp / "with" / "mkdocs.yml", "without": without_citations(root, tmp / "without")}
        times: dict[str, list[float]] = {"with": [], "without": []}
        for run in range(runs + 1):  # run 0 warms the file system cache and .pyc files
            for name, config in configs.items():
                seconds = build_seconds(config, tmp / f"site-{name}")
                if run:
                    times[name].append(seconds)
    with_median = statistics.median(times["with"])
    without_median = statistics.median(times["without"])
    return {
        "runs": runs,
        "with_citations_s": round(with_median, 3),
        "without_citations_s": round(without_median, 3),
        "ratio": round(with_median / without_median, 3),
        "target_ratio": TARGET_RATIO,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed builds per variant (default 5)")
    args = parser.parse_args(argv)
    figures = measure(args.runs)
    print(
        f"median of {figures['runs']} builds: with citations {figures['with_citations_s']:.2f} s, "
        f"without {figures['without_citations_s']:.2f} s, ratio {figures['ratio']:.2f} "
        f"(target at most {TARGET_RATIO})"
    )
    return 0 if figures["ratio"] <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
