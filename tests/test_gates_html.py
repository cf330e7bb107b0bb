"""Gates on the built HTML: the Nu HTML checker over the whole site, and internal links.

- vnu (the Nu HTML checker, npm "vnu-jar", pinned in package-lock.json; needs Java): 0 errors.
  The only filter is VNU_FILTERS below, each with its reason.
- Every internal link, stylesheet, script and image resolves to a built file, and every
  #fragment names an element on the target page. The checker is small and unit-tested here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from sitekit import ROOT

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# (message pattern, element pattern in the checker's extract, reason). Keep this list short.
VNU_FILTERS = [
    (
        re.compile(r"^Attribute “autocomplete” is only allowed when the input type is"),
        # One <input> tag with these attributes in any order, quoted or not (minified pages).
        re.compile(r'<input(?=[^>]*\sclass="?md-toggle[\s">])(?=[^>]*\sdata-md-toggle="?(?:drawer|search)[\s">])'
                   r'(?=[^>]*\stype="?checkbox[\s">])'),
        "Material's base.html puts autocomplete=\"off\" on its two hidden toggle checkboxes (drawer, "
        "search) so that Firefox does not restore an open drawer or search after Back. HTML allows the "
        "attribute only on text-like inputs, but browsers honour it; removing it means forking base.html.",
    ),
    (
        re.compile(r"^Bad value “” for attribute “tabindex” on element “label”"),
        re.compile(r'<label(?=[^>]*\sclass="?md-nav__link[\s">])(?=[^>]*\sfor="?__nav_[0-9_]+[\s">])'
                   r'(?=[^>]*\sid="?__nav_[0-9_]+_label[\s">])[^>]*\stabindex(?:="")?[\s>]'),
        "Material's partials/nav-item.html writes tabindex=\"\" on the labels of navigation sections "
        "(navigation.sections), where it means 'not focusable'. Browsers treat an empty tabindex as "
        "absent, so readers see no difference; a 173-line fork of the partial for it was removed (issue 12).",
    ),
]


# --------------------------------------------------------------------------- Nu HTML checker


def vnu_errors(site: Path) -> list[dict]:
    java = shutil.which("java")
    if not java:
        pytest.fail(
            "the Nu HTML checker needs Java: run `make test` (as root on Debian it installs "
            "default-jre-headless) or install a Java runtime (17 or later).",
            pytrace=False,
        )
    if not VNU_JAR.is_file():
        pytest.fail("node_modules/vnu-jar is missing: run `make test` (it runs `npm ci`).", pytrace=False)
    # One short JVM run over the whole site: the C1 compiler only and the serial collector cost a
    # third of the CPU time of the default (C2, parallel GC), which pays off only in long runs.
    # --no-langdetect: the language guess only ever yields warnings, and --errors-only drops them.
    out = subprocess.run(
        [java, "-Xss4m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(VNU_JAR),
         "--format", "json", "--skip-non-html", "--errors-only", "--no-langdetect", str(site)],
        capture_output=True, text=True, check=False,
    )
    try:
        messages = json.loads(out.stderr or out.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the Nu HTML checker did not run:\n{out.stderr[-2000:]}", pytrace=False)
    return [m for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]


def unfiltered(messages: list[dict]) -> list[dict]:
    return [
        m for m in messages
        if not any(msg.search(m.get("message", "")) and el.search(m.get("extract", "")) for msg, el, _ in VNU_FILTERS)
    ]


def test_html_checker_finds_no_errors(site):
    errors = unfiltered(vnu_errors(site))
    lines = [
        f"  {Path(urlsplit(m['url']).path).relative_to(site)}:{m.get('lastLine')}: {m['message']}\n"
        f"      {m.get('extract', '').strip()[:160]}"
        for m in errors
    ]
    assert not errors, f"{len(errors)} Nu HTML checker error(s):\n" + "\n".join(lines)


def test_html_checker_filters_are_narrow():
    autocomplete = "Attribute “autocomplete” is only allowed when the input type is “color”, …"
    toggle = '<input class="md-toggle" data-md-toggle="drawer" type="checkbox" id="__drawer" autocomplete="off">'
    minified = "<input autocomplete=off class=md-toggle data-md-toggle=search id=__search type=checkbox>"
    other = '<input type="checkbox" name="agree" autocomplete="off">'
    other_minified = "<input autocomplete=off class=md-toggle-extra data-md-toggle=search type=checkbox>"
    assert unfiltered([{"message": autocomplete, "extract": toggle}]) == []
    assert unfiltered([{"message": autocomplete, "extract": minified}]) == []
    assert len(unfiltered([{"message": autocomplete, "extract": other_minified}])) == 1
    assert len(unfiltered([{"message": autocomplete, "extract": other}])) == 1, "the filter hides more than Material's toggles"
    assert len(unfiltered([{"message": "Stray end tag “div”.", "extract": toggle}])) == 1
    for _, _, reason in VNU_FILTERS:
        assert len(reason) > 40, "every filter needs a written reason"


# --------------------------------------------------------------------------- internal links


@dataclass(frozen=True)
class Broken:
    page: str
    link: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page}: {self.link} -> {self.reason}"


LINK_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "source": "src", "iframe": "src", "use": "href"}


def site_path_prefix(site: Path) -> str:
    """The path the site is published under, from the home page's canonical link ("/" if none)."""
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "lxml")
    link = home.find("link", rel="canonical")
    path = urlsplit(link["href"]).path if link and link.get("href") else "/"
    return path if path.endswith("/") else path + "/"


