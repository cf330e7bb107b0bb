"""The theme is customised only in Material's documented ways, and says so in one place.

overrides/README.md lists every file that takes Material's place, with the SHA-256 of the pinned
Material's own copy. These tests read that table and Material's installed package (no build):

* every file in overrides/ that has the name of one of Material's templates is listed;
* Material's copy of each listed file is still the one the override was written against;
* every block main.html overrides calls super();
* the lazy search start (overrides/partials/search.html) still matches how Material starts
  search: the index is fetched when a form is named "search", the worker is created with the
  global Worker constructor from config "search", and the worker's first message is SETUP (0)
  with the index's config and docs. tests/test_quality_gates.py checks the same in a browser.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import material
import pytest
from jinja2 import Environment, FileSystemLoader, nodes

from sitekit import ROOT

OVERRIDES = ROOT / "overrides"
TABLE = OVERRIDES / "README.md"
MATERIAL = Path(material.__file__).parent / "templates"
JAVASCRIPTS = MATERIAL / "assets" / "javascripts"
ROW = re.compile(r"^\|\s*`(?P<file>[^`]+)`\s*\|\s*`(?P<material>[^`]+)`[^|]*\|\s*`(?P<sha>[0-9a-f]{64})`\s*\|")


def listed() -> dict[str, tuple[str, str]]:
    """override file -> (Material's file, recorded SHA-256), from overrides/README.md."""
    rows = {}
    for number, line in enumerate(TABLE.read_text(encoding="utf-8").splitlines(), start=1):
        match = ROW.match(line)
        if match:
            assert match["file"] not in rows, f"overrides/README.md:{number}: {match['file']} is listed twice"
            rows[match["file"]] = (match["material"], match["sha"])
    return rows


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_table_lists_files_that_exist():
    rows = listed()
    assert rows, "overrides/README.md: no table rows found (| `file` | `Material's file` ... | `sha256` | why |)"
    for name, (theirs, _) in rows.items():
        assert (OVERRIDES / name).is_file(), f"overrides/README.md lists {name}, which is not in overrides/"
        assert (MATERIAL / theirs).is_file(), f"overrides/README.md: {name}: Material has no {theirs}"


def test_every_override_of_a_material_template_is_listed():
    rows = listed()
    for path in sorted(OVERRIDES.rglob("*.html")):
        name = path.relative_to(OVERRIDES).as_posix()
        if (MATERIAL / name).is_file():
            assert name in rows, (
                f"overrides/{name} replaces Material's {name} but is not listed in overrides/README.md: "
                "add a row with the SHA-256 of Material's copy and why the site overrides it"
            )


@pytest.mark.parametrize("name", sorted(listed()))
def test_materials_copy_of_each_override_is_unchanged(name):
    theirs, recorded = listed()[name]
    now = sha256(MATERIAL / theirs)
    assert now == recorded, (
        f"Material's {theirs} changed (the pinned mkdocs-material was upgraded?): overrides/{name} was "
        f"written against the old copy. Compare them, carry Material's change over, then record {now} "
        "in overrides/README.md"
    )


def blocks_without_super(template_source: str) -> list[str]:
    env = Environment()
    tree = env.parse(template_source)
    missing = []
    for block in tree.find_all(nodes.Block):
        calls = [c for c in block.find_all(nodes.Call) if isinstance(c.node, nodes.Name) and c.node.name == "super"]
        if not calls:
            missing.append(block.name)
    return missing


def test_main_html_blocks_call_super():
    assert blocks_without_super((OVERRIDES / "main.html").read_text(encoding="utf-8")) == []


def test_the_super_check_sees_a_block_that_replaces_materials():
    source = '{% extends "base.html" %}{% block scripts %}<script src="x.js"></script>{% endblock %}{% block header %}{{ super() }}{% endblock %}'
    assert blocks_without_super(source) == ["scripts"]


# ------------------------------------------------------------------ the lazy search start


def _bundle() -> str:
    found = sorted(JAVASCRIPTS.glob("bundle.*.min.js"))
    assert len(found) == 1, f"Material's bundle not found (or several) in {JAVASCRIPTS}"
    return found[0].read_text(encoding="utf-8")


def _material_source(suffix: str) -> str:
    """One of Material's TypeScript sources, as shipped in the bundle's source map."""
    maps = sorted(JAVASCRIPTS.glob("bundle.*.min.js.map"))
    assert maps, "Material's bundle source map is missing: the lazy search checks read Material's sources from it"
    data = json.loads(maps[0].read_text(encoding="utf-8"))
    for source, content in zip(data["sources"], data["sourcesContent"]):
        if source.endswith(suffix):
            return content
    raise AssertionError(f"Material's source {suffix} is no longer in its bundle: revisit overrides/partials/search.html")


def test_material_fetches_the_index_only_when_a_form_is_named_search():
    assert 'forms.namedItem("search")' in _bundle(), (
        "Material no longer decides by the form's name whether to fetch the search index at start: "
        "revisit the lazy search start in overrides/partials/search.html"
    )
    ours = (OVERRIDES / "partials" / "search.html").read_text(encoding="utf-8")
    theirs = (MATERIAL / "partials" / "search.html").read_text(encoding="utf-8")
    form = re.compile(r"<form\b[^>]*>")
    assert 'name="search"' in form.search(theirs).group(0), "Material's search form has no name=\"search\" any more"
    assert "name=" not in form.search(ours).group(0), "overrides/partials/search.html: the form must have no name"



def test_material_creates_the_search_worker_with_the_global_worker_constructor():
    assert "new Worker(" in _bundle(), "Material no longer creates its search worker with new Worker(): revisit partials/search.html"
    base = (MATERIAL / "base.html").read_text(encoding="utf-8")
    assert re.search(r'"search":\s*"assets/javascripts/workers/search\.[0-9a-f]+\.min\.js"', base), (
        "Material's config no longer names the search worker under \"search\": revisit partials/search.html"
    )


def test_materials_first_worker_message_is_setup_with_the_index():
    enum = _material_source("integrations/search/worker/message/index.ts")
    members = re.search(r"enum SearchMessageType\s*\{([^}]*)\}", enum)
    assert members, "SearchMessageType is gone from Material's sources: revisit partials/search.html"
    first = re.sub(r"/\*.*?\*/", "", members.group(1), flags=re.S).split(",")[0].strip()
    assert first == "SETUP", f"SearchMessageType's first member (0) is {first}, not SETUP: revisit partials/search.html"
    setup = _material_source("integrations/search/worker/_/index.ts")
    assert re.search(r"type:\s*SearchMessageType\.SETUP,\s*data:\s*\{\s*config,\s*docs,\s*options:\s*\{\s*suggest:", setup), (
        "Material's SETUP message no longer carries {config, docs, options: {suggest}}: revisit partials/search.html"
    )
