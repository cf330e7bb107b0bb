"""Unit tests of hooks/review_dates.py and hooks/page_meta.py, and small fixture builds showing
that an editor's mistake (in a page's dates or in the glossary file of src/ucmsc/glossary.py)
fails the build with a clear message. The glossary extension's own tests: tests/test_glossary.py."""

from __future__ import annotations

import datetime
import json
import sys
import textwrap

import pytest
from bs4 import BeautifulSoup

from sitekit import ROOT, BuildFailed, build_site

sys.path.insert(0, str(ROOT / "hooks"))
import page_meta  # noqa: E402
import review_dates  # noqa: E402

D = datetime.date


# review_dates ------------------------------------------------------------------------------------


def test_valid_dates_pass():
    assert review_dates.review_problems({"reviewed": D(2026, 11, 25), "next_review": "2027-05-25"}, "a.md") == []


def test_missing_dates_name_the_file_and_the_fix():
    problems = review_dates.review_problems({"description": "x"}, "docs/ra/disease.md", "---\ndescription: x\n---\n")
    assert len(problems) == 2
    assert all(p.startswith("docs/ra/disease.md:1: ") for p in problems)
    assert "'reviewed:'" in problems[0] and "'next_review:'" in problems[1]
    assert "next_review: 2027-05-25" in problems[0]  # shows what to write


def test_bad_and_out_of_order_dates_name_the_line():
    source = "---\ntitle: x\nreviewed: 25/11/2026\nnext_review: 2027-01-01\n---\n"
    problems = review_dates.review_problems({"reviewed": "25/11/2026", "next_review": D(2027, 1, 1)}, "docs/a.md", source)
    assert problems == ["docs/a.md:3: 'reviewed: 25/11/2026' is not a date. Write it as YYYY-MM-DD, e.g. 'reviewed: 2026-11-25'."]
    source = "---\nreviewed: 2027-01-01\nnext_review: 2026-01-01\n---\n"
    problems = review_dates.review_problems({"reviewed": D(2027, 1, 1), "next_review": D(2026, 1, 1)}, "docs/a.md", source)
    assert problems == ["docs/a.md:3: next_review (2026-01-01) must come after reviewed (2027-01-01)."]
    for compact in ("20261125", "2026-W48-3", "2026-02-30"):  # Python reads the first two as dates
        assert "is not a date" in review_dates.review_problems({"reviewed": compact, "next_review": D(2027, 1, 1)}, "a.md")[0]
    same_day = review_dates.review_problems({"reviewed": D(2027, 1, 1), "next_review": D(2027, 1, 1)}, "docs/a.md", source)
    assert same_day and "must come after" in same_day[0]


# page_meta ----------------------------------------------------------------------------------------

WORK = {"title": "A; B", "authors": ["Doe, Jane"], "journal": "J", "year": "2020", "pages": "10--20", "doi": "10.1/x"}


def _metadata(**kw):
    args = dict(title="T</script>", description="D", url="https://e.org/p/", site_name="S", author="Team",
                reviewed="2026-11-25", works=[WORK])
    args.update(kw)
    return page_meta.page_metadata(**args)


def test_json_ld_is_valid_and_cannot_close_the_script_element():
    metadata = _metadata()
    assert "</script" not in metadata["jsonld"]
    data = json.loads(metadata["jsonld"])
    assert data["name"] == "T</script>"
    assert data["@type"] == "MedicalWebPage" and data["lastReviewed"] == "2026-11-25"
    assert data["citation"][0]["url"] == "https://doi.org/10.1/x"


def test_json_ld_escapes_less_than_greater_than_and_ampersand():
    """Every "<", ">" and "&" of the data is a JSON \\u escape in the script element, and an HTML
    parser hands the whole element, unchanged, to a JSON parser that reads the original text back."""
    title = "T</script><!-- <b>R&amp;D</b> -->"
    work = {**WORK, "title": "IL-6 <i>in vivo</i> & TNF > 5"}
    jsonld = _metadata(title=title, description="a < b && c > d", works=[work])["jsonld"]
    assert not {"<", ">", "&"} & set(jsonld)
    assert {"\\u003c", "\\u003e", "\\u0026"} <= {jsonld[i:i + 6] for i in range(len(jsonld))}
    page = BeautifulSoup(f'<html><head><script type="application/ld+json">{jsonld}</script>'
                         '<meta name="after" content="x"></head></html>', "lxml")
    script = page.find("script", type="application/ld+json")
    assert script.string == jsonld and page.find("meta", attrs={"name": "after"}) is not None
    data = json.loads(script.string)
    assert (data["name"], data["description"]) == (title, "a < b && c > d")
    assert data["citation"][0]["name"] == "IL-6 <i>in vivo</i> & TNF > 5"


def test_publication_date_in_the_head():
    assert ("name", "citation_publication_date", "2026/11/25") in _metadata()["head"]


def test_page_without_dates_gets_no_review_metadata():
    metadata = _metadata(reviewed="")
    assert "lastReviewed" not in json.loads(metadata["jsonld"])
    assert not any(name == "citation_publication_date" for _, name, _ in metadata["head"])


# fixture builds: the real hooks in a tiny site ---------------------------------------------------


