"""page_meta hook: what a reader, a search engine and a reference manager need to know about a page.

For each page it puts a ``trust`` dictionary into the template context (used by
overrides/main.html and overrides/partials/trust.html):

* ``head``: ``(attribute, name, content)`` triples for Open Graph, Twitter and Google Scholar
  (``citation_*``) meta tags about the page itself. The works it cites are listed once, in the
  JSON-LD (one ``citation_reference`` tag per work cost citing pages about 2.4 KiB gzip on every
  first load, and readers never see them);
* ``jsonld``: a schema.org ``MedicalWebPage`` (about rheumatoid arthritis, audience, last review,
  the works cited: those of the page's rendered References list, their fields from references.bib
  through ucmsc.bibliography) as a JSON string safe to place inside ``<script>``;
* ``reviewed`` / ``next_review`` (ISO and human-readable) for the "Last reviewed" line;
* ``citation`` and ``bibtex``: the "Cite this page" text and BibTeX entry.
"""

from __future__ import annotations

import datetime
import json
import re

import lxml.html


from ucmsc import bibliography, citations, context

CONTENT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
ABOUT_RA = {"@type": "MedicalCondition", "name": "Rheumatoid arthritis", "alternateName": "RA"}
AUDIENCE = [
    {"@type": "Patient", "audienceType": "People with rheumatoid arthritis and their families"},
    {"@type": "MedicalAudience", "audienceType": "Clinician"},
    {"@type": "MedicalAudience", "audienceType": "MedicalResearcher"},
]


def page_heading(content: str, fallback: str) -> str:
    """The text of the page's <h1> (without its permalink), or ``fallback``."""
    root = lxml.html.fragment_fromstring(content, create_parent="div") if content.strip() else None
    heading = root.find(".//h1") if root is not None else None
    if heading is None:
        return fallback
    for link in heading.find_class("headerlink"):
        link.drop_tree()
    return " ".join(heading.text_content().split())


def review_date(value) -> datetime.date | None:
    """A front matter date (YAML's date, or an ISO string); None otherwise (hooks/review_dates.py
    reports it)."""
    if isinstance(value, datetime.date):
        return value.date() if isinstance(value, datetime.datetime) else value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


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


def long_date(date) -> str:
    return f"{date.day} {date.strftime('%B %Y')}"


def bibtex_key(url_path: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "", url_path.lower()) or "home"
    return f"ucmscra_{slug}"


# JSON-LD sits in a <script> element, where "</script>" would end it early and "<!--" would change
# how the browser reads the rest; "<", ">" and "&" become JSON's \u escapes, which every JSON
# parser reads back as the same characters (inside strings, the only place JSON has them).
SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def page_trust(*, title: str, description: str, url: str, url_path: str, site_name: str, author: str,
               reviewed, next_review, works: list[dict], language: str = "en") -> dict:
    """Everything the templates show or embed for one page (pure function; unit-tested)."""
    has_dates = isinstance(reviewed, datetime.date) and isinstance(next_review, datetime.date)
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
    if has_dates:
        head.insert(11, ("name", "citation_publication_date", reviewed.strftime("%Y/%m/%d")))

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
    if has_dates:
        data["lastReviewed"] = reviewed.isoformat()
        data["reviewedBy"] = organisation
    if works:
        data["citation"] = [schema_work(w) for w in works]
    jsonld = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(SCRIPT_SAFE)

    year = reviewed.year if has_dates else ""
    reviewed_text = f" Last reviewed {long_date(reviewed)}." if has_dates else ""
    citation = f"{author}. {title}. {site_name}. {url}.{reviewed_text} Accessed [date]."
    bibtex = "\n".join(
        [
            f"@misc{{{bibtex_key(url_path)},",
            f"  author       = {{{{{author}}}}},",
            f"  title        = {{{{{title}}}}},",
            f"  howpublished = {{{site_name}}},",
            f"  year         = {{{year}}},",
            f"  url          = {{{url}}},",
            f"  note         = {{Last reviewed {reviewed.isoformat() if has_dates else 'n.d.'}; accessed YYYY-MM-DD}}",
            "}",
        ]
    )
    return {
        "title": title,
        "head": head,
        "jsonld": jsonld,
        "reviewed": reviewed.isoformat() if has_dates else None,
        "reviewed_text": long_date(reviewed) if has_dates else None,
        "next_review": next_review.isoformat() if has_dates else None,
        "next_review_text": long_date(next_review) if has_dates else None,
        "citation": citation,
        "bibtex": bibtex,
    }


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
    works = page_works(page.content or "", config)
    site_name = config.site_name
    title = page_heading(page.content or "", page.title or site_name)
    url = page.canonical_url or (config.site_url or "") + page.url
    context["trust"] = page_trust(
        title=title,
        description=(page.meta.get("description") or config.site_description or "").strip(),
        url=url,
        url_path=page.url,
        site_name=site_name,
        author=config.site_author or site_name,
        reviewed=review_date(page.meta.get("reviewed")),
        next_review=review_date(page.meta.get("next_review")),
        works=works,
        language=config.theme.get("language") or "en",
    )
    return context
