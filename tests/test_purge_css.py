"""hooks/purge_css.py: Material's style sheets keep every rule the built pages can use, and lose
the rest. Real PurgeCSS runs here (Node, node_modules from package-lock.json)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import material
import pytest
from mkdocs.exceptions import PluginError

from sitekit import ROOT

sys.path.insert(0, str(ROOT / "hooks"))
import purge_css  # noqa: E402

THEME_CSS = Path(material.__file__).parent / "templates" / "assets" / "stylesheets"


def _classes_in_html(site: Path) -> set[str]:
    found: set[str] = set()
    for page in site.rglob("*.html"):
        for value in re.findall(r'class="?([^">]+)', page.read_text(encoding="utf-8")):
            found.update(value.split())
    return found


def _has_class_rule(css: str, name: str) -> bool:
    return re.search(r"\." + re.escape(name) + r"(?![\w-])", css) is not None


@pytest.mark.parametrize("pattern", purge_css.THEME_SHEETS)
def test_built_sheet_is_purged_and_keeps_every_class_the_pages_use(site, pattern):
    built = next(site.glob(pattern))
    original = (THEME_CSS / built.name).read_text(encoding="utf-8")
    purged = built.read_text(encoding="utf-8")
    assert len(purged) < 0.9 * len(original), f"{built.name} was not purged ({len(purged)} of {len(original)} bytes)"
    assert not built.with_name(built.name + ".map").exists(), "a source map of the unpurged sheet was left behind"
    lost = sorted(c for c in _classes_in_html(site) if _has_class_rule(original, c) and not _has_class_rule(purged, c))
    assert lost == [], f"{built.name}: rules lost for classes the pages use: {lost}"


def test_built_main_sheet_drops_features_the_site_does_not_use(site):
    purged = next(site.glob(purge_css.THEME_SHEETS[0])).read_text(encoding="utf-8")
    for unused in ("md-consent", "md-banner", "md-post"):  # cookie consent, banner, blog
        assert not _has_class_rule(purged, unused), unused
    # classes that only Material's bundle puts in the page (search results, tooltips, dialog, tables)
    for kept in ("md-search-result__article", "md-tooltip2--active", "md-dialog--active", "md-typeset__scrollwrap"):
        assert _has_class_rule(purged, kept), kept


def _tiny_site(tmp_path: Path) -> Path:
    sheets = tmp_path / "assets" / "stylesheets"
    sheets.mkdir(parents=True)
    (sheets / "main.0000.min.css").write_text(".used{color:red}.unused{color:blue}.from-js{color:green}")
    (sheets / "main.0000.min.css.map").write_text("{}")
    (sheets / "site.min.css").write_text(".own-unused{color:red}")
    scripts = tmp_path / "assets" / "javascripts"
    scripts.mkdir(parents=True)
    (scripts / "bundle.js").write_text('el.className = "from-js"')
    (tmp_path / "index.html").write_text('<p class="used">x</p>')
    return tmp_path


def test_purge_keeps_classes_from_html_and_scripts_only(tmp_path):
    site = _tiny_site(tmp_path)
    assert [p.name for p in purge_css.purge(site)] == ["main.0000.min.css"]
    css = (site / "assets/stylesheets/main.0000.min.css").read_text()
    assert ".used" in css and ".from-js" in css and ".unused" not in css
    assert not (site / "assets/stylesheets/main.0000.min.css.map").exists()
    assert (site / "assets/stylesheets/site.min.css").read_text() == ".own-unused{color:red}"  # ours: untouched


def test_serve_skips_purging(tmp_path, monkeypatch):
    site = _tiny_site(tmp_path)
    monkeypatch.setattr(purge_css, "_command", "build")
    purge_css.on_startup(command="serve", dirty=False)
    purge_css.on_post_build({"site_dir": str(site)})
    assert ".unused" in (site / "assets/stylesheets/main.0000.min.css").read_text()


def test_missing_purgecss_names_the_fix(tmp_path, monkeypatch):
    site = _tiny_site(tmp_path)
    monkeypatch.setattr(purge_css, "PURGECSS", tmp_path / "missing" / "purgecss.js")
    with pytest.raises(PluginError, match=r"make build.*npm ci"):
        purge_css.purge(site)


def test_every_custom_property_in_use_is_still_defined(site):
    """PurgeCSS also drops custom properties no kept rule uses (hooks/purgecss.config.cjs). What a
    kept rule, or the site's own site.css, reads with var() must still be defined in one of the
    built sheets, unless Material's bundle sets it at run time or the var() has a fallback. (The
    dark scheme's colours are computed from --md-hue: without it the page turns transparent.)"""
    sheets = sorted((site / "assets" / "stylesheets").glob("*.css"))
    css = "".join(sheet.read_text(encoding="utf-8") for sheet in sheets)
    scripts = "".join(js.read_text(encoding="utf-8") for js in (site / "assets" / "javascripts").glob("bundle.*.js"))
    defined = set(re.findall(r"(--[\w-]+)\s*:", css))
    undefined = sorted({name for name, fallback in re.findall(r"var\(\s*(--[\w-]+)\s*(,)?", css)
                        if name not in defined and not fallback and name not in scripts})
    assert len(sheets) == 3 and "--md-hue" in css
    assert undefined == [], f"custom properties used but no longer defined: {undefined} (hooks/purgecss.config.cjs safelist)"


