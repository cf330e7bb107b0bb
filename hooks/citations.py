"""citations hook: every [@key] checked, resolved, numbered and listed; every mistake a clear error.

mkdocs-bibtex stays the resolver ([@key; @other] -> Python-Markdown footnote references
[^key][^other]), configured with ``bib_by_default: false`` so that it writes no reference list
of its own. This hook uses only its configuration and public output and does the rest itself:
the footnote definitions, the formatted references, grouping and locators.

The plugin formats every cited entry of every page with pybtex's plain style even when it writes
no list (a third of the whole build's time, LaTeX decoding of text that is never shown), and that
style cannot format an article without authors. So the hook gives the plugin, through its
``bib_file`` option, a keys-only copy of the bibliography (``@misc{key, title = {key}}`` per
entry, in a temporary file rewritten only when the keys change): the plugin resolves exactly
the same keys, at no cost. tests/test_citations_resolver.py fails loudly if the pinned plugin's
behaviour changes.

on_config    (priority 100) reads references.bib once for the whole build (hooks/citation_state.py
             shares it with hooks/page_meta.py) and stops on a malformed file or duplicate keys;
             warns about bad keys and missing fields.
on_page_markdown (priority 50: after Markdown generators at 100, before mkdocs-bibtex at 0)
             checks each [@...] where Markdown renders text (never in code, HTML comments or raw
             HTML): unknown key, key in the wrong letter case, unreadable key, bad syntax,
             citation in a snippet or heading; strips locators, masks every other literal "@",
             adds the "References" heading.
on_page_content groups the superscripts (attached to the word before them, so a superscript never
             starts a line), shows locators, writes the formatted references over the resolver's
             own text, restores "@".
on_env       warns about bib entries no page cites and writes the site-wide list into the page
             holding SITE_LIST_MARKER (before the search index and templates are made).
on_post_page fails the build if raw citation markup reached a page.

Text that a hook generates from another file (the evidence table from data/studies.yaml) is
preceded by an attribute ``data-origin="data/studies.yaml:42"`` (on the table row): problems
found after it are reported at that file and line instead of the page's, and the attribute is
removed.

Every message names the file to open and its line, relative to the folder of mkdocs.yml, and
each is logged once per build. Strict mode turns every warning into a failed build.
Helpers live in citation_bib.py, citation_markdown.py and citation_html.py (unit-tested).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.utils import get_relative_url

import citation_bib as bib
import citation_html as chtml
import citation_markdown as cmd
import citation_state

log = logging.getLogger("mkdocs.hooks.citations")

SITE_LIST_MARKER = "<!-- citations:site-list -->"
REQUIRED_EXTENSIONS = ("footnotes", "attr_list")
DEFAULT_PLACE_MARKER = "///Footnotes Go Here///"
SOURCE_MARKER = re.compile(r' data-origin="(?P<file>[^":\s]+):(?P<line>\d+)"')


# One keys file per process: rewritten when the keys change (the plugin re-reads a .bib only when
# it is newer than its last reading, and keeps its object between builds in one process).
RESOLVER_KEYS_FILE = Path(tempfile.gettempdir()) / f"mkdocs-citation-keys-{os.getpid()}.bib"


def resolver_keys_bib(keys) -> str:
    """BibTeX with one minimal entry per key: all the resolver needs to turn [@key] into [^key]."""
    return "".join(f"@misc{{{key},\n  title = {{{key}}}\n}}\n" for key in keys)


def _resolver_keys_file(keys) -> Path:
    text = resolver_keys_bib(keys)
    path = RESOLVER_KEYS_FILE
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def _state() -> citation_state.State:
    return citation_state.current()


def _warn(message: str) -> None:
    """Log a problem once per build, without internal placeholder characters."""
    message = cmd.readable(message)
    state = _state()
    if message not in state.reported:
        state.reported.add(message)
        log.warning(message)


def _reference_html(key: str) -> str:
    state = _state()
    if key not in state.formatted:
        state.formatted[key] = bib.format_reference_html(state.bibliography.data.entries[key])
    return state.formatted[key]


def _bibtex_plugin(config):
    return config.plugins.get("bibtex")


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def _bib_path(plugin, config) -> Path:
    if not plugin.config.bib_file:
        raise PluginError("mkdocs.yml: citations need 'bib_file: references.bib' under the bibtex plugin.")
    return _root(config) / plugin.config.bib_file


def _shown(path: Path, config) -> str:
    """A path as editors see it: relative to the folder of mkdocs.yml, with forward slashes."""
    try:
        return Path(path).resolve().relative_to(_root(config)).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _page_src(page, config) -> str:
    return _shown(Path(config.docs_dir) / page.file.src_path, config)


@event_priority(100)
def on_config(config):
    state = citation_state.reset()
    plugin = _bibtex_plugin(config)
    if plugin is None:  # citations switched off
        return config
    missing = [ext for ext in REQUIRED_EXTENSIONS if ext not in config.markdown_extensions]
    if missing:
        raise PluginError(f"mkdocs.yml: citations need the Markdown extensions {missing}; add them to markdown_extensions.")
    options = plugin.config
    if options.bib_by_default or options.footnote_format != "{key}":
        raise PluginError(
            "mkdocs.yml: under the bibtex plugin set 'bib_by_default: false' and leave footnote_format "
            "unset: hooks/citations.py writes each page's reference list itself."
        )
    path = _bib_path(plugin, config)
    shown = _shown(path, config)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PluginError(f"{shown}: cannot read the bibliography ({exc.strerror}).") from None
    try:
        state.bibliography = bib.parse_bibliography(text, shown)
    except bib.BibError as exc:
        raise PluginError(str(exc)) from None
    for message in bib.entry_problems(state.bibliography):
        _warn(message)
    # The plugin's on_config (priority 0) comes next and reads this file instead of references.bib.
    options.bib_file = str(_resolver_keys_file(state.bibliography.data.entries.keys()))
    return config


def _snippet_problems(markdown: str, src: str, offset: int, config) -> list[str]:
    """A citation in a snippet file, reported once per build at the snippet's own line."""
    options = config.mdx_configs.get("pymdownx.snippets")
    if options is None:
        return []
    bases = options.get("base_path", ["."])
    bases = [bases] if isinstance(bases, str) else list(bases)
    root = _root(config)
    names = cmd.snippet_names(markdown) + [(name, None) for name in options.get("auto_append", [])]
    problems = []
    for name, _pos in names:
        for base in bases:
            found = root / base / name  # an absolute base_path (!relative) stays as it is
            if found.is_file():
                cite = cmd.snippet_citation_problem(found.read_text(encoding="utf-8"))
                if cite:
                    text, line = cite
                    problems.append(
                        f"{_shown(found, config)}:{line}: the snippet contains the citation {text}. Snippets are "
                        "inserted after citations are resolved, so it would reach readers unresolved: "
                        "cite in the page itself."
                    )
                break
    return problems


