"""source_context hook (MkDocs only): tell the project's extensions where they are, and under
`make serve` run the code as it is now.

Sets the project folder (the folder of mkdocs.yml, so a build started from another folder finds
references.bib and data/), starts each build's list of messages afresh, and gives, for each page,
the page's path as editors see it and its file's text, so that the extensions' messages read
``docs/safety.md:12: ...``. For the site-wide reference list (``/// site-references``) it gives
the pages as MkDocs reads them, with their nav titles, and a Markdown parser with the site's
extensions. A generator without hooks still renders the same pages; its messages then name the
line in the Markdown it was given, and the site-wide list takes titles from the pages' headings.

Under `mkdocs serve` MkDocs imports the package (src/ucmsc) and the hooks once per process, so an
edit to their code would be rebuilt with the old code. Before each rebuild (``on_serve`` wraps
the server's builder) the package's modules whose files changed are reloaded in place, in
dependency order, with every module that imports them; a changed hook file, or one using the
package when it changed, is run again in its own module (and told the command again, as at
start-up). Modules keep their objects, so what other code imported from them stays valid.
"""

import ast
import graphlib
import importlib
import re
import sys
from pathlib import Path

import markdown
from mkdocs.structure.files import Files
from mkdocs.utils.meta import get_data

import ucmsc
from ucmsc import context

PACKAGE = Path(ucmsc.__file__).parent
_command: dict = {}


def on_startup(command, dirty):
    _command.update(command=command, dirty=dirty)


def on_config(config):
    context.set_project_root(Path(config.config_file_path).parent)
    context.new_build()
    context.set_markdown_factory(
        lambda: markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)
    )
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
        found = []
        for file in files.documentation_pages():
            page = file.page

            def read(file=file, page=page):
                text, _ = get_data(file.content_string)
                return text

            title = page.title if page is not None and page.title else None
            found.append(context.SitePage(context.shown(docs / file.src_path), title, read))
        return found

    context.set_site_pages(pages)
    return nav


def on_page_markdown(markdown, page, config, files):
    docs = Path(config.docs_dir)
    context.set_current_page(context.shown(docs / page.file.src_path), page.file.content_string.replace("\r\n", "\n"))
    return markdown


# ----------------------------------------------------------------------------- make serve


def package_modules() -> dict[str, set[str]]:
    """Each module of the package (``ucmsc.csl``) and the package modules it imports."""
    imports = {}
    for path in PACKAGE.glob("*.py"):
        name = ucmsc.__name__ if path.stem == "__init__" else f"{ucmsc.__name__}.{path.stem}"
        found = set()
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found |= {f"{ucmsc.__name__}.{node.module or a.name}" for a in node.names}
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                found |= {n for n in names if n.startswith(f"{ucmsc.__name__}.")}
        imports[name] = found - {name}
    return imports


def code_files(hooks) -> dict[Path, object]:
    """The package's files (None) and the hooks' files (their modules)."""
    return {p: None for p in PACKAGE.glob("*.py")} | {Path(h.__file__): h for h in hooks}


def stamps_of(files) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in files if p.exists()}


def reload_changed(stamps: dict[Path, int], hooks) -> list[str]:
    """Reload what changed since ``stamps`` (file -> modification time, updated); the names."""
    files = code_files(hooks)
    now = stamps_of(files)
    changed = {p for p in now if stamps.get(p) != now[p]}
    done = []
    imports = package_modules()
    stale = {f"{ucmsc.__name__}.{p.stem}" if p.stem != "__init__" else ucmsc.__name__
             for p in changed if files[p] is None}
    while True:  # the modules that import a stale module are stale too (they bound its names)
        more = {name for name, deps in imports.items() if deps & stale} - stale
        if not more:
            break
        stale |= more
    for name in graphlib.TopologicalSorter(imports).static_order():
        if name in stale and name in sys.modules:
            importlib.reload(sys.modules[name])
            done.append(name)
    for path, hook in files.items():
        if hook is not None and (path in changed or (stale and ucmsc.__name__ in path.read_text(encoding="utf-8"))):
            hook.__spec__.loader.exec_module(hook)
            if hasattr(hook, "on_startup") and _command:
                hook.on_startup(**_command)
            done.append(path.name)
    stamps.update(now)  # only once all ran: code that failed to load is tried again on the next save
    return done


def on_serve(server, config, builder):
    hooks = list(config.hooks.values())
    stamps = stamps_of(code_files(hooks))  # the files as the first build ran them
    build = server.builder

    def build_with_current_code(*args, **kwargs):
        reloaded = reload_changed(stamps, hooks)
        if reloaded:
            context.log.info("Running the edited code of %s", ", ".join(reloaded))
        return build(*args, **kwargs)

    server.builder = build_with_current_code
    return server