def test_a_kept_result_serves_the_same_inputs_and_any_changed_input_runs_purgecss(tmp_path, monkeypatch):
    """.cache/purgecss/: an unchanged site takes the sheets a run made for it; a changed page,
    script, sheet or setting runs PurgeCSS again (whose output then shows the change)."""
    runs = []
    real_run = purge_css.run_purgecss
    monkeypatch.setattr(purge_css, "run_purgecss", lambda *args: runs.append(args) or real_run(*args))
    cache = tmp_path / "cache"
    sheet = "assets/stylesheets/main.0000.min.css"

    def build(name: str, change=None) -> str:
        site = _tiny_site(tmp_path / name)
        if change:
            change(site)
        purge_css.purge(site, cache)
        assert not (site / (sheet + ".map")).exists()
        return (site / sheet).read_text()

    first = build("first")
    assert len(runs) == 1 and ".used" in first and ".unused" not in first
    assert build("same") == first and len(runs) == 1, "the same inputs ran PurgeCSS again"

    changed_page = build("page", lambda site: (site / "index.html").write_text('<p class="used unused">x</p>'))
    assert len(runs) == 2 and ".unused" in changed_page
    changed_script = build("script", lambda site: (site / "assets/javascripts/bundle.js").write_text('x = "unused"'))
    assert len(runs) == 3 and ".unused" in changed_script and ".from-js" not in changed_script
    changed_sheet = build("sheet", lambda site: (site / sheet).write_text(".used{color:black}"))
    assert len(runs) == 4 and changed_sheet.replace(" ", "") == ".used{color:black}"
    settings = tmp_path / "purgecss.config.cjs"
    settings.write_text("module.exports = { safelist: ['unused'] }")
    monkeypatch.setattr(purge_css, "SETTINGS", settings)
    assert ".unused" in build("settings") and len(runs) == 5

    monkeypatch.setattr(purge_css, "SETTINGS", Path(purge_css.__file__).parent / "purgecss.config.cjs")
    for kept in cache.glob("*.json"):
        kept.write_text("{not json")  # a damaged cache: run again, never fail
    assert build("damaged") == first and len(runs) == 6


def test_built_sheets_are_what_a_fresh_purgecss_run_makes(site, tmp_path):
    """Whether the build ran PurgeCSS or took its result from .cache/purgecss/, the built sheets
    are byte for byte those a run with no cache makes from Material's sheets and the built pages."""
    fresh = tmp_path / "site"
    shutil.copytree(site, fresh)
    built = sorted(sheet for pattern in purge_css.THEME_SHEETS for sheet in fresh.glob(pattern))
    assert len(built) == 2
    for sheet in built:
        shutil.copyfile(THEME_CSS / sheet.name, sheet)
    purge_css.purge(fresh)
    for sheet in built:
        assert sheet.read_bytes() == (site / sheet.relative_to(fresh)).read_bytes(), sheet.name
