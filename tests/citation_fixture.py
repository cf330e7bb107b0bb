"""The citation fixture site (tests/fixtures/citations_site), copied to a temp dir to build.

The copy points its hook at this repository's hooks/source_context.py (file:line messages, nav
titles), renders citations with the installed ucmsc.citations and uses the real
docs/assets/stylesheets/site.css, so the fixture tests exactly the code that ships.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sitekit import ROOT, BuildFailed, build_site

FIXTURE = ROOT / "tests" / "fixtures" / "citations_site"
HOOK_IN_FIXTURE = "../../../hooks/source_context.py"


def copy_fixture(dest: Path, edits: dict[str, tuple[str, str] | str] | None = None) -> Path:
    """Copy the fixture to ``dest``; apply ``edits`` ({file: (old, new)} or {file: new text}).

    Returns the copy's mkdocs.yml.
    """
    shutil.copytree(FIXTURE, dest, copy_function=shutil.copy)
    config = dest / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert HOOK_IN_FIXTURE in text
    text = text.replace(HOOK_IN_FIXTURE, (ROOT / "hooks" / "source_context.py").as_posix())
    text = text.replace("\ntheme:", "\nextra_css:\n  - assets/site.css\ntheme:", 1)
    config.write_text(text, encoding="utf-8")
    (dest / "docs" / "assets").mkdir()
    shutil.copy(ROOT / "docs" / "assets" / "stylesheets" / "site.css", dest / "docs" / "assets" / "site.css")
    for name, change in (edits or {}).items():
        path = dest / name
        if isinstance(change, str):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(change, encoding="utf-8")
        else:
            old, new = change
            current = path.read_text(encoding="utf-8")
            assert old in current, f"fixture edit: {old!r} not in {name}"
            path.write_text(current.replace(old, new, 1), encoding="utf-8")
    return config


def build_fixture(tmp: Path, edits=None, **overrides) -> Path:
    """Build a (possibly edited) copy of the fixture strictly; returns the site directory."""
    config = copy_fixture(tmp / "src", edits)
    site = tmp / "site"
    build_site(config, site, **overrides)
    return site


def build_errors(tmp: Path, edits) -> list[str]:
    """Build an edited copy that must fail; returns the build's messages."""
    config = copy_fixture(tmp / "src", edits)
    try:
        build_site(config, tmp / "site")
    except BuildFailed as failed:
        return failed.messages
    raise AssertionError(f"the build did not fail with edits {edits}")
