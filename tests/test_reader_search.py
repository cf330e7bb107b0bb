"""Issue 12, item 5: search answers readers' everyday questions, in the real browser with Material's
own search (the query typed into the search box, the first result read from the list).

The pages that answer the questions (the issue's list): FAQ, Safety and regulation, Clinical
studies. The References page is no search hit, and each glossary term is a hit of its own
(hooks/glossary.py); the terms are read here from includes/abbreviations.md."""

from __future__ import annotations

import json
import re

import pytest

from sitekit import ROOT, html_path, wait_for_material

ANSWERS = ["faq.md", "safety.md", "evidence/studies.md"]
QUESTIONS = ["side effects", "risks", "approved", "cost", "where can I get it", "remission"]
TERMS = re.findall(r"^\*\[([^\]]+)\]:", (ROOT / "includes" / "abbreviations.md").read_text(encoding="utf-8"), re.M)


def _url_path(site, md):
    return "/" + html_path(site, md).parent.relative_to(site).as_posix().lstrip(".").strip("/") + "/"


@pytest.fixture(scope="module")
def search(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url)
    wait_for_material(page)
    page.keyboard.press("/")  # Material's search shortcut

    def run(query):
        box = page.locator("input.md-search__input")
        box.fill("")
        box.fill(query)
        page.wait_for_function(
            "q => document.querySelector('.md-search-result__meta')?.textContent.trim() !== ''"
            " && document.querySelector('input.md-search__input').value === q", arg=query)
        page.wait_for_timeout(300)  # Material renders the list after the count
        return page.evaluate("""() => [...document.querySelectorAll('.md-search-result__item > a')]
            .map(a => ({path: new URL(a.href).pathname, hash: new URL(a.href).hash, text: a.innerText}))""")

    yield run
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("query", QUESTIONS)
def test_everyday_questions_find_the_answer_pages_first(search, site, query):
    results = search(query)
    assert results, f"no result for {query!r}"
    expected = {_url_path(site, md) for md in ANSWERS}
    assert results[0]["path"] in expected, f"{query!r}: first hit {results[0]['path']}, expected one of {expected}"


@pytest.mark.browser
@pytest.mark.parametrize("query", ["Ryoncil", "safety", "risks", "remission", "McInnes"])
def test_the_references_page_is_no_hit(search, site, query):
    paths = [r["path"] for r in search(query)]
    assert _url_path(site, "references.md") not in paths, f"{query!r}: {paths}"


@pytest.mark.browser
def test_a_glossary_term_is_a_hit_of_its_own(search, site):
    results = search("IDO")
    glossary = _url_path(site, "glossary.md")
    assert results[0]["path"] == glossary, results[:3]
    terms = [r for r in results if r["path"] == glossary and r["hash"]]
    assert terms and terms[0]["hash"] == "#term-ido", terms
    assert len(terms[0]["text"]) < 300, "the hit shows more than the one term"


def test_every_glossary_term_has_its_own_search_entry(site):
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    glossary = html_path(site, "glossary.md").parent.relative_to(site).as_posix() + "/"
    entries = {d["title"]: d for d in docs if d["location"].startswith(glossary + "#term-")}
    # plurals ("MSCs") are folded into the singular ("MSC") on the glossary page
    missing = [t for t in TERMS if t not in entries and t[:-1] not in entries]
    assert not missing, f"glossary terms without a search entry: {missing}"
    page = [d for d in docs if d["location"] == glossary]
    assert page and "Interleukin" not in page[0]["text"], "the whole list is still in the page's own entry"
