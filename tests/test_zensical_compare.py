"""tools/zensical_compare.py (make zensical) on a tiny site with standard extensions only
(tests/fixtures/zensical_site): both generators build it equal, and the tool flags what it must
(a raw citation, a changed paragraph, changed citation markup, a page one build lacks) and
nothing it must not (whitespace, citation syntax shown as code, an e-mail address in brackets).

The expected texts come from the fixture's Markdown; the "Zensical" side of the failure tests is
a copy of the real MkDocs build with one element changed through the parsed tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sitekit import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import zensical_compare  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "zensical_site"
ZENSICAL_PYTHON = ROOT / ".venv-zensical" / "bin" / "python"
STRICT = ROOT / "tools" / "zensical_strict.py"
PAGES = {"index.html", "guide/page/index.html", "404.html"}


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    """The fixture built by MkDocs (this Python's) and by Zensical (make zensical's environment)."""
    if not ZENSICAL_PYTHON.exists():
        pytest.fail("Zensical's environment is missing: run `make .venv-zensical/.installed` (make test does).",
                    pytrace=False)
    out = tmp_path_factory.mktemp("compare")
    project = out / "project"
    shutil.copytree(FIXTURE, project)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    for command in ([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out / "mkdocs")],
                    [str(ZENSICAL_PYTHON), str(STRICT)]):
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    return out / "mkdocs", project / "site"


def _copy(site: Path, tmp_path: Path) -> Path:
    target = tmp_path / "changed"
    shutil.copytree(site, target)
    return target


def _edit(site: Path, page: str, change) -> None:
    """Parse ``page``, let ``change`` alter the tree, write it back."""
    path = site / page
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
    change(soup)
    path.write_text(str(soup), encoding="utf-8")


def _run(capsys, *args) -> tuple[int, str]:
    code = zensical_compare.main([str(a) for a in args])
    return code, capsys.readouterr().out


def test_both_generators_build_the_fixture_equal(builds, capsys):
    mkdocs_site, zensical_site = builds
    code, out = _run(capsys, mkdocs_site, zensical_site)
    assert code == 0, out
    for page in PAGES:
        assert f"{page}: equal" in out.splitlines()


def test_the_article_text_read_is_the_fixtures_text(builds):
    """What the tool compares is what a reader sees: the fixture's sentences, one block a line,
    the permalink signs left out, the table's cells and the footnote included."""
    mkdocs_site, _ = builds
    article = zensical_compare._article(BeautifulSoup((mkdocs_site / "index.html").read_text(), "lxml"))
    lines = zensical_compare.text_lines(article)
    assert lines[0] == "Fixture home"
    assert "A first paragraph with emphasis, a link and a footnote1." in lines
    assert "Text inside an admonition." in lines
    assert ["Column", "Value", "one", "1"] == lines[lines.index("Column"):lines.index("Column") + 4]
    assert "The footnote's text. ↩" in lines
    assert not any("¶" in line for line in lines)
    markup = zensical_compare.citation_markup(article)
    assert markup == ["sup 1 -> #fn:a", "li #fn:a: The footnote's text. ↩"]


def test_a_raw_citation_fails_and_is_named(builds, tmp_path, capsys):
    mkdocs_site, _ = builds
    changed = _copy(mkdocs_site, tmp_path)

    def cite(soup):
        soup.select_one("article h2").insert_after(soup.new_tag("p", string="Safety was reported [see @lee2021safety, p. 3]."))

    _edit(changed, "guide/page/index.html", cite)
    code, out = _run(capsys, mkdocs_site, changed)
    assert code == 1
    assert "guide/page/index.html: DIFFERENT" in out
    assert "raw citation in the Zensical build: [see @lee2021safety, p. 3]" in out
    # Citation syntax in code and an e-mail address in brackets (index.md) are no raw citation.
    assert "shown2020code" not in out and "editors@example.org" not in out


def test_a_changed_paragraph_fails_with_both_versions(builds, tmp_path, capsys):
    mkdocs_site, _ = builds
    changed = _copy(mkdocs_site, tmp_path)

    def reword(soup):
        paragraph = next(p for p in soup.select("article p") if p.get_text() == "Closing paragraph.")
        paragraph.string = "Closing paragraph, reworded."

    _edit(changed, "guide/page/index.html", reword)
    code, out = _run(capsys, mkdocs_site, changed)
    assert code == 1
    assert "guide/page/index.html: DIFFERENT" in out
    assert "      -Closing paragraph." in out.splitlines()
    assert "      +Closing paragraph, reworded." in out.splitlines()
    assert "index.html: equal" in out.splitlines()  # the other pages are still equal


