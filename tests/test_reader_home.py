"""Issue 12, items 2 and 8: Key points at body size; one "Not an approved treatment" notice right
under the title of the home, Clinical studies, Safety and FAQ pages (the issue's list); the home
page's Key points link, from the first screen, to the pages that answer the three questions
readers come with. Font sizes are read from the page, not assumed."""

from __future__ import annotations

import pytest

from sitekit import desktop_loads, desktop_probe, html_path, nav_pages, soup

# Every evidence and decision page (issue 21, item 6): the home page, the study pages, the
# summary of findings, risk of bias and forest plots, the registered trials, safety and regulation, considering a trial, FAQ.
NOTICE_PAGES = [
    "index.md", "evidence/studies.md", "evidence/details.md", "evidence/summary.md", "evidence/risk-of-bias.md",
    "evidence/trials.md", "safety.md", "considering-a-trial.md", "faq.md",
]
# question -> the page (and section) that answers it, from the issue
QUESTIONS = {
    "approved": ("safety.md", "#regulatory-status"),
    "risks": ("safety.md", ""),
    "trials": ("evidence/studies.md", ""),
}
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


def _path(site, md):
    return "/" + html_path(site, md).parent.relative_to(site).as_posix().lstrip(".").strip("/") + "/"


def _url(base_url, site, md):
    return base_url.rstrip("/") + _path(site, md).replace("//", "/")


def test_the_notice_is_on_every_evidence_and_decision_page_under_the_title_and_nowhere_else(site):
    texts = set()
    for md in nav_pages():
        article = soup(html_path(site, md)).select_one("article")
        notices = article.select(".not-approved")
        if md not in NOTICE_PAGES:
            assert not notices, f"{md}: the notice is meant for {NOTICE_PAGES} only"
            continue
        assert len(notices) == 1, f"{md}: {len(notices)} notices"
        first = article.find("h1").find_next_sibling()
        assert first is notices[0], f"{md}: the notice is not right under the title"
        assert "approved" in notices[0].get_text().lower()
        link = notices[0].find("a", href=True)
        assert link and ("safety/" in link["href"] or link["href"].startswith("./#")), (
            f"{md}: the notice's 'Why not' is no link to the Safety page ({link}): give its target under "
            "the snippet line, e.g. [not-approved]: safety.md#no-msc-product-is-approved-for-ra"
        )
        texts.add(" ".join(notices[0].get_text().split()))
    assert len(texts) == 1, f"the notice differs between pages: {texts}"


@desktop_probe("key points")
def key_points_and_notice(page) -> dict:
    return page.evaluate("""() => {
                const body = [...document.querySelectorAll('article > p')].map(p => parseFloat(getComputedStyle(p).fontSize));
                const key = [...document.querySelectorAll('article .admonition.abstract li, article .admonition.abstract p:not(.admonition-title)')]
                    .map(el => parseFloat(getComputedStyle(el).fontSize));
                const border = sel => { const el = document.querySelector(sel); return el && getComputedStyle(el).borderLeftColor; };
                return {body, key, keyBorder: border('article .admonition.abstract'), notice: border('article .not-approved')};
            }""")


@pytest.mark.browser
@pytest.mark.parametrize("md, scheme", desktop_loads())
def test_key_points_at_body_size_and_the_notice_stands_apart(desktop_load, md, scheme):
    """Every page, light and dark (1280 x 900), on the one desktop load the axe-core gate also reads."""
    sizes = desktop_load(md, scheme).probes["key points"]
    if not sizes["key"]:
        return  # a page without Key points
    assert sizes["body"], f"{md}: no body paragraph to compare with"
    body = max(set(sizes["body"]), key=sizes["body"].count)  # the usual paragraph size
    assert min(sizes["key"]) >= body, f"{md}: Key points at {min(sizes['key'])} px, body text at {body} px"
    if md in NOTICE_PAGES:
        assert sizes["notice"] and sizes["notice"] != sizes["keyBorder"], f"{md}: notice looks like Key points"


@pytest.mark.browser
@pytest.mark.parametrize("question", list(QUESTIONS))
def test_home_key_points_answer_the_three_questions_in_one_tap(browser, base_url, site, question):
    md, section = QUESTIONS[question]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(base_url)
        target = _path(site, md) + section
        links = page.locator("article .admonition.abstract a[href]")
        hrefs = links.evaluate_all("as => as.map(a => new URL(a.href).pathname + new URL(a.href).hash)")
        assert target in hrefs, f"no Key points link to {target}: {hrefs}"
        link = links.nth(hrefs.index(target))
        box = link.bounding_box()
        assert box["y"] + box["height"] <= 740, f"the link to {target} is below the first screen ({box})"
        link.tap()
        page.wait_for_url(lambda url: url.endswith(target) or url.endswith(target.rstrip("#")), timeout=5000)
    finally:
        context.close()
