"""The pinned mkdocs-bibtex, driven through its configuration and public behaviour only.

hooks/citations.py relies on exactly what these tests check. If an upgrade of the plugin changes
any of it, these tests fail with a message saying what hooks/citations.py must then change.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
import traceback
from importlib.metadata import version
from pathlib import Path

import pytest

from sitekit import ROOT

BIB = """@article{smith2020trial,
  author  = {Smith, John},
  title   = {A trial},
  journal = {J Test},
  year    = {2020},
}
@article{anon2021review,
  title   = {A review whose authors no stored copy shows},
  journal = {J Test},
  year    = {2021},
}
"""


def pinned_version() -> str:
    for line in (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines():
        if '"mkdocs-bibtex==' in line:
            return line.split("==", 1)[1].split('"', 1)[0]
    raise AssertionError("pyproject.toml no longer pins mkdocs-bibtex exactly (==)")


PLUGIN_OPTIONS = {"bib_file": "refs.bib", "enable_inline_citations": False, "bib_by_default": False}


def make_plugin(tmp_path: Path, bib: str = BIB):
    """The plugin object made and configured directly (its public load_config), not through a
    MkDocs configuration: MkDocs would keep it for the rest of this test process, and a later
    build's plugin would start from this one's bibliography (tests/sitekit.py)."""
    from mkdocs.config import load_config
    from mkdocs_bibtex.plugin import BibTexPlugin

    (tmp_path / "docs").mkdir(parents=True, exist_ok=True)
    (tmp_path / "refs.bib").write_text(bib, encoding="utf-8")
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text("site_name: t\n", encoding="utf-8")
    config = load_config(str(config_file))
    plugin = BibTexPlugin()
    errors, _ = plugin.load_config(dict(PLUGIN_OPTIONS), str(config_file))
    assert not errors, errors
    plugin.on_startup(command="serve", dirty=False)
    plugin.on_config(config)
    return plugin, config


def in_child(test, *args) -> None:
    """Run ``test(*args)`` in a forked child: the plugin objects MkDocs keeps die with it."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def run():
        try:
            test(*args)
            send.send(None)
        except BaseException:  # noqa: BLE001 - the parent reports it
            send.send(traceback.format_exc())

    child = context.Process(target=run)
    child.start()
    send.close()
    failure = receive.recv()
    child.join()
    assert failure is None, failure


def resolve(plugin, config, markdown: str) -> str:
    return plugin.on_page_markdown(markdown, page=None, config=config, files=None)


def test_the_installed_plugin_is_the_pinned_one():
    assert version("mkdocs-bibtex") == pinned_version(), (
        "mkdocs-bibtex differs from the version pinned in pyproject.toml: run this file's tests against it "
        "and update hooks/citations.py if any fails"
    )


def test_a_block_becomes_footnote_references_and_nothing_else(tmp_path):
    plugin, config = make_plugin(tmp_path)
    out = resolve(plugin, config, "Text [@smith2020trial; @anon2021review].\n")
    assert out == "Text [^smith2020trial][^anon2021review].\n", (
        "mkdocs-bibtex no longer turns [@a; @b] into [^a][^b]: hooks/citation_html.py groups exactly these"
    )


def test_with_bib_by_default_false_it_writes_no_reference_list(tmp_path):
    plugin, config = make_plugin(tmp_path)
    out = resolve(plugin, config, "Text [@smith2020trial].\n\n[^smith2020trial]: our own definition\n")
    assert out == "Text [^smith2020trial].\n\n[^smith2020trial]: our own definition\n", (
        "mkdocs-bibtex now writes or changes footnote definitions with bib_by_default: false; "
        "hooks/citations.py writes them itself"
    )