def _target_file(site: Path, page: Path, url_path: str, prefix: str) -> Path | None:
    if url_path.startswith("/"):
        if not url_path.startswith(prefix):
            return None
        rel = PurePosixPath(url_path[len(prefix):])
        target = site / rel
    else:
        target = page.parent / unquote(url_path)
    target = Path(str(target.resolve()))
    if target.is_dir() or url_path.endswith("/"):
        target = target / "index.html"
    return target


def broken_links(site: Path) -> list[Broken]:
    """Every internal reference in the built site that points at no file or no element id."""
    site = site.resolve()
    prefix = site_path_prefix(site)
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            doc = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
            ids[path] = {el["id"] for el in doc.find_all(id=True)} | {el["name"] for el in doc.find_all("a", attrs={"name": True})}
        return ids[path]

    found: list[Broken] = []
    for page in sorted(site.rglob("*.html")):
        doc = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        rel_page = page.relative_to(site).as_posix()
        for tag, attr in LINK_ATTRS.items():
            for el in doc.find_all(tag):
                ref = el.get(attr) or el.get("xlink:href") if tag == "use" else el.get(attr)
                if not ref or ref.startswith(("mailto:", "tel:", "javascript:", "data:")):
                    continue
                parts = urlsplit(ref)
                if parts.scheme or parts.netloc:
                    continue  # external: checked by people, not by every build
                if page.name == "404.html" and not parts.path.startswith("/") and parts.path:
                    found.append(Broken(rel_page, ref, "relative link on the 404 page (it is served at any depth)"))
                    continue
                target = page if not parts.path else _target_file(site, page, parts.path, prefix)
                if target is None or not target.is_file():
                    found.append(Broken(rel_page, ref, "no such file in the built site"))
                    continue
                if parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in ids_of(target):
                    found.append(Broken(rel_page, ref, f"no element with id {parts.fragment!r} on {target.relative_to(site)}"))
    return found


def test_no_broken_internal_links_or_anchors(site):
    found = broken_links(site)
    assert not found, f"{len(found)} broken internal link(s):\n" + "\n".join(f"  {b}" for b in found[:40])


def _page(path: Path, body: str, canonical: str = "https://example.org/proj/") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<!doctype html><html><head><link rel="canonical" href="{canonical}"></head><body>{body}</body></html>', encoding="utf-8")


