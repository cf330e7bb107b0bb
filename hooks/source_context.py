"""source_context hook (MkDocs only): tell the project's extensions where they are.

Sets the project folder (the folder of mkdocs.yml, so a build started from another folder finds
references.bib and data/), starts each build's list of messages afresh, and, for each page, the page's path as editors see it, so that the
extensions' messages read ``docs/safety.md:12: ...``. A generator without hooks still renders the
same pages; its messages then name the line alone.
"""

from pathlib import Path

from ucmsc import context


def on_config(config):
    context.set_project_root(Path(config.config_file_path).parent)
    context.new_build()
    return config


def on_page_markdown(markdown, page, config, files):
    docs = Path(config.docs_dir)
    context.set_current_page(context.shown(docs / page.file.src_path))
    return markdown
