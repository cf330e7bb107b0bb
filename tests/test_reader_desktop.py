"""Issue 21, item 1: the evidence table on a wide screen. At 1280, 1440 and 1920 px every
study's main result is read beside its design and size, in body-size text, with nothing to
scroll sideways; item 9 (smaller): the filter and sort menus are 44 px tall with 16 px text.
Expected texts come from data/studies.yaml, read here; sizes from the page's own body text."""

from __future__ import annotations

import re

import pytest
import yaml

from sitekit import ROOT

pytestmark = pytest.mark.browser

STUDIES = yaml.safe_load((ROOT / "data" / "studies.yaml").read_text(encoding="utf-8"))["studies"]
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}

# Each card's study name, design-and-size cell and main-result cell, found by their column
# names as the reader sees them (the label drawn before each cell), with their boxes and sizes.
CARDS_JS = """() => {
  const body = parseFloat(getComputedStyle(document.querySelector('article.md-content__inner > p')).fontSize);
  const box = document.querySelector('.evidence-table__scroll');
  const byLabel = (row, name) => [...row.children].find(c => getComputedStyle(c, '::before').content === JSON.stringify(name));
  const rect = el => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, right: r.right, bottom: r.bottom, w: r.width}; };
  return {
    body,
    page: {sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth},
    box: {sw: box.scrollWidth, cw: box.clientWidth, ...rect(box)},
    cards: [...document.querySelectorAll('table.evidence-table__table tbody tr')].map(row => {
      const design = byLabel(row, 'Design and size'), result = byLabel(row, 'Main result');
      const c = result.cloneNode(true);
      c.querySelectorAll('sup').forEach(s => s.remove());
      return {
        id: row.id, study: row.querySelector('th[scope=row] a').textContent.trim(),
        studyBox: rect(row.querySelector('th[scope=row]')),
        design: rect(design), result: rect(result),
        size: parseFloat(getComputedStyle(result).fontSize),
        text: c.textContent.replace(/\\s+/g, ' '),
      };
    }),
  };
}"""


def _plain(value) -> str:
    text = re.sub(r"\[@[^\]]*\]", " ", str(value))
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<sup>([^<]*)</sup>", r"\1", text)
    return re.sub(r"\s+([.,;:)])", r"\1", " ".join(text.split()))


@pytest.mark.parametrize("width", [1280, 1440, 1920])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_result_beside_design_and_size_without_sideways_scrolling(browser, base_url, width, scheme):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        pg = context.new_page()
        pg.goto(base_url + "evidence/studies/")
        pg.locator(".evidence-table__filters").wait_for(state="visible")
        found = pg.evaluate(CARDS_JS)
    finally:
        context.close()
    assert found["page"]["sw"] <= found["page"]["cw"], f"the page scrolls sideways at {width} px"
    assert found["box"]["sw"] <= found["box"]["cw"], f"the studies scroll sideways inside their box: {found['box']}"
    assert [c["id"] for c in found["cards"]] == [f"study-{s['id']}" for s in STUDIES]
    left, right = found["box"]["x"], found["box"]["right"]
    for card, study in zip(found["cards"], STUDIES):
        design, result = card["design"], card["result"]
        assert abs(result["y"] - design["y"]) < 2, f"{study['id']}: the main result is not on the line of the design"
        assert result["x"] >= design["right"], f"{study['id']}: the main result is not beside the design: {card}"
        assert left - 1 <= design["x"] and result["right"] <= right + 1, f"{study['id']}: a cell leaves the frame"
        assert result["w"] >= 250, f"{study['id']}: main result squeezed into {result['w']} px"
        assert card["studyBox"]["bottom"] <= design["y"] + 1, f"{study['id']}: the study's name is not above its cells"
        assert card["size"] >= found["body"] - 0.5, f"{study['id']}: main result in {card['size']} px, body {found['body']} px"
        assert _plain(study["efficacy"]) in re.sub(r"\s+([.,;:)])", r"\1", " ".join(card["text"].split())), study["id"]
    print(f"\n{width} px {scheme}: main result at {found['cards'][0]['size']} px beside design, box {found['box']['cw']} px wide")


MENUS_JS = """() => [...document.querySelectorAll('.evidence-table__filters select')].map(s => {
  const r = s.getBoundingClientRect();
  return {id: s.id, height: r.height, font: parseFloat(getComputedStyle(s).fontSize)};
})"""


@pytest.mark.parametrize("viewport", [PHONE, {"viewport": {"width": 1280, "height": 900}}], ids=["375", "1280"])
def test_filter_and_sort_menus_are_44px_touch_targets_with_16px_text(browser, base_url, viewport):
    context = browser.new_context(**viewport)
    try:
        pg = context.new_page()
        pg.goto(base_url + "evidence/studies/")
        pg.locator(".evidence-table__filters").wait_for(state="visible")
        menus = pg.evaluate(MENUS_JS)
    finally:
        context.close()
    assert {m["id"] for m in menus} >= {"study-table-sort", "study-table-filter-source"}, menus
    small = [m for m in menus if m["height"] < 44 or m["font"] < 16]
    assert small == [], f"menus under 44 px or with text under 16 px: {small}"
