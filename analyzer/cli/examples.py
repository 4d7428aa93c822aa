"""Regenerate the example reports in reports/examples/ from the samples, and their screenshots.

    python -m analyzer.cli.examples             # every sample; screenshots where Chromium is installed
    python -m analyzer.cli.examples poll-list   # one sample

Run from anywhere; paths are relative to the repository root. Screenshots need Playwright and Debian's
Chromium (/usr/bin/chromium); without them the other files are still written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = Path("reports") / "examples"
# The samples whose page is photographed (the first is the one the project README shows).
SCREENSHOTS = ("detail-watch-then-poll", "http1-saturation")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run")  # fmt: skip


def write_example(name: str) -> Path:
    """reports/examples/<name>/ from samples/<name>.har (paths relative to the repository root)."""
    from analyzer.analysis.analyze import analyze
    from analyzer.cli.report import write_folder
    from analyzer.har.loader import load_capture
    from analyzer.render.folder import build_report

    folder = EXAMPLES / name
    write_folder(folder, build_report(analyze(load_capture(Path("samples") / f"{name}.har"))).files)
    return folder


def screenshot(page: Path, png: Path, width: int = 1280) -> None:
    """A full-page PNG of the report `page`, opened from disk in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS))
        tab = browser.new_page(viewport={"width": width, "height": 900})
        tab.goto(page.resolve().as_uri())
        tab.wait_for_selector("#timeline .barlayer")
        tab.wait_for_timeout(300)  # Plotly's last relayout
        tab.screenshot(path=str(png), full_page=True)
        browser.close()


def main(argv: Sequence[str] | None = None) -> None:
    os.chdir(REPO)
    names = list(argv if argv is not None else sys.argv[1:]) or sorted(p.stem for p in Path("samples").glob("*.har"))
    can_photograph = CHROMIUM.is_file() and _has_playwright()
    for name in names:
        folder = write_example(name)
        print(f"wrote {folder}/")
        if name in SCREENSHOTS and can_photograph:
            screenshot(folder / "index.html", folder / "screenshot.png")
            print(f"wrote {folder}/screenshot.png")
    if not can_photograph:
        print(f"no screenshots: they need Playwright and {CHROMIUM}", file=sys.stderr)


def _has_playwright() -> bool:
    import importlib.util

    return importlib.util.find_spec("playwright") is not None


if __name__ == "__main__":
    main()
