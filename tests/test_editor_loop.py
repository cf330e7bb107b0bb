"""The editor's loop on a copy of the real project: a mistake in any input is reported at the file
and line to open, a build works from any folder, and `mkdocs serve` rebuilds when any input of a
page changes and recovers once the mistake is fixed."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sitekit import ROOT, BuildFailed, build_site

# The inputs of the real site's pages (hooks/purge_css.py is left out: it needs Node and changes no message).
PROJECT_FILES = ("mkdocs.yml", "references.bib", "docs", "data", "hooks", "includes", "overrides", "src")
HOOKS_WITHOUT_NODE = [
    h for h in re.findall(r"^  - (hooks/\S+\.py)", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    if h != "hooks/purge_css.py"
]


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"), copy_function=shutil.copy)
        else:
            shutil.copy(source, dest / name)
    return dest / "mkdocs.yml"


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def build_messages(config: Path, tmp_path: Path) -> list[str]:
    """Build the copy from another folder (not the project's); the messages of a failed build."""
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        build_site(config, tmp_path / "site", hooks=HOOKS_WITHOUT_NODE)
    except BuildFailed as failed:
        return failed.messages
    finally:
        os.chdir(here)
    raise AssertionError("the build did not fail")


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory):
    """One build of a copy with four mistakes an editor makes; (project folder, messages)."""
    tmp = tmp_path_factory.mktemp("mistakes")
    config = copy_project(tmp / "project")
    project = tmp / "project"
    edit(project / "data" / "studies.yaml", "cite: [wang2013umbilical]", "cite: [wang2013umbilicall]")
    reviewed = re.search(r"^reviewed: .*$", (project / "docs" / "safety.md").read_text(encoding="utf-8"), re.M)
    edit(project / "docs" / "safety.md", reviewed.group(0), "reviewed: 25/11/2026")
    edit(project / "docs" / "safety.md", "[@mesa2023safety]", "[@Mesa2023Safety]")
    edit(project / "docs" / "faq.md", "\n# ", "\n<!-- [@unknown2020note] is a note, not a citation -->\n\n# ")
    return project, [m for m in build_messages(config, tmp) if not m.startswith("Aborted")]


def test_unknown_key_in_the_studies_data_is_reported_at_the_data_file(mistakes):
    project, messages = mistakes
    study_line = line_of(project / "data" / "studies.yaml", "cite: [wang2013umbilicall]")  # the key's own line
    unknown = [m for m in messages if "unknown citation key" in m]
    assert len(unknown) == 1, messages
    assert unknown[0].startswith(
        f"data/studies.yaml:{study_line}: unknown citation key '@wang2013umbilicall': it is not in the bibliography. "
        "Did you mean @wang2013umbilical"
    ), unknown


def test_review_date_error_names_the_page_and_line(mistakes):
    project, messages = mistakes
    line = line_of(project / "docs" / "safety.md", "reviewed: 25/11/2026")
    assert f"docs/safety.md:{line}: 'reviewed: 25/11/2026' is not a date. Write it as YYYY-MM-DD, e.g. 'reviewed: 2026-11-25'." in messages


def test_key_case_error_names_the_page_line_and_the_right_key(mistakes):
    project, messages = mistakes
    line = line_of(project / "docs" / "safety.md", "[@Mesa2023Safety]")
    assert (
        f"docs/safety.md:{line}: the citation key '@Mesa2023Safety' differs in letter case from the bibliography "
        "key 'mesa2023safety'. Write [@mesa2023safety]."
    ) in messages


def test_every_message_names_a_project_file_once(mistakes):
    """Each mistake reported once, starting with a project-relative path and line; the comment is no mistake."""
    _, messages = mistakes
    assert len(messages) == len(set(messages)) == 3, messages
    assert all(re.match(r"(docs/[\w/.-]+\.md|references\.bib|data/[\w.]+|includes/[\w/.-]+):\d+: ", m) for m in messages), messages
    assert not any(re.search("[\ue000-\uf8ff]", m) for m in messages)
    assert not any("unknown2020note" in m for m in messages)


