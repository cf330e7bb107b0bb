"""source_context hook (MkDocs only): tell the project's extensions where they are, and under
`make serve` run the code as it is now.

Sets the project folder (the folder of mkdocs.yml, so a build started from another folder finds
references.bib and data/), starts each build's list of messages afresh, and gives, for each page,
the page's path as editors see it and its file's text, so that the extensions' messages read
``docs/safety.md:12: ...``. For the site-wide reference list (``/// site-references``) it gives
the pages as MkDocs reads them and a Markdown parser with the site's extensions; the list names
each page by its first heading, with or without the hook. A generator without hooks still renders
the same pages; its messages then name the line in the Markdown it was given.

It also resolves pymdownx.snippets' relative ``base_path`` (``includes`` in mkdocs.yml) from that
folder. mkdocs.yml holds a plain relative path because Zensical does not read MkDocs' ``!relative``
tag; Zensical, like ``make``, runs from the project folder, and with this hook ``mkdocs build -f
path/to/mkdocs.yml`` works from any folder.

Under `mkdocs serve`, which imports the package (src/ucmsc) and the hooks once per process,
``on_serve`` makes each rebuild run the code as saved (CONTRIBUTING.md, "When the build
stops"): modules are reloaded in place, so what other code imported from them stays valid.
"""

import graphlib
import importlib
import re
import sys
import types
from pathlib import Path

import markdown
from mkdocs.structure.files import Files
from mkdocs.utils.meta import get_data

import ucmsc
from ucmsc import context

_command: dict = {}


def on_startup(command, dirty):
    _command.update(command=command, dirty=dirty)


def on_config(config):
    root = Path(config.config_file_path).parent
    context.set_project_root(root)
    context.new_build()
    context.set_markdown_factory(
        lambda: markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)
    )
    snippets = config.mdx_configs.get("pymdownx.snippets")
    if snippets is not None:
        bases = snippets.get("base_path", ["."])
        snippets["base_path"] = [str(root / base) for base in ([bases] if isinstance(bases, str) else bases)]
    return config


SITE_LIST = re.compile(r"^/{3,}[ \t]*site-references[ \t]*$", re.MULTILINE)


def on_files(files, config):
    """The pages with the site-wide reference list are rendered last: the list then takes each
    other page's citations from that page's own render instead of rendering it again."""
    pages = files.documentation_pages()
    last = [f for f in pages if SITE_LIST.search(f.content_string)]
    return Files([f for f in files if f not in last] + last) if last else files


def on_nav(nav, config, files):
    docs = Path(config.docs_dir)

    def pages():
        # in the order of their paths, as the list is without the hook (Zensical); no title: the
        # list names each page by its own heading, as every generator can; the Markdown without
        # its front matter
        return [
            context.SitePage(context.shown(docs / f.src_path), None, lambda f=f: get_data(f.content_string)[0])
            for f in sorted(files.documentation_pages(), key=lambda f: docs / f.src_path)
        ]

    context.set_site_pages(pages)
    return nav


def on_page_markdown(markdown, page, config, files):
    docs = Path(config.docs_dir)
    context.set_current_page(context.shown(docs / page.file.src_path), page.file.content_string.replace("\r\n", "\n"))
    return markdown


# ----------------------------------------------------------------------------- make serve


def package_modules() -> dict[str, set[str]]:
    """The package's loaded modules, each with the package modules whose names it holds
    (``from .bibliography import decode`` in csl.py: csl.py uses ucmsc.bibliography)."""
    loaded = {n: m for n, m in sys.modules.items() if n.split(".")[0] == ucmsc.__name__}
    return {n: uses(m, loaded) - {n} for n, m in loaded.items()}


def uses(module, names) -> set[str]:
    """Which of the modules ``names`` ``module`` holds, or holds a function or class of (a
    package's own submodules excepted)."""
    held = (v.__name__ if isinstance(v, types.ModuleType) else getattr(v, "__module__", None) for v in vars(module).values())
    return {n for n in held if n in names and not n.startswith(f"{module.__name__}.")}


def code_files(imports, hooks) -> dict[Path, str]:
    """The files of the package's loaded modules and of the hooks: their module names."""
    return {Path(sys.modules[n].__file__): n for n in imports} | {Path(h.__file__): h.__name__ for h in hooks}


def stamps_of(files) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in files if p.exists()}


def reload_changed(stamps: dict[Path, int], hooks) -> list[str]:
    """Reload what changed since ``stamps`` (file -> modification time, updated); the names."""
    imports, command = package_modules(), dict(_command)  # (this file may run again below)
    files = code_files(imports, hooks)
    now = stamps_of(files)
    changed = {files[p] for p in now if stamps.get(p) != now[p]}
    stale = changed & imports.keys()
    while more := {n for n, deps in imports.items() if deps & stale} - stale:
        stale |= more  # a module holding names of a reloaded module is reloaded too
    done = [n for n in graphlib.TopologicalSorter(imports).static_order() if n in stale]
    for name in done:
        importlib.reload(sys.modules[name])
    for hook in hooks:
        if hook.__name__ in changed or uses(hook, stale):
            hook.__spec__.loader.exec_module(hook)
            if hasattr(hook, "on_startup") and command:
                hook.on_startup(**command)  # as at start-up
            done.append(hook.__name__)
    stamps.update(now)  # only once all ran: code that failed to load is tried again on the next save
    return done


def on_serve(server, config, builder):
    hooks = list(config.hooks.values())
    stamps = stamps_of(code_files(package_modules(), hooks))  # the files as the first build ran them
    build = server.builder

    def build_with_current_code(*args, **kwargs):
        reloaded = reload_changed(stamps, hooks)
        if reloaded:
            context.log.info("Running the edited code of %s", ", ".join(reloaded))
        return build(*args, **kwargs)

    server.builder = build_with_current_code
    return server