def _generated_sources(markdown: str) -> tuple[str, list[tuple[int, str, int]]]:
    """Remove the source markers; (position in the new text, file, line) of each."""
    sources, out, last, removed = [], [], 0, 0
    for match in SOURCE_MARKER.finditer(markdown):
        out.append(markdown[last : match.start()])
        removed += match.end() - match.start()
        sources.append((match.end() - removed, match["file"], int(match["line"])))
        last = match.end()
    out.append(markdown[last:])
    return "".join(out), sources


def _relocate(problem: str, src: str, markdown: str, sources, offset: int) -> str:
    """A problem found in text a hook generated from another file, reported at that file."""
    match = re.match(rf"{re.escape(src)}:(\d+): ", problem)
    if not match or not sources:
        return problem
    line = int(match.group(1)) - offset
    pos = 0
    for _ in range(line - 1):
        pos = markdown.find("\n", pos) + 1
    origin = [s for s in sources if s[0] <= pos]
    if not origin:
        return problem
    _, file, file_line = origin[-1]
    return f"{file}:{file_line}: {problem[match.end():]}"


@event_priority(50)
def on_page_markdown(markdown, page, config, files):
    state = _state()
    if state.bibliography is None:
        return markdown
    src = _page_src(page, config)
    offset = cmd.body_line_offset(page.file.content_string)
    markdown, sources = _generated_sources(markdown)
    keys = state.bibliography.keys
    text, found = cmd.rewrite_citations(
        markdown, src, offset, known=keys, suggest=lambda key: bib.nearest_keys(key, keys)
    )
    found.problems = [_relocate(p, src, markdown, sources, offset) for p in found.problems]
    found.problems += _snippet_problems(markdown, src, offset, config)
    if found.blocks:
        heading = cmd.references_heading_problem(markdown, src, offset)
        if heading:
            found.problems.append(heading)
        place = config.mdx_configs.get("footnotes", {}).get("PLACE_MARKER", DEFAULT_PLACE_MARKER)
        text += cmd.references_section(place, found.keys)
    for problem in found.problems:
        _warn(problem)
    state.pages[page.file.src_uri] = found
    return text


