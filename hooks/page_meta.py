"""page_meta hook: what a search engine and a reference manager need to know about a page.

For each page it puts a ``page_metadata`` dictionary into the template context (used by
overrides/main.html; the footer, overrides/partials/trust.html, needs no hook):

* ``head``: ``(attribute, name, content)`` triples for Open Graph, Twitter and Google Scholar
  (``citation_*``) meta tags about the page itself. The works it cites are listed once, in the
  JSON-LD (one ``citation_reference`` tag per work cost citing pages about 2.4 KiB gzip on every
  first load, and readers never see them);
* ``jsonld``: a schema.org ``MedicalWebPage`` (about rheumatoid arthritis, audience, last review,
  the works cited: those of the page's rendered References list, their fields from references.bib
  through ucmsc.bibliography) as a JSON string safe to place inside ``<script>``.

The title is the page's ``# `` heading and the review date its front matter's ``reviewed:``, read
as the footer reads them (hooks/review_dates.py checks the dates).
"""

from __future__ import annotations

import json

from markupsafe import Markup

from ucmsc import bibliography, citations, context

CONTENT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
ABOUT_RA = {"@type": "MedicalCondition", "name": "Rheumatoid arthritis", "alternateName": "RA"}
AUDIENCE = [
    {"@type": "Patient", "audienceType": "People with rheumatoid arthritis and their families"},
    {"@type": "MedicalAudience", "audienceType": "Clinician"},
    {"@type": "MedicalAudience", "audienceType": "MedicalResearcher"},
]


def schema_work(entry: dict) -> dict:
    """A cited work as schema.org CreativeWork (ScholarlyArticle when it has a journal).

    Kept short on purpose: title, year and DOI link identify the work, and the authors and
    journal are already in the page's visible reference list.
    Every byte of the head is downloaded with every page (on long pages the author lists here
    cost about 0.9 KB gzip).
    """
    work = {"@type": "ScholarlyArticle" if entry.get("journal") else "CreativeWork"}
    if entry.get("title"):
        work["name"] = entry["title"]
    if entry.get("year"):
        work["datePublished"] = entry["year"]
    if entry.get("doi"):
        work["url"] = f"https://doi.org/{entry['doi']}"
    return work


# JSON-LD sits in a <script> element, where "</script>" would end it early and "<!--" would change
# how the browser reads the rest; "<", ">" and "&" become JSON's \u escapes, which every JSON
# parser reads back as the same characters (inside strings, the only place JSON has them).
SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def page_metadata(*, title: str, description: str, url: str, site_name: str, author: str, reviewed: str,
                  works: list[dict], language: str = "en") -> dict:
    """The head's meta tags and JSON-LD for one page (pure function; unit-tested).
    ``reviewed`` is an ISO date (YYYY-MM-DD) or "" when the page has none."""
    head = [
        ("property", "og:type", "article"),
        ("property", "og:site_name", site_name),
        ("property", "og:title", title),
        ("property", "og:description", description),
        ("property", "og:url", url),
        ("property", "og:locale", "en_GB" if language == "en" else language),
        ("name", "twitter:card", "summary"),
        ("name", "twitter:title", title),
        ("name", "twitter:description", description),
        ("name", "citation_title", title),
        ("name", "citation_author", author),
        ("name", "citation_public_url", url),
        ("name", "citation_language", language),
    ]
    if reviewed:
        head.insert(11, ("name", "citation_publication_date", reviewed.replace("-", "/")))

    organisation = {"@type": "Organization", "name": author}
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": title,
        "headline": title,
        "description": description,
        "url": url,
        "inLanguage": language,
        "isPartOf": {"@type": "WebSite", "name": site_name},
        "about": ABOUT_RA,
        "audience": AUDIENCE,
        "author": organisation,
        "publisher": organisation,
        "license": CONTENT_LICENSE,
        "isAccessibleForFree": True,
    }
    if reviewed:
        data["lastReviewed"] = reviewed
        data["reviewedBy"] = organisation
    if works:
        data["citation"] = [schema_work(w) for w in works]
    jsonld = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(SCRIPT_SAFE)
    return {"head": head, "jsonld": jsonld}


def page_works(content: str, config) -> list[dict]:
    """The works a rendered page cites (its References list), with their fields from the .bib."""
    keys = citations.cited_keys(content)
    if not keys:
        return []
    options = config.mdx_configs.get("ucmsc.citations", {})
    path = context.resolve(options.get("bib_file", "references.bib"))
    try:
        bib = bibliography.load(path, context.shown(path))
    except bibliography.BibError:  # reported by the citations extension
        return []
    return [w for w in (bibliography.work_fields(bib, k) for k in keys) if w is not None]


def on_page_context(context, page, config, nav):
    site_name = config.site_name
    heading = next(iter(page.toc), None)
    # the text of the "# " heading: Markdown's table of contents holds it as escaped HTML
    title = Markup(heading.title).striptags() if heading and heading.level == 1 else page.title or site_name
    context["page_metadata"] = page_metadata(
        title=title,
        description=(page.meta.get("description") or config.site_description or "").strip(),
        url=page.canonical_url or (config.site_url or "") + page.url,
        site_name=site_name,
        author=config.site_author or site_name,
        reviewed=str(page.meta.get("reviewed") or "")[:10],
        works=page_works(page.content or "", config),
        language=config.theme.get("language") or "en",
    )
    return context