def test_changed_citation_markup_fails_though_the_text_is_equal(builds, tmp_path, capsys):
    mkdocs_site, _ = builds
    changed = _copy(mkdocs_site, tmp_path)
    _edit(changed, "index.html", lambda soup: soup.select_one("article sup a").__setitem__("href", "#fn:elsewhere"))
    code, out = _run(capsys, mkdocs_site, changed)
    assert code == 1
    assert "citation markup differs:" in out
    assert "article text differs" not in out
    assert "      +sup 1 -> #fn:elsewhere" in out.splitlines()


def test_a_page_only_one_build_has_fails(builds, tmp_path, capsys):
    mkdocs_site, _ = builds
    changed = _copy(mkdocs_site, tmp_path)
    (changed / "guide" / "page" / "index.html").unlink()
    code, out = _run(capsys, mkdocs_site, changed)
    assert code == 1
    assert "  only in the MkDocs build" in out.splitlines()


def test_whitespace_is_no_difference(builds, tmp_path, capsys):
    """Line breaks and runs of spaces where the HTML already has a space, and blank lines between
    blocks (what minification or another generator's formatting changes), are no difference."""
    mkdocs_site, _ = builds
    changed = _copy(mkdocs_site, tmp_path)

    def respace(soup):
        article = soup.select_one("article")
        for text in article.find_all(string=True):
            if " " in text:
                text.replace_with(text.replace(" ", "  \n   "))
        for block in article.find_all(["p", "table", "div"]):
            block.insert_before("\n\n  ")

    _edit(changed, "index.html", respace)
    code, out = _run(capsys, mkdocs_site, changed)
    assert code == 0, out


def test_an_explained_difference_passes_with_its_reason(builds, tmp_path, capsys):
    mkdocs_site, _ = builds
    changed = _copy(mkdocs_site, tmp_path)
    _edit(changed, "index.html", lambda soup: setattr(soup.select_one("article .admonition p:last-child"), "string", "Other."))
    code, out = _run(capsys, mkdocs_site, changed, "--explain", ".admonition=written by a MkDocs hook")
    assert code == 0, out
    assert "index.html: equal apart from explained differences" in out.splitlines()
    assert "  explained: .admonition: written by a MkDocs hook" in out.splitlines()
    # Without the explanation the same change fails.
    assert zensical_compare.main([str(mkdocs_site), str(changed)]) == 1


WARNING_EXTENSION = """
import logging
from markdown import Extension
from markdown.preprocessors import Preprocessor

class Warn(Preprocessor):
    def run(self, lines):
        if any("[@" in line for line in lines):
            logging.getLogger("mkdocs.ucmsc").warning("docs/index.md:3: the citation cannot be resolved")
        return lines

class WarnExtension(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.register(Warn(md), "fixture_warn", 1)

def makeExtension(**kwargs):
    return WarnExtension(**kwargs)
"""


def test_a_warning_from_an_extension_fails_the_zensical_build(tmp_path, builds):
    """Zensical's own --strict does not count a warning an extension logs; the wrapper does."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    (project / "fixture_warn.py").write_text(WARNING_EXTENSION, encoding="utf-8")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  - admonition\n", "  - admonition\n  - fixture_warn\n"),
                      encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(project)}
    strict = subprocess.run([str(ZENSICAL_PYTHON), str(STRICT)], cwd=project, env=env, capture_output=True, text=True)
    assert strict.returncode == 1
    assert "WARNING - docs/index.md:3: the citation cannot be resolved" in strict.stderr
    plain = subprocess.run([str(ZENSICAL_PYTHON), "-m", "zensical", "build", "--strict"], cwd=project, env=env,
                           capture_output=True, text=True)
    assert plain.returncode == 0, "Zensical's --strict now fails on extension warnings: the wrapper may go"
    # Without the warning, the wrapper passes.
    (project / "docs" / "index.md").write_text("# Fine\n\nNo citation.\n", encoding="utf-8")
    again = subprocess.run([str(ZENSICAL_PYTHON), str(STRICT)], cwd=project, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr


def test_a_missing_site_is_a_usage_error(tmp_path, capsys):
    code, out = _run(capsys, tmp_path / "nothing", tmp_path / "nothing-either")
    assert code == 2


def test_the_site_is_the_same_in_mkdocs_and_zensical(tmp_path, capsys):
    """make zensical on the real site: every page equal or explained, no raw citation. This is
    how make test runs make zensical (about 10 s: both builds and the comparison)."""
    if not ZENSICAL_PYTHON.exists():
        pytest.fail("Zensical's environment is missing: run `make .venv-zensical/.installed` (make test does).",
                    pytrace=False)
    code = zensical_compare.main(["--build", str(tmp_path / "compare"), "--zensical-python", str(ZENSICAL_PYTHON)])
    out = capsys.readouterr().out
    assert code == 0, out
