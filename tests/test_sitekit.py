"""tests/sitekit.py's build_site: each build starts as a fresh `mkdocs build` process would.

MkDocs keeps plugin objects with on_startup (mkdocs-bibtex) for the life of a process, and
mkdocs-bibtex reads a .bib again only when the file is newer than its last reading. Two sites
built one after the other by one test process must each get their own bibliography, even when
the second site's .bib is older than the first build."""

from __future__ import annotations

import os
import textwrap

import pytest

from sitekit import BuildFailed, build_site

CONFIG = """
    site_name: Fixture
    theme:
      name: mkdocs
    plugins:
      - bibtex:
          bib_file: refs.bib
    markdown_extensions:
      - footnotes
    """


def _site(folder, title: str, year_2001: bool):
    (folder / "docs").mkdir(parents=True)
    (folder / "mkdocs.yml").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    (folder / "docs" / "index.md").write_text("# Page\n\nA claim [@shared2020].\n", encoding="utf-8")
    bib = folder / "refs.bib"
    bib.write_text(f"@article{{shared2020,\n  author = {{Doe, Jane}},\n  title = {{{title}}},\n"
                   "  journal = {J},\n  year = {2020}\n}\n", encoding="utf-8")
    if year_2001:
        os.utime(bib, (978307200, 978307200))  # 2001-01-01: older than any build of this run
    return folder / "mkdocs.yml"


def test_each_build_reads_its_own_bibliography(tmp_path):
    first = _site(tmp_path / "first", "Alpha study of cells", year_2001=False)
    second = _site(tmp_path / "second", "Beta study of joints", year_2001=True)
    build_site(first, tmp_path / "out1")
    build_site(second, tmp_path / "out2")
    assert "Alpha study of cells" in (tmp_path / "out1" / "index.html").read_text(encoding="utf-8")
    page = (tmp_path / "out2" / "index.html").read_text(encoding="utf-8")
    assert "Beta study of joints" in page and "Alpha study" not in page


def test_a_failed_build_raises_with_its_messages(tmp_path):
    config = _site(tmp_path / "site", "Gamma", year_2001=False)
    (tmp_path / "site" / "docs" / "index.md").write_text("# Page\n\n[a link](missing.md)\n", encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8") + "strict: true\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        build_site(config, tmp_path / "out")
    assert any("missing.md" in message for message in failed.value.messages)
