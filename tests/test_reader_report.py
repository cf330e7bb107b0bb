"""Issue 21, item 11: "Report a mistake" on every page. With an address in mkdocs.yml
(extra.report_address) it is an e-mail, needing no account, with the page's title and address
filled in; without one, a GitHub issue with the same text (repo_url + /issues/new). Expected values
come from mkdocs.yml (read here), each page's <h1> and its canonical address in the built HTML."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from sitekit import ROOT, build_site, html_path, nav_pages, soup

NAV = nav_pages()
TEST_ADDRESS = "corrections@example.org"  # example.org: reserved for examples (RFC 2606)


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!ENV", lambda loader, node: loader.construct_sequence(node)[-1])  # its default
_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
CONFIG = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)


def _report_link(site, md):
    doc = soup(html_path(site, md))
    links = [a for a in doc.select("article a[href]") if " ".join(a.get_text().split()) == "Report a mistake"]
    assert len(links) == 1, f"{md}: {len(links)} 'Report a mistake' links"
    title = " ".join(doc.select_one("article h1").get_text(" ", strip=True).rstrip("¶").split())
    return links[0]["href"], title, doc.select_one("link[rel=canonical]")["href"]


def _check(query, title, canonical, md):
    fields = parse_qs(query)
    subject = fields.get("title", fields.get("subject"))[0]
    assert title in subject, f"{md}: the report's title {subject!r} does not name the page {title!r}"
    assert canonical in fields["body"][0], f"{md}: the report's text does not give the page's address {canonical}"


def test_the_configuration_ships_without_an_address():
    assert "report_address" in CONFIG["extra"], "mkdocs.yml: extra.report_address is the one place for the address"
    assert not CONFIG["extra"]["report_address"], "no address is made up: the maintainers set it"


@pytest.mark.parametrize("md", NAV)
def test_without_an_address_a_prefilled_github_issue(site, md):
    href, title, canonical = _report_link(site, md)
    url = urlsplit(href)
    repo = urlsplit(CONFIG["repo_url"].rstrip("/"))
    assert (url.scheme, url.netloc, url.path) == (repo.scheme, repo.netloc, repo.path + "/issues/new"), href
    _check(url.query, title, canonical, md)


@pytest.fixture(scope="module")
def site_with_address(tmp_path_factory):
    site_dir = tmp_path_factory.mktemp("site-report")
    build_site(ROOT / "mkdocs.yml", site_dir, extra={**CONFIG["extra"], "report_address": TEST_ADDRESS})
    return site_dir


@pytest.mark.parametrize("md", ["index.md", "safety.md", "evidence/studies.md", "glossary.md"])
def test_with_an_address_an_email_that_needs_no_account(site_with_address, md):
    href, title, canonical = _report_link(site_with_address, md)
    url = urlsplit(href)
    assert url.scheme == "mailto" and url.path == TEST_ADDRESS, href
    _check(url.query, title, canonical, md)


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_link_is_visible_at_the_page_end_on_a_phone(browser, base_url, scheme):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(base_url + "safety/")
        link = page.get_by_role("link", name="Report a mistake")
        link.scroll_into_view_if_needed()
        assert link.is_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    finally:
        context.close()