def on_page_content(html, page, config, files):
    state = _state()
    if state.bibliography is None:
        return html
    found = state.pages.get(page.file.src_uri)
    if found and found.blocks:
        unresolved: list[str] = []
        html, groups = chtml.group_citations(html, found.blocks, unresolved)
        if unresolved:
            _warn(
                f"{_page_src(page, config)}: the resolver (mkdocs-bibtex) left {', '.join(sorted(set(unresolved)))} "
                "unresolved although references.bib has them. Under `make serve`, stop and start it again "
                "(the plugin re-reads references.bib only when the file is newer than its last reading)."
            )
        places = chtml.nearest_headings(html, [pos for pos, _ in groups])
        for (_, items), (level, anchor, text) in zip(groups, places):
            for item in items:
                state.cited_on.setdefault(item.key, []).append((page, level, anchor, text))
        html, missing = chtml.replace_reference_text(html, found.keys, _reference_html)
        if missing:
            _warn(
                f"{_page_src(page, config)}: the resolver (mkdocs-bibtex) wrote no reference list item for "
                f"{', '.join(missing)}. Its output has changed: check the pinned version in pyproject.toml "
                "and tests/test_citations_resolver.py."
            )
    return chtml.restore_at_signs(html)


def _cited_on_links(key: str, list_page) -> list[chtml.CitedOn]:
    links, seen = [], set()
    for page, level, anchor, text in _state().cited_on.get(key, []):
        target = page.url + (f"#{anchor}" if level > 1 and anchor else "")
        if target in seen:
            continue
        seen.add(target)
        title = page.title or page.file.src_uri
        if level > 1 and text:
            title = f"{title} › {text}"
        url = get_relative_url(target, list_page.url)
        links.append(chtml.CitedOn(title, url + "/" if url == ".." or url.endswith("/..") else url))
    return links


def on_env(env, config, files):
    state = _state()
    if state.bibliography is None:
        return env
    bibliography = state.bibliography
    cited = set(state.cited_on)
    for key in bibliography.data.entries:  # file order, keys as written
        if key not in cited:
            _warn(
                f"{bibliography.where(key)}: entry '{key}' is not cited on any page. "
                f"Cite it with [@{key}] where it supports the text, or delete the entry."
            )
    entries = bibliography.data.entries
    order = sorted(cited & bibliography.keys, key=lambda k: bib.sort_key(k, entries[k]))
    for file in files.documentation_pages():
        page = file.page
        if page is None or not page.content or SITE_LIST_MARKER not in page.content:
            continue
        works = [(k, _reference_html(k), _cited_on_links(k, page)) for k in order]
        page.content = page.content.replace(SITE_LIST_MARKER, chtml.site_list_markup(works), 1)
    return env


def on_post_page(output, page, config):
    if _state().bibliography is None:
        return output
    found = chtml.raw_markup(output)
    if found:
        _warn(
            f"{_page_src(page, config)}: raw citation markup reached the published page: {', '.join(found[:3])}. "
            "Write citations as [@key] in the page text (not in snippets, headings, link text or raw HTML)."
        )
    return output
