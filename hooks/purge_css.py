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
live preview needs no Node; `make build` and `make test` run it. tests/test_purge_css.py checks that every class the built pages use keeps its rules, and
the browser tests (axe, contrast, palette, search, tooltips) run on the purged site.
Revisit on a Material or Zensical upgrade: the style sheets' names are Material's.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
PURGECSS = ROOT / "node_modules" / "purgecss" / "bin" / "purgecss.js"
SETTINGS = Path(__file__).resolve().parent / "purgecss.config.cjs"  # unused custom properties go too
THEME_SHEETS = ("assets/stylesheets/main.*.min.css", "assets/stylesheets/palette.*.min.css")
CONTENT = ("**/*.html", "assets/javascripts/**/*.js")

_command = "build"


def on_startup(command: str, dirty: bool) -> None:
    global _command
    _command = command


def purge_command(node: str, site_dir: Path, sheets: list[Path]) -> list[str]:
    """The PurgeCSS command line, run in the site folder: each sheet is rewritten in place."""
    css = [sheet.relative_to(site_dir).as_posix() for sheet in sheets]
    folder = sheets[0].parent.relative_to(site_dir).as_posix()
    return [node, str(PURGECSS), "--config", str(SETTINGS), "--css", *css, "--content", *CONTENT, "--output", folder]


def purge(site_dir: Path) -> list[Path]:
    """Purge Material's style sheets in a built site; the sheets purged."""
    sheets = sorted(sheet for pattern in THEME_SHEETS for sheet in site_dir.glob(pattern))
    if not sheets:
        return []
    node = shutil.which("node")
    if node is None or not PURGECSS.is_file():
        raise PluginError(
            "purge_css: PurgeCSS is not installed (it needs Node.js and node_modules/purgecss). "
            "Run `make build`, which installs the pinned version from package-lock.json, or "
            "`npm ci --omit=dev --ignore-scripts`; `make serve` previews without it."
        )
    command = purge_command(node, site_dir, sheets)
    result = subprocess.run(command, cwd=site_dir, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise PluginError(f"purge_css: PurgeCSS failed in {site_dir}: {detail[-1] if detail else result.returncode}")
    for sheet in sheets:  # the source maps describe the sheets before purging
        sheet.with_name(sheet.name + ".map").unlink(missing_ok=True)
    return sheets


def on_post_build(config) -> None:
    if _command == "serve":
        return
    purge(Path(config["site_dir"]))
