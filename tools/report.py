"""`make report`: the site's quality figures in one table, checked against lighthouse-budget.json.

1. Builds the site strictly into a temp dir, and beside it a stock Material build of the same
   pages (tools/citation_timing.py's copy: no hooks, no overrides, only the search plugin), and
   serves both the way GitHub Pages does (tools/serve_gzip.py: gzip, under the site_url path).
2. For every page of the site, in the light and the dark scheme, in Chromium through Playwright:
   the first-load transfer (bytes the server sent: headers and gzip bodies of every resource)
   and the number of axe-core violations.
3. Lighthouse (pinned in package-lock.json, mobile defaults, simulated throttling) on a few pages
   (default: the home page and the four heaviest), each run alternating the site and the stock
   build so both meet the same machine load: the median of N runs (default 3) of the four
   category scores, LCP, CLS, FCP and TBT, printed side by side and dated.
4. Build time with and without citation processing (tools/citation_timing.py, median of
   several runs, as a ratio) and the scale run (tools/scale_site.py: 50 -> 100 -> 200 generated
   pages citing 2,000 synthetic references, in a temp dir).

Exit status 1 when a page misses a budget, so the GitHub workflow fails on it.

    .venv/bin/python tools/report.py [--schemes light dark] [--pages PATH ...]
                                     [--lighthouse-pages PATH ...] [--runs N]
                                     [--skip-timing] [--skip-scale] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from serve_gzip import serving, site_pages  # noqa: E402

BUDGET_FILE = ROOT / "lighthouse-budget.json"
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# The home page and the four pages heaviest on first load (issue 21, item 10).
LIGHTHOUSE_PAGES = ["", "ucmsc/mechanisms/", "safety/", "evidence/studies/", "evidence/summary/"]
METRICS = ("largest-contentful-paint", "cumulative-layout-shift", "first-contentful-paint", "total-blocking-time")
PHONE = {"viewport": {"width": 412, "height": 823}, "device_scale_factor": 1.75, "is_mobile": True, "has_touch": True}


# --------------------------------------------------------------------------- budgets


def load_budget(path: Path = BUDGET_FILE) -> dict:
    try:
        budget = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{path.name}: cannot read the budget ({exc}).") from exc
    for key in ("categories", "metrics", "transfer_kib", "axe_violations"):
        if key not in budget:
            raise SystemExit(f"{path.name}: missing {key!r}; see the $comment in the file.")
    return budget


def misses(row: dict, budget: dict) -> list[str]:
    """The budgets one result row (a page in one scheme) misses, in words."""
    out = []
    if row.get("lighthouse"):  # pages measured with Lighthouse (the others: transfer and axe only)
        for cat, least in budget["categories"].items():
            score = row.get("scores", {}).get(cat)
            if score is None or score < least:
                out.append(f"{cat} {score} < {least}")
        for metric, most in budget["metrics"].items():
            value = row.get("metrics", {}).get(metric)
            if value is None or value > most:
                out.append(f"{metric} {value} > {most}")
    if "transfer_bytes" not in row and "axe" not in row:
        return out
    if row.get("transfer_bytes") is None or row["transfer_bytes"] > budget["transfer_kib"] * 1024:
        out.append(f"transfer {row.get('transfer_bytes')} B > {budget['transfer_kib']} KiB")
    if row.get("axe") is None or row["axe"] > budget["axe_violations"]:
        out.append(f"axe {row.get('axe')} > {budget['axe_violations']}")
    return out


# --------------------------------------------------------------------------- measuring


def chromium_path() -> str:
    found = subprocess.run([sys.executable, str(ROOT / "tools" / "find_browser.py")], capture_output=True, text=True, check=False)
    if found.returncode != 0:
        raise SystemExit(found.stderr.strip() or "no Chromium found (see tools/find_browser.py)")
    path = found.stdout.strip().splitlines()[-1]
    if path == "playwright":
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
    return path


def build(site_dir: Path, strict: bool = True) -> float:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    cmd = [sys.executable, "-m", "mkdocs", "build", "--clean", "--quiet", "--site-dir", str(site_dir)]
    cmd.append("--strict" if strict else "--no-strict")
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit("The strict build failed, so there is nothing to measure:\n" + done.stderr[-4000:])
    return time.perf_counter() - start


def lighthouse(url: str, chrome: str, scheme: str, out_dir: Path, run: int = 0) -> dict:
    """One Lighthouse run (mobile defaults); the scores, LCP and CLS."""
    flags = CHROME_FLAGS + (["--force-dark-mode"] if scheme == "dark" else [])
    out = out_dir / f"lh-{abs(hash((url, scheme, run)))}.json"
    cmd = ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}", f"--chrome-flags={' '.join(flags)}"]
    done = subprocess.run(cmd, env=dict(os.environ, CHROME_PATH=chrome), capture_output=True, text=True, check=False, timeout=240)
    if done.returncode != 0 or not out.is_file():
        return {"error": (done.stderr.strip().splitlines() or ["lighthouse failed"])[-1]}
    lhr = json.loads(out.read_text(encoding="utf-8"))
    audits = lhr["audits"]
    failing = sorted(
        f"{cat}:{ref['id']}"
        for cat in CATEGORIES
        for ref in lhr["categories"][cat]["auditRefs"]
        if ref["weight"] > 0 and audits[ref["id"]].get("score") is not None and audits[ref["id"]]["score"] < 1
    )
    return {
        "scores": {c: round(lhr["categories"][c]["score"] * 100) for c in CATEGORIES},
        "metrics": {
            "largest-contentful-paint": round(audits["largest-contentful-paint"]["numericValue"]),
            "cumulative-layout-shift": round(audits["cumulative-layout-shift"]["numericValue"], 3),
            "first-contentful-paint": round(audits["first-contentful-paint"]["numericValue"]),
            "total-blocking-time": round(audits["total-blocking-time"]["numericValue"]),
        },
        "lighthouse_total_byte_weight": round(audits["total-byte-weight"]["numericValue"]),
        "below_full_marks": failing,
    }


def transfer_and_axe(browser, site_url, path: str, scheme: str, axe_source: str) -> dict:
    """First-load bytes on the wire (fresh context, phone) and axe-core violations."""
    context = browser.new_context(color_scheme=scheme, **PHONE)
    page = context.new_page()
    site_url.sent.clear()
    page.goto(site_url + path, wait_until="networkidle")
    page.wait_for_timeout(300)
    sent = sum(size for _, size in site_url.sent)
    requests = len(site_url.sent)
    page.add_script_tag(content=axe_source)
    violations = page.evaluate(
        "async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations.map(v => v.id)", AXE_TAGS
    )
    context.close()
    return {"transfer_bytes": sent, "requests": requests, "axe": len(violations), "axe_rules": violations}


# --------------------------------------------------------------------------- table


def table(rows: list[dict], budget: dict) -> str:
    head = f"{'page':<22} {'scheme':<6} {'perf':>4} {'a11y':>4} {'b-p':>4} {'seo':>4} {'LCP ms':>7} {'CLS':>5} {'KiB':>6} {'axe':>3}  budget"
    lines = [head, "-" * len(head)]
    for r in rows:
        s, m = r.get("scores", {}), r.get("metrics", {})
        missed = misses(r, budget)
        kib = f"{r['transfer_bytes'] / 1024:.1f}" if r.get("transfer_bytes") is not None else "-"
        lines.append(
            f"{('/' + r['page'])[:22]:<22} {r['scheme']:<6} {s.get('performance', '-'):>4} {s.get('accessibility', '-'):>4} "
            f"{s.get('best-practices', '-'):>4} {s.get('seo', '-'):>4} {m.get('largest-contentful-paint', '-'):>7} "
            f"{m.get('cumulative-layout-shift', '-'):>5} {kib:>6} {r.get('axe', '-'):>3}  "
            + ("ok" if not missed else "MISSED: " + "; ".join(missed))
        )
    return "\n".join(lines)


def median_of(runs: list[dict]) -> dict:
    """Per-figure medians of several Lighthouse runs of one page (failed runs left out)."""
    good = [r for r in runs if "scores" in r]
    if not good:
        return {"error": (runs[-1] if runs else {}).get("error", "no Lighthouse run succeeded"), "runs": 0}
    return {
        "scores": {c: statistics.median(r["scores"][c] for r in good) for c in CATEGORIES},
        "metrics": {m: statistics.median(r["metrics"][m] for r in good) for m in METRICS},
        "below_full_marks": sorted({a for r in good for a in r.get("below_full_marks", [])}),
        "runs": len(good),
    }


def build_stock(dest: Path) -> Path:
    """A stock Material build of the same pages (tools/citation_timing.py's copy); its site dir."""
    from citation_timing import stock_material

    config = stock_material(ROOT, dest / "project")
    site = dest / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    cmd = [sys.executable, "-m", "mkdocs", "build", "--clean", "--quiet", "-f", str(config), "--site-dir", str(site)]
    done = subprocess.run(cmd, cwd=config.parent, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit("The stock Material build failed:\n" + done.stderr[-4000:])
    return site


def compare_with_stock(site_url, stock_url, paths: list[str], runs: int, chrome: str, out_dir: Path) -> dict:
    """Lighthouse medians (light scheme, mobile) of each page on the site and on the stock build,
    the two measured in turn within each run."""
    raw: dict = {path: {"site": [], "stock": []} for path in paths}
    for run in range(runs):
        for path in paths:
            for name, url in (("site", site_url), ("stock", stock_url)):
                raw[path][name].append(lighthouse(url + path, chrome, "light", out_dir, run))
                print(f"  Lighthouse run {run + 1}/{runs}: /{path} ({name})", file=sys.stderr, flush=True)
    return {path: {name: median_of(results) for name, results in both.items()} for path, both in raw.items()}


def comparison_table(comparison: dict) -> str:
    head = (f"{'page':<22} {'perf site':>9} {'stock':>6} {'LCP ms site':>11} {'stock':>6} "
            f"{'FCP ms site':>11} {'stock':>6} {'TBT site':>8} {'stock':>6}")
    lines = [head, "-" * len(head)]
    for path, both in comparison.items():
        s, k = both["site"], both["stock"]

        def fig(r, group, key):
            return r.get(group, {}).get(key, "-")

        lines.append(
            f"{('/' + path)[:22]:<22} {fig(s, 'scores', 'performance'):>9} {fig(k, 'scores', 'performance'):>6} "
            f"{fig(s, 'metrics', 'largest-contentful-paint'):>11} {fig(k, 'metrics', 'largest-contentful-paint'):>6} "
            f"{fig(s, 'metrics', 'first-contentful-paint'):>11} {fig(k, 'metrics', 'first-contentful-paint'):>6} "
            f"{fig(s, 'metrics', 'total-blocking-time'):>8} {fig(k, 'metrics', 'total-blocking-time'):>6}"
        )
    site_lcp = [b["site"]["metrics"]["largest-contentful-paint"] for b in comparison.values() if "metrics" in b["site"]]
    stock_lcp = [b["stock"]["metrics"]["largest-contentful-paint"] for b in comparison.values() if "metrics" in b["stock"]]
    site_perf = [b["site"]["scores"]["performance"] for b in comparison.values() if "scores" in b["site"]]
    stock_perf = [b["stock"]["scores"]["performance"] for b in comparison.values() if "scores" in b["stock"]]
    if site_lcp and stock_lcp:
        lines.append(f"{'median of the pages':<22} {statistics.median(site_perf):>9} {statistics.median(stock_perf):>6} "
                     f"{statistics.median(site_lcp):>11} {statistics.median(stock_lcp):>6}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schemes", nargs="+", default=["light", "dark"], choices=["light", "dark"])
    parser.add_argument("--pages", nargs="*", help="URL paths to measure transfer and axe on (default: every page)")
    parser.add_argument("--lighthouse-pages", nargs="*", default=LIGHTHOUSE_PAGES,
                        help="URL paths to run Lighthouse on, beside the stock build (default: home and the four heaviest)")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page and build (the median is reported)")
    parser.add_argument("--skip-timing", action="store_true", help="skip the with/without-citations build timing")
    parser.add_argument("--skip-scale", action="store_true", help="skip the 50/100/200-page scale run")
    parser.add_argument("--timing-runs", type=int, default=5)
    parser.add_argument("--scale-timeout", type=float, default=900, help="seconds allowed per scale-run size")
    parser.add_argument("--no-strict", action="store_true", help="measure a non-strict build (diagnosis only: the report says so)")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)

    for needed in (LIGHTHOUSE, AXE_JS):
        if not needed.is_file():
            raise SystemExit(f"{needed.relative_to(ROOT)} is missing: run `make report` (it runs `npm ci`).")
    if not shutil.which("node"):
        raise SystemExit("Node.js is needed for Lighthouse (Node 18.16 or later).")
    budget = load_budget()
    chrome = chromium_path()
    axe_source = AXE_JS.read_text(encoding="utf-8")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    report: dict = {"date": when, "budget": budget, "pages": []}

    with tempfile.TemporaryDirectory(prefix="site-report-") as tmp:
        tmp = Path(tmp)
        site = tmp / "site"
        seconds = build(site, strict=not args.no_strict)
        print(f"Built the site in {seconds:.1f} s ({'NOT strict: diagnosis only' if args.no_strict else 'strict'}).", flush=True)
        stock = build_stock(tmp / "stock")
        paths = args.pages if args.pages else site_pages(site)
        from playwright.sync_api import sync_playwright

        with serving(site) as url, serving(stock) as stock_url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chrome, headless=True, args=CHROME_FLAGS[1:])
            for path in paths:
                for scheme in args.schemes:
                    row = {"page": path, "scheme": scheme}
                    row.update(transfer_and_axe(browser, url, path, scheme, axe_source))
                    report["pages"].append(row)
                    print(f"  measured /{path} ({scheme})", file=sys.stderr, flush=True)
            browser.close()
            comparison = compare_with_stock(url, stock_url, args.lighthouse_pages, args.runs, chrome, tmp)
        report["lighthouse_vs_stock"] = comparison
        for path, both in comparison.items():
            row = {"page": path, "scheme": "light", "lighthouse": True, **both["site"]}
            report["pages"].append(row)

    rows = report["pages"]
    version = json.loads((ROOT / "node_modules/lighthouse/package.json").read_text())["version"]
    print()
    print(f"Measured {when}. Transfer = bytes sent for the first load (gzip, headers included), phone, "
          f"every page, light and dark; budgets from {BUDGET_FILE.name}.")
    print(table([r for r in rows if not r.get("lighthouse")], budget))
    print()
    print(f"Lighthouse {version}, mobile defaults, simulated throttling, light scheme; median of {args.runs} runs per "
          f"page and build, the site and a stock Material build of the same pages measured in turn ({when}):")
    print(comparison_table(comparison))
    print()
    print(table([r for r in rows if r.get("lighthouse")], budget))
    failing = [r for r in rows if misses(r, budget)]
    for r in failing:
        detail = ", ".join(r.get("below_full_marks", [])) or r.get("error", "")
        rules = ", ".join(r.get("axe_rules", []))
        print(f"  /{r['page']} ({r['scheme']}): below full marks: {detail or '-'}" + (f"; axe: {rules}" if rules else ""))
    kib = [r["transfer_bytes"] / 1024 for r in rows if r.get("transfer_bytes") is not None]
    if kib:
        print(f"Transfer per page: median {statistics.median(kib):.1f} KiB, max {max(kib):.1f} KiB (budget {budget['transfer_kib']} KiB).")

    if not args.skip_timing:
        try:
            from citation_timing import measure as citation_measure
        except ImportError:
            print("\nCitation build timing: tools/citation_timing.py is not available.")
        else:
            try:
                t = citation_measure(args.timing_runs)
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - report the figure as missing, keep going
                report["citation_timing"] = {"error": f"{type(exc).__name__}: {exc}"}
                print(f"\nCitation build timing failed (tools/citation_timing.py): {type(exc).__name__}: {exc}")
            else:
                report["citation_timing"] = t
                print(f"\nBuild time, median of {t['runs']} runs: with citations {t['with_citations_s']:.2f} s, "
                      f"without {t['without_citations_s']:.2f} s, ratio {t['ratio']:.2f}; stock Material "
                      f"{t['stock_material_s']:.2f} s, ratio {t['ratio_to_stock']:.2f} (targets at most {t['target_ratio']}); "
                      f"rebuild after a save under make serve {t['rebuild_after_save_s']:.2f} s.")

    if not args.skip_scale:
        from scale_site import measure as scale_measure

        scale = scale_measure((50, 100, 200), 2000, 1, args.scale_timeout)
        report["scale"] = scale
        print("\nScale run (generated site, 2,000 synthetic references, one build each):")
        for r in scale:
            if r.get("seconds"):
                print(f"  {r['pages']:>3} pages: {r['seconds']:8.2f} s  ({r['s_per_page']:.3f} s/page; x{r['x_time']} time for x{r['x_pages']} pages; {r['warnings']} warnings)")
            else:
                print(f"  {r['pages']:>3} pages: no figure ({r['error']})")

    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if failing:
        print(f"\n{len(failing)} of {len(rows)} page/scheme results miss a budget.")
        return 1
    print(f"\nAll {len(rows)} page/scheme results meet the budgets.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
