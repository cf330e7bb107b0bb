"""purge_css hook: drop the rules of Material's style sheets that no built page can use.

Material ships one style sheet for every feature it has (blog, tabs, banners, consent forms...).
Every page loads it before its first paint, so its size is paid on every first visit: about
22 KiB gzip, of which this site uses about two thirds. After the build, PurgeCSS (pinned in
package.json, run with Node) keeps only the rules whose classes, ids, elements and attributes
appear in the built HTML or in the site's scripts (Material's bundle and search worker build
some elements in the browser: their class names are in those files, so their rules are kept),
and the custom properties that no kept rule uses (hooks/purgecss.config.cjs).

Only Material's two style sheets are purged (their source maps, which no longer match, are
deleted); the project's own site.css is not. `mkdocs serve` (make serve) skips this step, so
live preview needs no Node; `make build` and `make test` run it. tests/test_purge_css.py checks
that every class the built pages use keeps its rules, and the browser tests (axe, contrast,
palette, search, tooltips) run on the purged site.
Revisit on a Material or Zensical upgrade: the style sheets' names are Material's.

Node and PurgeCSS cost about 0.4 s of CPU, a quarter of a clean build. Their result is kept in
.cache/purgecss/ beside mkdocs.yml (git-ignored; deleting it is always safe), under a hash of
everything the run reads: the sheets, the pages and scripts, the settings, the PurgeCSS version
and this file. An unchanged site takes its sheets from there; any change runs PurgeCSS again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
PURGECSS = ROOT / "node_modules" / "purgecss" / "bin" / "purgecss.js"
SETTINGS = Path(__file__).resolve().parent / "purgecss.config.cjs"  # unused custom properties go too
THEME_SHEETS = ("assets/stylesheets/main.*.min.css", "assets/stylesheets/palette.*.min.css")
CONTENT = ("**/*.html", "assets/javascripts/**/*.js")
CACHE = Path(".cache") / "purgecss"
CACHE_KEEP = 8  # results kept: the newest, for the site variants a test run builds

_command = "build"


def on_startup(command: str, dirty: bool) -> None:
    global _command
    _command = command


def purge_command(node: str, site_dir: Path, sheets: list[Path]) -> list[str]:
    """The PurgeCSS command line, run in the site folder: each sheet is rewritten in place."""
    css = [sheet.relative_to(site_dir).as_posix() for sheet in sheets]
    folder = sheets[0].parent.relative_to(site_dir).as_posix()
    return [node, str(PURGECSS), "--config", str(SETTINGS), "--css", *css, "--content", *CONTENT, "--output", folder]


def inputs_digest(site_dir: Path, sheets: list[Path]) -> str:
    """A hash of every file a PurgeCSS run reads (by name and content), and of its version,
    settings and command line (this file): equal hashes, equal output."""
    digest = hashlib.sha256()
    tool = (PURGECSS.parent.parent / "package.json", SETTINGS, Path(__file__))
    content = sorted({path for pattern in CONTENT for path in site_dir.glob(pattern) if path.is_file()})
    for path in [*tool, *sheets, *content]:
        name = path.relative_to(site_dir).as_posix() if path.is_relative_to(site_dir) else path.name
        data = path.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def find_node() -> str:
    """Node, once PurgeCSS is known to be installed."""
    node = shutil.which("node")
    if node is None or not PURGECSS.is_file():
        raise PluginError(
            "purge_css: PurgeCSS is not installed (it needs Node.js and node_modules/purgecss). "
            "Run `make build`, which installs the pinned version from package-lock.json, or "
            "`npm ci --omit=dev --ignore-scripts`; `make serve` previews without it."
        )
    return node


def run_purgecss(node: str, site_dir: Path, sheets: list[Path]) -> None:
    command = purge_command(node, site_dir, sheets)
    result = subprocess.run(command, cwd=site_dir, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise PluginError(f"purge_css: PurgeCSS failed in {site_dir}: {detail[-1] if detail else result.returncode}")


def purge(site_dir: Path, cache_dir: Path | None = None) -> list[Path]:
    """Purge Material's style sheets in a built site; the sheets purged. With ``cache_dir``, a
    result kept there for the same inputs is used instead of a run, and a run's result is kept."""
    sheets = sorted(sheet for pattern in THEME_SHEETS for sheet in site_dir.glob(pattern))
    if not sheets:
        return []
    node = find_node()  # also when a result is kept: the same build needs the same tools
    kept = cache_dir / f"{inputs_digest(site_dir, sheets)}.json" if cache_dir else None
    try:
        purged = json.loads(kept.read_text(encoding="utf-8")) if kept else None
    except (OSError, ValueError):
        purged = None  # none kept, or unreadable: run
    if isinstance(purged, dict) and sorted(purged) == [sheet.name for sheet in sheets]:
        for sheet in sheets:
            sheet.write_bytes(purged[sheet.name].encode("utf-8"))
        with contextlib.suppress(OSError):
            kept.touch()  # the newest used: kept longest
    else:
        run_purgecss(node, site_dir, sheets)
        if kept:
            store(kept, {sheet.name: sheet.read_bytes().decode("utf-8") for sheet in sheets})
    for sheet in sheets:  # the source maps describe the sheets before purging
        sheet.with_name(sheet.name + ".map").unlink(missing_ok=True)
    return sheets


def store(kept: Path, purged: dict[str, str]) -> None:
    """Keep a result (whole or not at all, even with builds side by side) and the newest others."""
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        temporary = kept.with_name(f"{kept.name}.{os.getpid()}")
        temporary.write_text(json.dumps(purged), encoding="utf-8")
        os.replace(temporary, kept)
        results = sorted(kept.parent.glob("*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
        for old in results[CACHE_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only folder, or another build pruned first: the next build runs again


def on_post_build(config) -> None:
    if _command == "serve":
        return
    purge(Path(config["site_dir"]), Path(config["config_file_path"]).resolve().parent / CACHE)
