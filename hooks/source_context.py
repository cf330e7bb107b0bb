"""source_context hook (MkDocs only): tell the project's extensions where they are.

Sets the project folder (the folder of mkdocs.yml, so a build started from another folder finds
references.bib and data/) and, for each page, the page's path as editors see it, so that the
extensions' messages read ``docs/safety.md:12: ...``. A generator without hooks still renders the
same pages; its messages then name the line alone.

It also resolves pymdownx.snippets' relative ``base_path`` (``includes`` in mkdocs.yml) from that
folder. mkdocs.yml holds a plain relative path because Zensical does not read MkDocs' ``!relative``
tag; Zensical, like ``make``, runs from the project folder, and with this hook ``mkdocs build -f
path/to/mkdocs.yml`` works from any folder.
"""

from pathlib import Path

from ucmsc import context


def on_config(config):
    root = Path(config.config_file_path).parent
    context.set_project_root(root)
    snippets = config.mdx_configs.get("pymdownx.snippets")
    if snippets is not None:
        bases = snippets.get("base_path", ["."])
        snippets["base_path"] = [str(root / base) for base in ([bases] if isinstance(bases, str) else bases)]
    return config


def on_page_markdown(markdown, page, config, files):
    docs = Path(config.docs_dir)
    context.set_current_page(context.shown(docs / page.file.src_path))
    return markdown
