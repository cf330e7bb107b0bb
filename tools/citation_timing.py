"""The editor loop's figures: what citations and the project's hooks cost a build, and how long
`make serve` takes to rebuild after a save.

Four copies of the project in a temp dir, each built N times in a fresh process (as an editor
or CI runs `mkdocs build`), alternating after one warm-up build each; medians are reported:

* "with": the project as it is (its .cache/jinja/ of compiled templates kept between builds,
  as on an editor's machine: hooks/template_cache.py);
* "cold": the same, with .cache/ deleted before every build, as in a fresh clone (CI);
* "without": no citations extension (ucmsc.citations), every [@...] removed from the pages
  (the ratio with/without: target at most 1.5);
* "stock": the same pages with stock Material: no hooks, no theme overrides, only the search
  plugin, the same Markdown extensions (the ratio with/stock: target at most 1.5).

Then the rebuild after a save: the project copy, and the stock copy for comparison, is built in
one process as `mkdocs serve` does (MINIFY=false; the first build warms it up), a page is saved,
and the next full rebuild is timed (median of N). Last, a real `mkdocs serve` of the project
copy: the wall time from saving a page to the server sending the changed page (median of N).

It also counts the custom layer: the non-blank lines of the project's own build code, templates
and scripts (LAYER below; not tests, not tools), part by part.

Build times are CPU seconds (user + system, child processes included), not wall time: the
machines this runs on are shared, and wall time there measures the other users' load.

    .venv/bin/python tools/citation_timing.py [--runs N]      # or: make timing

Importable: ``measure(runs)`` returns a dict with the figures (used by ``make report``).
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY_IGNORE = shutil.ignore_patterns(".venv", ".venv-*", ".git", "site", "node_modules", "tests", "__pycache__", ".pytest_cache", ".cache")
CITATIONS_EXTENSION = re.compile(r"^  - ucmsc\.citations:\n(?:^      .*\n)*", re.MULTILINE)
CITATION = re.compile(r"\s?\[@[^\[\]]*\]")
STRICT = re.compile(r"^strict: true\n", re.MULTILINE)
TARGET_RATIO = 1.5
# The custom layer: what the project adds to MkDocs, Material and the extensions it names.
LAYER = {
    "hooks": "hooks/*.py",
    "Markdown extensions": "src/**/*.py",
    "theme overrides": "overrides/**/*.html",
    "scripts": "includes/*.js",
}


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
    text, extensions = CITATIONS_EXTENSION.subn("", text)
    # Only the time is measured: a warning the project's hooks would have prevented (say, the
    # About page's {{ repo_url }} link, filled in by hooks/page_meta.py) must not stop the build.
    text, strict = STRICT.subn("strict: false\n", text)
    if extensions != 1 or strict != 1:
        raise SystemExit("citation_timing: mkdocs.yml no longer has the ucmsc.citations extension and strict: where expected")
    config.write_text(text, encoding="utf-8")
    for page in (dest / "docs").rglob("*.md"):
        page.write_text(CITATION.sub("", page.read_text(encoding="utf-8")), encoding="utf-8")
    return config


PLUGINS = re.compile(r"^plugins:\n(?:^(?:  |\s*#).*\n)*", re.MULTILINE)
HOOKS = re.compile(r"^hooks:\n(?:^(?:  |\s*#).*\n)*", re.MULTILINE)
CUSTOM_DIR = re.compile(r"^  custom_dir: .*\n", re.MULTILINE)


def stock_material(src: Path, dest: Path) -> Path:
    """A copy of the project at ``dest`` built by stock Material: no hooks, no overrides, only
    the search plugin, citations removed; returns its mkdocs.yml."""
    config = without_citations(src, dest)
    text = config.read_text(encoding="utf-8")
    text, plugins = PLUGINS.subn("plugins:\n  - search\n", text)
    text, hooks = HOOKS.subn("", text)
    text, custom = CUSTOM_DIR.subn("", text)
    if plugins != 1 or hooks != 1 or custom != 1:
        raise SystemExit("citation_timing: mkdocs.yml no longer has plugins:, hooks: and custom_dir where expected")
    config.write_text(text, encoding="utf-8")
    return config


def rebuild_seconds(config: Path, site_dir: Path, runs: int) -> float:
    """Median time of a rebuild after a saved page, as `mkdocs serve` runs it (in one process,
    plugins kept between builds, hooks told the command is "serve")."""
    code = f"""
