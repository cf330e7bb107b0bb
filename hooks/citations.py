"""citations hook: every [@key] checked, resolved, numbered and listed; every mistake a clear error.

mkdocs-bibtex stays the resolver ([@key] -> Python-Markdown footnote). Around it, this hook:

on_config    (priority 100, before mkdocs-bibtex parses the .bib) reads references.bib and
             stops on a malformed file or duplicate keys; warns about bad keys and missing fields.
on_pre_build has the resolver write a placeholder instead of its own reference text (which would
             show the bib "note" and pass titles through as raw HTML).
on_page_markdown (priority 50: after Markdown generators at 100, before mkdocs-bibtex at 0)
             checks each [@...] (unknown key, unreadable key, bad syntax, citation in a snippet or
             heading), strips locators, masks every literal "@", adds the "References" heading.
on_page_content groups the superscripts, shows locators, formats the references, restores "@".
on_env       warns about bib entries no page cites and writes the site-wide list into the page
             holding SITE_LIST_MARKER (before the search index and templates are made).
on_post_page fails the build if raw citation markup reached a page.

Helpers live in citation_bib.py, citation_markdown.py and citation_html.py (unit-tested).
Strict mode turns every warning logged here into a failed build.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.utils import get_relative_url

import citation_bib as bib
import citation_html as chtml
import citation_markdown as cmd

log = logging.getLogger("mkdocs.hooks.citations")

SITE_LIST_MARKER = "<!-- citations:site-list -->"
REQUIRED_EXTENSIONS = ("footnotes", "attr_list")
DEFAULT_PLACE_MARKER = "///Footnotes Go Here///"


@dataclass
class _State:
    bibliography: bib.Bibliography | None = None
    pages: dict[str, cmd.PageCitations] = field(default_factory=dict)
    # key -> [(page, heading level, heading id, heading text)] in build order
    cited_on: dict[str, list] = field(default_factory=dict)
    formatted: dict[str, str] = field(default_factory=dict)  # key -> reference HTML, made once


def _reference_html(key: str) -> str:
    if key not in STATE.formatted:
        STATE.formatted[key] = bib.format_reference_html(STATE.bibliography.data.entries[key])
    return STATE.formatted[key]


STATE = _State()


def _bibtex_plugin(config):
    return config.plugins.get("bibtex")


def _bib_path(plugin, config) -> Path:
    root = Path(config.config_file_path).parent
    if not plugin.config.bib_file:
        raise PluginError("citations: set 'bib_file: references.bib' for the bibtex plugin in mkdocs.yml.")
    return root / plugin.config.bib_file


def _shown(path: Path, config) -> str:
    """A path as editors see it: relative to the folder of mkdocs.yml."""
    root = Path(config.config_file_path).parent
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _page_src(page, config) -> str:
    return _shown(Path(config.docs_dir) / page.file.src_path, config)


@event_priority(100)
def on_config(config):
    global STATE
    STATE = _State()
    plugin = _bibtex_plugin(config)
    if plugin is None:  # citations switched off
        return config
    missing = [ext for ext in REQUIRED_EXTENSIONS if ext not in config.markdown_extensions]
    if missing:
        raise PluginError(f"mkdocs.yml: citations need the Markdown extensions {missing}; add them to markdown_extensions.")
    path = _bib_path(plugin, config)
    shown = _shown(path, config)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PluginError(f"{shown}: cannot read the bibliography ({exc.strerror}).") from None
    try:
        STATE.bibliography = bib.parse_bibliography(text, shown)
    except bib.BibError as exc:
        raise PluginError(str(exc)) from None
    for message in bib.entry_problems(STATE.bibliography):
        log.warning(message)
    # MkDocs keeps plugin objects between builds in one process (serve, tests): make the
    # resolver re-read the bibliography of *this* build instead of trusting file times.
    plugin.last_configured = None
    return config


def on_pre_build(config):
    plugin = _bibtex_plugin(config)
    if plugin is None or STATE.bibliography is None:
        return
    # The reference text is written in on_page_content, escaped and without the "note" field.
    plugin.registry.reference_text = lambda citation: f"{cmd.REF_OPEN}{citation.key}{cmd.REF_CLOSE}"


def _snippet_problems(markdown: str, src: str, offset: int, config) -> list[str]:
    options = config.mdx_configs.get("pymdownx.snippets")
    if options is None:
        return []
    bases = options.get("base_path", ["."])
    bases = [bases] if isinstance(bases, str) else list(bases)
    root = Path(config.config_file_path).parent
    names = cmd.snippet_names(markdown) + [(name, None) for name in options.get("auto_append", [])]
    problems = []
    for name, pos in names:
        for base in bases:
            candidates = [Path(base) / name, root / base / name]
            found = next((c for c in candidates if c.is_file()), None)
            if found:
                cite = cmd.snippet_citation_problem(found.read_text(encoding="utf-8"))
                if cite:
                    where = f"{src}:{cmd.line_of(markdown, pos, offset)}" if pos is not None else src
                    problems.append(
                        f"{where}: the snippet '{name}' contains the citation {cite}. Snippets are inserted "
                        "after citations are resolved, so it would reach readers unresolved: cite in the page itself."
                    )
                break
    return problems


@event_priority(50)
def on_page_markdown(markdown, page, config, files):
    if STATE.bibliography is None:
        return markdown
    src = _page_src(page, config)
    offset = cmd.body_line_offset(page.file.content_string)
    entries = STATE.bibliography.data.entries
    text, found = cmd.rewrite_citations(
        markdown, src, offset, known=entries, suggest=lambda key: bib.nearest_keys(key, entries)
    )
    found.problems += _snippet_problems(markdown, src, offset, config)
    if found.blocks:
        heading = cmd.references_heading_problem(markdown, src, offset)
        if heading:
            found.problems.append(heading)
        place = config.mdx_configs.get("footnotes", {}).get("PLACE_MARKER", DEFAULT_PLACE_MARKER)
        text += cmd.references_section(place)
    for problem in found.problems:
        log.warning(problem)
    STATE.pages[page.file.src_uri] = found
    return text


def on_page_content(html, page, config, files):
    if STATE.bibliography is None:
        return html
    found = STATE.pages.get(page.file.src_uri)
    if found and found.blocks:
        html, groups = chtml.group_citations(html, found.blocks)
        places = chtml.nearest_headings(html, [pos for pos, _ in groups])
        for (_, items), (level, anchor, text) in zip(groups, places):
            for item in items:
                STATE.cited_on.setdefault(item.key, []).append((page, level, anchor, text))
        html = chtml.fill_references(html, _reference_html)
    return chtml.restore_at_signs(html)


def _cited_on_links(key: str, list_page) -> list[chtml.CitedOn]:
    links, seen = [], set()
    for page, level, anchor, text in STATE.cited_on.get(key, []):
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
    if STATE.bibliography is None:
        return env
    bibliography = STATE.bibliography
    cited = set(STATE.cited_on)
    for key in bibliography.data.entries:
        if key not in cited:
            log.warning(
                f"{bibliography.where(key)}: entry '{key}' is not cited on any page. "
                f"Cite it with [@{key}] where it supports the text, or delete the entry."
            )
    entries = bibliography.data.entries
    order = sorted(cited & set(entries), key=lambda k: bib.sort_key(k, entries[k]))
    for file in files.documentation_pages():
        page = file.page
        if page is None or not page.content or SITE_LIST_MARKER not in page.content:
            continue
        works = [(k, _reference_html(k), _cited_on_links(k, page)) for k in order]
        page.content = page.content.replace(SITE_LIST_MARKER, chtml.site_list_markup(works), 1)
    return env


def on_post_page(output, page, config):
    if STATE.bibliography is None:
        return output
    found = chtml.raw_markup(output)
    if found:
        log.warning(
            f"{_page_src(page, config)}: raw citation markup reached the published page: {', '.join(found[:3])}. "
            "Write citations as [@key] in the page text (not in snippets, headings or link text)."
        )
    return output