def test_yaml_error_in_the_studies_data_is_reported_at_its_line(tmp_path):
    config = copy_project(tmp_path / "project")
    data = tmp_path / "project" / "data" / "studies.yaml"
    edit(data, "    study: Wang 2013\n", "    study: [Wang 2013\n")
    broken = line_of(data, "study: [Wang 2013")
    messages = build_messages(config, tmp_path)
    found = [m for m in messages if m.startswith("data/studies.yaml:")]
    assert found, messages
    line = int(re.match(r"data/studies\.yaml:(\d+):", found[0]).group(1))
    assert broken <= line <= broken + 2, f"reported at line {line}, the error is on line {broken}: {found[0]}"
    assert "Traceback" not in "\n".join(messages)


# --------------------------------------------------------------------------- live preview


def test_serve_watches_every_input_of_a_page():
    """Besides docs/ and mkdocs.yml, mkdocs serve must rebuild on the bibliography, the data,
    the snippets and the hooks (mkdocs.yml `watch:`)."""
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    watched = {Path(p).resolve() for p in config.watch}
    for name in ("references.bib", "data", "includes", "hooks", "src"):
        assert (ROOT / name).resolve() in watched, f"mkdocs.yml watch: lacks {name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy


def _get(url: str) -> str:
    with _LOCAL.open(url, timeout=5) as response:
        return response.read().decode("utf-8")


def _wait_for(url: str, test, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            last = _get(url)
            if test(last):
                return last
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url}: condition not met within {timeout} s")


def test_serve_rebuilds_on_a_bib_edit_and_recovers_after_an_error(tmp_path):
    """A real `mkdocs serve` of a copy of the citation fixture: editing refs.bib changes the page;
    a broken refs.bib is reported (no traceback) and the next good save is served again."""
    from citation_fixture import copy_fixture

    config = copy_fixture(tmp_path / "src")
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "watch:\n  - refs.bib\n", encoding="utf-8")
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "--dev-addr", f"127.0.0.1:{port}"],
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for(url, lambda html: "Pathogenesis of Rheumatoid Arthritis" in html)
        bib = tmp_path / "src" / "refs.bib"
        good = bib.read_text(encoding="utf-8")
        bib.write_text(good.replace("The Pathogenesis of Rheumatoid Arthritis", "The Pathogenesis of RA, edited"), encoding="utf-8")
        _wait_for(url, lambda html: "Pathogenesis of RA, edited" in html)
        bib.write_text(good.replace("  volume  = {365},", "  volume  = {365,"), encoding="utf-8")
        deadline = time.monotonic() + 60
        while "the bibliography is malformed" not in log.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.3)
        bib.write_text(good.replace("The Pathogenesis of Rheumatoid Arthritis", "The Pathogenesis, fixed"), encoding="utf-8")
        _wait_for(url, lambda html: "Pathogenesis, fixed" in html)
        assert "Traceback" not in log.read_text(encoding="utf-8")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _serve_fixture(tmp_path: Path, port: int, log: Path) -> tuple[subprocess.Popen, Path]:
    """A real `mkdocs serve` of a copy of the citation fixture, with the project's preview hook
    (hooks/preview_errors.py) added as mkdocs.yml adds it."""
    from citation_fixture import copy_fixture

    config = copy_fixture(tmp_path / "src")
    text = config.read_text(encoding="utf-8")
    hook = (ROOT / "hooks" / "preview_errors.py").as_posix()
    assert "\nhooks:\n" in text
    config.write_text(text.replace("\nhooks:\n", f"\nhooks:\n  - {hook}\n", 1) + "watch:\n  - refs.bib\n", encoding="utf-8")
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "--dev-addr", f"127.0.0.1:{port}"],
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
    return server, tmp_path / "src"


