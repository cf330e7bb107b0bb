"""source_context hook (MkDocs only): tell the project's extensions where they are.

Sets the project folder (the folder of mkdocs.yml, so a build started from another folder finds
references.bib and data/), starts each build's list of messages afresh, and gives, for each page,
the page's path as editors see it and its file's text, so that the extensions' messages read
``docs/safety.md:12: ...``. For the site-wide reference list (``/// site-references``) it gives
the pages as MkDocs reads them, with their nav titles, and a Markdown parser with the site's
extensions. A generator without hooks still renders the same pages; its messages then name the
line in the Markdown it was given, and the site-wide list takes titles from the pages' headings.

It also resolves pymdownx.snippets' relative ``base_path`` (``includes`` in mkdocs.yml) from that
folder. mkdocs.yml holds a plain relative path because Zensical does not read MkDocs' ``!relative``
tag; Zensical, like ``make``, runs from the project folder, and with this hook ``mkdocs build -f
path/to/mkdocs.yml`` works from any folder.
"""

from pathlib import Path

import markdown
from mkdocs.utils.meta import get_data

from ucmsc import context


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