def test_link_checker_finds_missing_pages_and_anchors(tmp_path):
    _page(tmp_path / "index.html", '<a href="a/">A</a> <a href="a/#there">ok</a> <a href="a/#gone">bad anchor</a>'
          ' <a href="missing/">bad page</a> <a href="#top">self</a> <h1 id="top">T</h1>'
          ' <a href="https://example.org/x">external</a> <img src="img/x.svg" alt="x">')
    _page(tmp_path / "a" / "index.html", '<h2 id="there">There</h2> <a href="../">up</a> <a href="/proj/a/#there">root-relative</a>')
    _page(tmp_path / "404.html", '<a href="/proj/">home</a> <a href="a/">relative</a>')
    found = {(b.page, b.link) for b in broken_links(tmp_path)}
    assert found == {
        ("index.html", "a/#gone"),
        ("index.html", "missing/"),
        ("index.html", "img/x.svg"),
        ("404.html", "a/"),
    }, found


def test_link_checker_passes_a_clean_site(tmp_path):
    _page(tmp_path / "index.html", '<a href="a/#x">A</a>')
    _page(tmp_path / "a" / "index.html", '<p id="x">x</p>')
    assert broken_links(tmp_path) == []


# Render-blocking resources --------------------------------------------------------------------
# "Nothing render-blocking that the page does not need" (issue #7): a script file either is
# deferred (or async) or comes after every element of the page (Material's own bundle; the evidence table's script, src/ucmsc/evidence.py, is deferred; written
# as Material writes it: the browser paints everything above it before it is fetched, checked in
# a browser by tests/test_reader_first_paint.py), and the only style sheets are Material's two
# and the site's one. make report measures what this buys.


def blocks_parsing(script) -> bool:
    """A script file without defer/async that has page content after it (or sits in <head>)."""
    if script.has_attr("defer") or script.has_attr("async"):
        return False
    if script.find_parent("body") is None:
        return True
    return any(el.name != "script" for el in script.find_all_next())


def render_blocking(page: Path) -> list[str]:
    """The script files that hold back content below them, and the style sheets, of one built page."""
    doc = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    scripts = [s["src"] for s in doc.find_all("script", src=True) if blocks_parsing(s)]
    sheets = [link["href"] for link in doc.find_all("link", rel="stylesheet") if link.get("media", "all") != "print"]
    return [f"script without defer: {src}" for src in scripts] + [f"style sheet: {href}" for href in sheets]


def test_no_script_blocks_the_first_paint_and_three_style_sheets_at_most(site):
    for page in sorted(site.rglob("*.html")):
        found = render_blocking(page)
        scripts = [f for f in found if f.startswith("script")]
        sheets = [PurePosixPath(urlsplit(f.split(": ", 1)[1]).path).name for f in found if f.startswith("style")]
        rel = page.relative_to(site).as_posix()
        assert not scripts, f"{rel}: {scripts}: add defer, or load it after the page's content (see overrides/main.html)"
        assert len(sheets) <= 3 and all(re.fullmatch(r"(main|palette)\.[0-9a-f]+\.min\.css|site\.min\.css", s) for s in sheets), (
            f"{rel}: style sheets {sheets}; each one in <head> delays the first paint: add rules to "
            "docs/assets/stylesheets/site.css instead"
        )


def test_render_blocking_finder_sees_plain_scripts_and_sheets(tmp_path):
    page = tmp_path / "index.html"
    page.write_text(
        '<html><head><link rel="stylesheet" href="a.css"><link rel="stylesheet" href="p.css" media="print">'
        '<script src="late.js" defer></script><script>inline()</script></head>'
        '<script src="head.js"></script></head>'
        '<body><script src="blocking.js"></script><script async src="a.js"></script><p>Text</p>'
        '<script src="last.js"></script><script>inline()</script></body></html>',
        encoding="utf-8",
    )
    assert render_blocking(page) == ["script without defer: head.js", "script without defer: blocking.js", "style sheet: a.css"]