def test_the_preview_hook_is_in_the_site_config():
    """make serve gets the banner only if mkdocs.yml loads the hook."""
    hooks = re.findall(r"^  - (hooks/\S+\.py)", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert "hooks/preview_errors.py" in hooks


def test_a_failed_rebuild_shows_in_the_open_tab_and_goes_once_fixed(tmp_path, browser):
    """The editor's view: a page open at 375 px in Chromium under a real `mkdocs serve`. A save
    that breaks the build (an unknown citation key) reloads the tab, which shows the message with
    the file and line to open; the fixing save reloads it again without the banner. MkDocs alone
    leaves the tab as it was; this test also fails if MkDocs' live reload stops calling the
    server's ``builder``, which the hook wraps."""
    port = _free_port()
    log = tmp_path / "serve.log"
    server, src = _serve_fixture(tmp_path, port, log)
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for(url, lambda html: "Fixture home" in html)
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("h1")
        assert page.locator("#preview-build-error").count() == 0

        index = src / "docs" / "index.md"
        good = index.read_text(encoding="utf-8")
        index.write_text(good.replace("Plain paragraph with one citation", "Plain paragraph [@nosuchwork2020typo] with one citation"), encoding="utf-8")
        line = line_of(index, "nosuchwork2020typo")
        banner = page.locator("#preview-build-error")
        banner.wait_for(state="visible", timeout=60_000)  # the tab reloaded by itself
        text = banner.inner_text()
        assert f"docs/index.md:{line}" in text and "nosuchwork2020typo" in text, text
        assert banner.get_attribute("role") == "alert"
        box = banner.bounding_box()
        assert box and box["y"] <= 1 and box["x"] >= 0 and box["x"] + box["width"] <= 375 + 0.5, box  # at the top, within a phone's width
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

        index.write_text(good.replace("Plain paragraph with one citation", "Plain paragraph, fixed, with one citation"), encoding="utf-8")
        page.get_by_text("Plain paragraph, fixed, with one citation").wait_for(timeout=60_000)
        assert page.locator("#preview-build-error").count() == 0
        assert "Traceback" not in log.read_text(encoding="utf-8")
    finally:
        context.close()
        server.terminate()
        server.wait(timeout=10)


def test_cached_templates_are_compiled_again_when_an_override_changes(tmp_path):
    """hooks/template_cache.py keeps compiled templates between builds (.cache/jinja/ beside
    mkdocs.yml); an edited override must still reach the next build, never a stale copy."""
    from citation_fixture import copy_fixture

    config = copy_fixture(tmp_path / "src")
    text = config.read_text(encoding="utf-8")
    hook = (ROOT / "hooks" / "template_cache.py").as_posix()
    text = text.replace("\nhooks:\n", f"\nhooks:\n  - {hook}\n", 1)
    config.write_text(text.replace("\ntheme:\n", "\ntheme:\n  custom_dir: overrides\n", 1), encoding="utf-8")
    override = tmp_path / "src" / "overrides" / "main.html"
    override.parent.mkdir()
    override.write_text('{% extends "base.html" %}\n{% block announce %}Marker one{% endblock %}\n', encoding="utf-8")

    build_site(config, tmp_path / "site1")
    cache = tmp_path / "src" / ".cache" / "jinja"
    assert len(list(cache.iterdir())) >= 10, "the theme's templates were not cached"
    assert "Marker one" in (tmp_path / "site1" / "index.html").read_text(encoding="utf-8")

    override.write_text('{% extends "base.html" %}\n{% block announce %}Marker two{% endblock %}\n', encoding="utf-8")
    build_site(config, tmp_path / "site2")
    page = (tmp_path / "site2" / "index.html").read_text(encoding="utf-8")
    assert "Marker two" in page and "Marker one" not in page


def test_a_second_failed_rebuild_replaces_the_banner_of_the_first(tmp_path):
    """A failure that stops the build before any page is written again (say, in references.bib)
    must not leave the previous failure's message on the pages."""
    sys.path.insert(0, str(ROOT / "hooks"))
    import preview_errors

    page = tmp_path / "index.html"
    page.write_text("<!doctype html><html><head></head><body class=x><h1>Page</h1></body></html>", encoding="utf-8")
    preview_errors.show_in_pages(tmp_path, ["docs/a.md:3: first mistake"])
    preview_errors.show_in_pages(tmp_path, ["references.bib:9: second mistake"])
    text = page.read_text(encoding="utf-8")
    assert text.count('id="preview-build-error"') == 1
    assert "second mistake" in text and "first mistake" not in text
    assert "<h1>Page</h1>" in text


def test_serve_shows_each_kind_of_edit_without_a_restart(tmp_path):
    """`make serve` on a copy of the real project, with its own copy of the package (src/ucmsc,
    first on the import path): a page edit, a references.bib edit, a data edit, an edit to the
    package's code and an edit to a hook each show in the served page, one after the other, with
    the same server process."""
    project = tmp_path / "project"
    config = copy_project(project)
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MINIFY": "false", "PYTHONPATH": str(project / "src"),
           "SITE_URL": f"http://127.0.0.1:{port}/"}
    with log.open("w") as out:  # as `make serve` runs it
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--strict", "-f", str(config), "--dev-addr", f"127.0.0.1:{port}"],
            cwd=project, stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    base = f"http://127.0.0.1:{port}"

    def shows(path: str, edited: Path, old: str, new: str, expected: str) -> float:
        """Save the edit; seconds until the served page shows ``expected``."""
        assert expected not in _get(base + path)
        edit(edited, old, new)
        start = time.monotonic()
        _wait_for(base + path, lambda html: expected in html, timeout=120)
        return time.monotonic() - start

    try:
        try:
            _wait_for(base + "/safety/", lambda html: "Safety and efficacy of mesenchymal stem cells therapy" in html, timeout=180)
        except AssertionError:
            raise AssertionError(log.read_text(encoding="utf-8")[-3000:]) from None
        assert 'id="references"' in _get(base + "/safety/")
        # a page
        page = shows("/safety/", project / "docs" / "safety.md", "Nobody knows the long-term effects yet",
                     "Nobody knows the long-term effects (edited) yet", "Nobody knows the long-term effects (edited) yet")
        # references.bib: the reference list of a page citing the entry
        shows("/safety/", project / "references.bib", "title   = {Safety and efficacy of mesenchymal stem cells therapy",
              "title   = {Safety and efficacy, edited, of mesenchymal stem cells therapy", "Safety and efficacy, edited, of mesenchymal")
        # data/: the evidence table
        shows("/evidence/studies/", project / "data" / "studies.yaml", 'arms: "136 UC-MSC, 36 control"',
              'arms: "136 UC-MSC, 36 control (edited)"', "136 UC-MSC, 36 control (edited)")
        # the package's code: the heading of each page's reference list
        shows("/safety/", project / "src" / "ucmsc" / "citations.py", 'heading.text = "References"',
              'heading.text = "References (edited code)"', "References (edited code)")
        # a module the first one imports: the reference style's PubMed label (the formatted
        # references kept in memory and in .cache/ are the old code's: formatted again)
        shows("/safety/", project / "src" / "ucmsc" / "csl.py", '(("PMID: ", pmid,',
              '(("PubMed ID: ", pmid,', "PubMed ID: ")
        # a hook's code: the page's Twitter card type (hooks/page_meta.py)
        shows("/safety/", project / "hooks" / "page_meta.py", '("name", "twitter:card", "summary"),',
              '("name", "twitter:card", "summary-edited"),', 'content="summary-edited"')
        output = log.read_text(encoding="utf-8")
        assert "Traceback" not in output and "Aborted" not in output, output[-3000:]
        print(f"page edit to served page: {page:.2f} s")
    finally:
        server.terminate()
        server.wait(timeout=10)