import statistics, sys, time
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config
page = Path({str(config.parent / "docs" / "safety.md")!r})
times = []
try:
    for run in range({runs} + 1):
        page.write_text(page.read_text(encoding="utf-8") + "\\n", encoding="utf-8")  # the editor saves
        start = time.process_time()  # CPU time (see build_seconds)
        cfg = load_config({str(config)!r}, site_dir={str(site_dir)!r})
        cfg.plugins.on_startup(command="serve", dirty=False)
        build(cfg, serve_url="http://127.0.0.1:8000/")
        if run:
            times.append(time.process_time() - start)
except BaseException as exc:
    sys.exit(f"{{type(exc).__name__}}: {{exc}}")
print(statistics.median(times))
"""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", MINIFY="false")  # as `make serve` sets it
    done = subprocess.run([sys.executable, "-c", code], cwd=config.parent, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"citation_timing: the serve-like rebuild failed:\n{done.stderr[-2000:]}{done.stdout[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def save_to_page_seconds(config: Path, runs: int, strict: bool = True) -> float:
    """Median wall time from saving a page to `mkdocs serve` serving it changed (as `make serve`
    runs it: MINIFY=false, strict), polled every 20 ms. Wall time: this is what the editor waits."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    url = f"http://127.0.0.1:{port}/safety/"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", MINIFY="false", SITE_URL=f"http://127.0.0.1:{port}/")
    command = [sys.executable, "-m", "mkdocs", "serve", *(["--strict"] if strict else []), "-f", str(config),
               "--dev-addr", f"127.0.0.1:{port}"]
    server = subprocess.Popen(command, cwd=config.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def served(marker: str, timeout: float) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            try:
                if marker in opener.open(url, timeout=5).read().decode("utf-8"):
                    return time.perf_counter() - start
            except OSError:
                pass
            time.sleep(0.02)
        raise SystemExit(f"citation_timing: mkdocs serve did not show the saved page within {timeout} s")

    page = config.parent / "docs" / "safety.md"
    times = []
    try:
        served("</html>", 300)
        for run in range(runs + 1):
            marker = f"Saved for timing {time.time_ns()}."
            page.write_text(page.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
            seconds = served(marker, 120)
            if run:  # the first rebuild after start-up warms the caches
                times.append(seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return statistics.median(times)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build_seconds(config: Path, site_dir: Path) -> float:
    """CPU time (user + system, the build's own Node step included) of one full `mkdocs build` in
    a fresh process, as an editor or CI runs it (not strict: only the time matters here). CPU
    time, not wall time: the machines this runs on are shared, and wall time there measures
    the other users' load as much as the build."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    # Python's default: the project's own modules (hooks/, src/ucmsc) compiled to .pyc once, as
    # the installed packages were by pip. With PYTHONDONTWRITEBYTECODE set (some containers and
    # CI images set it), they alone were compiled again in every build, and stock has none of them.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(config), "-d", str(site_dir)]
    start = _children_cpu()
    done = subprocess.run(command, cwd=config.parent, env=env, capture_output=True, text=True, check=False)
    seconds = _children_cpu() - start
    if done.returncode != 0:
        raise SystemExit(f"citation_timing: the build of {config} failed:\n{done.stderr[-2000:]}")
    return seconds


def layer_lines(root: Path = ROOT) -> dict[str, int]:
    """Non-blank lines of each part of the custom layer (LAYER), and their ``total``."""
    counts = {
        part: sum(
            sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
            for path in root.glob(pattern)
            if path.is_file()
        )
        for part, pattern in LAYER.items()
    }
    return counts | {"total": sum(counts.values())}


def measure(runs: int = 5, root: Path = ROOT) -> dict:
    """Median build times with and without citations, and their ratio.

    Both variants are copies of the project taken at the start, so edits made meanwhile do
    not change what is measured.
    """
    with tempfile.TemporaryDirectory(prefix="citation-timing-") as tmp:
        tmp = Path(tmp)
        copy_project(root, tmp / "with")
        copy_project(root, tmp / "cold")
        configs = {
            "with": tmp / "with" / "mkdocs.yml",
            "cold": tmp / "cold" / "mkdocs.yml",  # the project with no compiled templates kept (.cache/ deleted)
            "without": without_citations(root, tmp / "without"),
            "stock": stock_material(root, tmp / "stock"),
        }
        times: dict[str, list[float]] = {name: [] for name in configs}
        for run in range(runs + 1):  # run 0 warms the file system cache and .pyc files
            for name, config in configs.items():
                if name == "cold":
                    shutil.rmtree(config.parent / ".cache", ignore_errors=True)  # as in a fresh clone
                seconds = build_seconds(config, tmp / f"site-{name}")
                if run:
                    times[name].append(seconds)
        rebuild = rebuild_seconds(configs["with"], tmp / "site-serve", runs)
        rebuild_stock = rebuild_seconds(configs["stock"], tmp / "site-serve-stock", runs)
        save_to_page = save_to_page_seconds(configs["with"], runs)
        save_to_page_stock = save_to_page_seconds(configs["stock"], runs, strict=False)
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "runs": runs,
        "with_citations_s": round(medians["with"], 3),
        "cold_cache_s": round(medians["cold"], 3),
        "cold_ratio_to_stock": round(medians["cold"] / medians["stock"], 3),
        "without_citations_s": round(medians["without"], 3),
        "ratio": round(medians["with"] / medians["without"], 3),
        "stock_material_s": round(medians["stock"], 3),
        "ratio_to_stock": round(medians["with"] / medians["stock"], 3),
        "rebuild_after_save_s": round(rebuild, 3),
        "stock_rebuild_after_save_s": round(rebuild_stock, 3),
        "save_to_served_page_s": round(save_to_page, 3),
        "stock_save_to_served_page_s": round(save_to_page_stock, 3),
        "target_ratio": TARGET_RATIO,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed builds per variant (default 5)")
    args = parser.parse_args(argv)
    figures = measure(args.runs)
    print(
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, CPU seconds (user + system), "
        f"median of {figures['runs']} clean builds: the project {figures['with_citations_s']:.2f} s "
        f"({figures['cold_cache_s']:.2f} s with no .cache/, as in a fresh clone: ratio to stock {figures['cold_ratio_to_stock']:.2f}), "
        f"without citations {figures['without_citations_s']:.2f} s (ratio {figures['ratio']:.2f}), "
        f"stock Material {figures['stock_material_s']:.2f} s (ratio {figures['ratio_to_stock']:.2f}; "
        f"targets at most {TARGET_RATIO})\n"
        f"rebuild after a save under make serve: {figures['rebuild_after_save_s']:.2f} s (median; "
        f"stock Material {figures['stock_rebuild_after_save_s']:.2f} s)\n"
        f"from a save to the changed page served by make serve: {figures['save_to_served_page_s']:.2f} s "
        f"(stock Material {figures['stock_save_to_served_page_s']:.2f} s; wall time, median, the machine's other load included)"
    )
    layer = layer_lines()
    parts = ", ".join(f"{part} {n:,}" for part, n in layer.items() if part != "total")
    print(f"custom layer (build code, templates and scripts; not tests, not tools): {layer['total']:,} non-blank "
          f"lines ({parts})")
    met = {True: "met", False: "not met"}
    print(f"targets: clean build at most {TARGET_RATIO} x stock: {met[figures['ratio_to_stock'] <= TARGET_RATIO]} with .cache/ kept, "
          f"{met[figures['cold_ratio_to_stock'] <= TARGET_RATIO]} with no .cache/; "
          f"a saved page served within 1 s: {met[figures['save_to_served_page_s'] <= 1.0]}")
    return 0  # a report, not a gate: timings vary with the machine and its load


if __name__ == "__main__":
    sys.exit(main())