def _fixture(tmp_path, abbreviations: str, page: str):
    (tmp_path / "docs").mkdir()
    (tmp_path / "includes").mkdir()
    (tmp_path / "includes" / "abbreviations.md").write_text(abbreviations, encoding="utf-8")
    (tmp_path / "docs" / "index.md").write_text(page, encoding="utf-8")
    # source_context: the project folder of the extensions is the fixture's, not the working directory
    hooks = [str(ROOT / "hooks" / name) for name in ("source_context.py", "review_dates.py")]
    config = textwrap.dedent(
        f"""
        site_name: Fixture
        strict: true
        hooks: {json.dumps(hooks)}
        markdown_extensions:
          - ucmsc.glossary:
              file: includes/abbreviations.md
        """
    )
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    return tmp_path / "mkdocs.yml"


GOOD_PAGE = "---\nreviewed: 2026-11-25\nnext_review: 2027-05-25\n---\n\n# Page\n\nRA is common.\n"


def test_fixture_site_builds_with_focusable_abbreviations(tmp_path):
    config = _fixture(tmp_path, "*[RA]: Rheumatoid arthritis\n", GOOD_PAGE)
    build_site(config, tmp_path / "site")
    abbr = BeautifulSoup((tmp_path / "site" / "index.html").read_text(encoding="utf-8"), "lxml").select("abbr")
    assert [(a.get_text(), a.get("title"), a.get("tabindex")) for a in abbr] == [("RA", "Rheumatoid arthritis", "0")]


def test_duplicate_abbreviation_fails_the_build(tmp_path):
    config = _fixture(tmp_path, "*[RA]: Rheumatoid arthritis\n*[RA]: Again\n", GOOD_PAGE)
    with pytest.raises(BuildFailed) as err:
        build_site(config, tmp_path / "site")
    assert "includes/abbreviations.md:2: 'RA' is defined twice (first on line 1)" in str(err.value)
    assert "Traceback" not in str(err.value)


def test_stray_line_in_the_glossary_fails_the_build(tmp_path):
    config = _fixture(tmp_path, "*[RA]: Rheumatoid arthritis\nRA means rheumatoid arthritis\n", GOOD_PAGE)
    with pytest.raises(BuildFailed) as err:
        build_site(config, tmp_path / "site")
    assert "includes/abbreviations.md:2: 'RA means rheumatoid arthritis' is not a glossary definition" in str(err.value)


def test_missing_review_date_fails_the_build(tmp_path):
    config = _fixture(tmp_path, "*[RA]: Rheumatoid arthritis\n", "---\nreviewed: 2026-11-25\n---\n\n# Page\n")
    with pytest.raises(BuildFailed) as err:
        build_site(config, tmp_path / "site")
    assert "docs/index.md:1: front matter has no 'next_review:' date" in str(err.value)


def test_footer_and_head_read_the_heading_and_the_dates_as_written(tmp_path):
    """The footer (overrides/partials/trust.html, no hook) and the head (hooks/page_meta.py) in a
    tiny site: the "# " heading's text with its markup and "&" as a reader reads it, and the same
    dates whether YAML reads them as dates or, quoted, as strings (as Zensical reads them)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    heading = "# Pros & cons of *UC-MSC* care\n\nText.\n"
    (docs / "index.md").write_text(f"---\nreviewed: 2026-03-05\nnext_review: 2026-12-01\n---\n\n{heading}", encoding="utf-8")
    (docs / "quoted-page.md").write_text(f"---\nreviewed: '2026-03-05'\nnext_review: '2026-12-01'\n---\n\n{heading}", encoding="utf-8")
    hooks = [str(ROOT / "hooks" / name) for name in ("source_context.py", "review_dates.py", "page_meta.py")]
    config = {"site_name": "Fixture", "site_url": "https://e.org/x/", "site_author": "Team", "strict": True,
              "hooks": hooks, "theme": {"name": "material", "custom_dir": str(ROOT / "overrides")}}
    (tmp_path / "mkdocs.yml").write_text(json.dumps(config), encoding="utf-8")
    build_site(tmp_path / "mkdocs.yml", tmp_path / "site")
    for page, url, key in (("index.html", "https://e.org/x/", "home"), ("quoted-page/index.html", "https://e.org/x/quoted-page/", "quotedpage")):
        doc = BeautifulSoup((tmp_path / "site" / page).read_text(encoding="utf-8"), "lxml")
        footer = doc.select_one("aside.trust-footer")
        review = " ".join(footer.select_one(".trust-review").get_text(" ").split())
        assert review == "Last reviewed 5 March 2026 · Next review due 1 December 2026"
        assert [t["datetime"] for t in footer.select("time")] == ["2026-03-05", "2026-12-01"]
        citation = footer.select_one(".trust-citation").get_text()
        assert citation == f"Team. Pros & cons of UC-MSC care. Fixture. {url}. Last reviewed 5 March 2026. Accessed [date]."
        bibtex = footer.select_one("pre code").get_text().splitlines()
        assert bibtex[0] == f"@misc{{ucmscra_{key}," and "  title        = {{Pros & cons of UC-MSC care}}," in bibtex
        assert "  note         = {Last reviewed 2026-03-05; accessed YYYY-MM-DD}" in bibtex
        assert [m["content"] for m in doc.select('meta[property="og:title"], meta[name="citation_publication_date"]')] == [
            "Pros & cons of UC-MSC care", "2026/03/05"]
