"""The site's engine: Python-Markdown extensions for citations and evidence blocks.

Each module is an extension named in mkdocs.yml's ``markdown_extensions`` by its module path
(``ucmsc.citations``, ...), so any generator that runs Python-Markdown (MkDocs, Zensical)
renders the same pages.
"""
