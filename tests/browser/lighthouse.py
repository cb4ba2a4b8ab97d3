"""Print Lighthouse's performance and accessibility scores for the home page and an article.

Usage: python tests/browser/lighthouse.py [--site OUTPUT_DIR] [--runs N] [--json]

Without --site it builds the sample site (pelicanconf.py, relative URLs) into a
temporary folder. The site is served on 127.0.0.1 (a free port) and Lighthouse 12
from node_modules (`npm ci`) drives Debian's Chromium (CHROME_PATH). Reports are
kept in test-artifacts/lighthouse-<page>-<run>.json. With --runs N each page is
audited N times and the median score is printed, as Lighthouse's own guidance on
variance recommends (a busy machine slows single runs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path
import subprocess
import sys
import tempfile

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from support.browser import CHROMIUM, CHROMIUM_ARGS, artifact_path, serve_directory  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility")
#: Chromium flags for Lighthouse: the new headless mode; without --no-sandbox it cannot start as root.
CHROME_FLAGS = ["--headless=new", *(a for a in CHROMIUM_ARGS if a != "--headless")]
FLAGSHIP = "social-media-im-silo"


def build(output: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pelican", str(ROOT / "content"), "-s", str(ROOT / "pelicanconf.py"),
         "-o", str(output), "--log-handler", "plain"],
        cwd=ROOT, check=True, stdin=subprocess.DEVNULL,
    )


def article_path(site: Path) -> str:
    """The URL path of the German flagship article, found in the build."""
    for page in sorted(site.rglob("index.html")):
        if page.parent.name == FLAGSHIP and 'lang="de"' in page.read_text(encoding="utf-8")[:2000]:
            return page.relative_to(site).parent.as_posix() + "/"
    raise SystemExit(f"no German page for {FLAGSHIP} in {site}")


def audit(url: str, name: str, runs: int = 1) -> dict[str, int]:
    """Each category's median score (0..100) over ``runs`` Lighthouse runs."""
    scores = [audit_once(url, f"{name}-{run}") for run in range(1, runs + 1)]
    return {c: int(statistics.median(s[c] for s in scores)) for c in CATEGORIES}


def audit_once(url: str, name: str) -> dict[str, int]:
    """Run Lighthouse once; return each category's score as 0..100."""
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} missing: run `npm ci --ignore-scripts`")
    report = artifact_path(f"lighthouse-{name}.json")
    subprocess.run(
        [str(LIGHTHOUSE), url, f"--only-categories={','.join(CATEGORIES)}", "--output=json",
         f"--output-path={report}", "--quiet", f"--chrome-flags={' '.join(CHROME_FLAGS)}"],
        check=True, stdin=subprocess.DEVNULL, timeout=300,
        env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", CHROMIUM)},
    )
    data = json.loads(report.read_text(encoding="utf-8"))
    if data.get("runtimeError"):
        raise SystemExit(f"Lighthouse failed on {url}: {data['runtimeError']}")
    return {c: round(100 * (data["categories"][c]["score"] or 0)) for c in CATEGORIES}


def run(site: Path, runs: int = 1) -> dict[str, dict[str, int]]:
    """Scores for the home page and the flagship article of a built site."""
    with serve_directory(site) as base:
        return {
            "home": audit(base, "home", runs),
            "article": audit(base + article_path(site), "article", runs),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build the sample site)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median counts")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="diskurs-lighthouse-") as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "output"
            build(site)
        scores = run(site.resolve(), max(1, args.runs))
    if args.json:
        print(json.dumps(scores))
        return
    for page, values in scores.items():
        print(f"{page:8} " + "  ".join(f"{c} {v}" for c, v in values.items()))


if __name__ == "__main__":
    main()