def test_it_leaves_masked_at_signs_and_other_brackets_alone(tmp_path):
    import citation_markdown as cmd

    plugin, config = make_plugin(tmp_path)
    text = f"[mail a{cmd.AT_MASK}b.org] [^x] [a link](https://e.org/) [@smith2020trial]{cmd.MARK_OPEN}0{cmd.MARK_CLOSE}"
    out = resolve(plugin, config, text)
    assert out == text.replace("[@smith2020trial]", "[^smith2020trial]")


def test_a_keys_only_bibliography_resolves_the_same_and_without_warnings(tmp_path, caplog):
    """hooks/citations.py gives the plugin a keys-only copy of references.bib (its bib_file
    option): the same footnote references, no time spent formatting text that is never shown,
    and no warning for an entry without authors (which its plain style cannot format)."""
    import citations

    full, full_config = make_plugin(tmp_path / "full")
    markdown = "Text [@smith2020trial; @anon2021review] and [@anon2021review].\n"
    expected = resolve(full, full_config, markdown)
    keys_only = citations.resolver_keys_bib(["smith2020trial", "anon2021review"])
    plugin, config = make_plugin(tmp_path / "keys", keys_only)
    caplog.clear()  # the full bibliography's entry without authors was warned about above
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.mkdocs-bibtex"):
        assert resolve(plugin, config, markdown) == expected == "Text [^smith2020trial][^anon2021review] and [^anon2021review].\n"
    assert [r.getMessage() for r in caplog.records] == []


def test_it_rereads_the_bibliography_after_an_edit_under_serve(tmp_path):
    """Under `mkdocs serve` the plugin object lives on between builds; it must see an edited .bib
    (the hook no longer resets the plugin's private timestamp)."""
    plugin, config = make_plugin(tmp_path)
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB + "@article{new2022entry,\n  author = {New, A},\n  title = {N},\n  journal = {J},\n  year = {2022},\n}\n", encoding="utf-8")
    future = time.time() + 2
    os.utime(bib, (future, future))
    plugin.on_config(config)
    out = resolve(plugin, config, "Text [@new2022entry].\n")
    assert out == "Text [^new2022entry].\n"


def test_it_keeps_its_bibliography_for_a_file_that_is_not_newer(tmp_path):
    """The plugin object outlives a build in one process (serve, tests) and skips reading a .bib
    older than its last configuration, even another file: so hooks/citations.py rewrites its
    keys file whenever the keys change (a new time), and the tests start each build afresh
    (tests/sitekit.py). If this test fails, the plugin re-reads on its own. Run in a child
    process, whose kept plugin object ends with it."""
    in_child(_keeps_its_bibliography, tmp_path)


def _keeps_its_bibliography(tmp_path):
    from mkdocs.config import load_config

    config_text = "site_name: t\nplugins:\n  - bibtex:\n" + "".join(
        f"      {k}: {str(v).lower() if isinstance(v, bool) else v}\n" for k, v in PLUGIN_OPTIONS.items())
    first = tmp_path / "first"
    (first / "docs").mkdir(parents=True)
    (first / "refs.bib").write_text(BIB, encoding="utf-8")
    (first / "mkdocs.yml").write_text(config_text, encoding="utf-8")
    config = load_config(str(first / "mkdocs.yml"))
    plugin = config.plugins["bibtex"]
    plugin.on_startup(command="serve", dirty=False)
    plugin.on_config(config)
    other = tmp_path / "other"
    (other / "docs").mkdir(parents=True)
    (other / "refs.bib").write_text(BIB.replace("smith2020trial", "jones2021study"), encoding="utf-8")
    past = time.time() - 3600
    os.utime(other / "refs.bib", (past, past))
    (other / "mkdocs.yml").write_text(config_text, encoding="utf-8")
    config = load_config(str(other / "mkdocs.yml"))
    assert config.plugins["bibtex"] is plugin, "mkdocs-bibtex's plugin object is no longer kept between builds"
    plugin.on_config(config)
    assert resolve(plugin, config, "[@jones2021study]") == ""  # unknown to the kept bibliography: dropped


@pytest.fixture(autouse=True)
def _hooks_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "hooks"))
