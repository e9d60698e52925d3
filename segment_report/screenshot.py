"""A PNG of the report, rendered by Debian's Chromium through playwright (nothing downloaded)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def take_screenshot(
    html_path: Path, png_path: Path, width: int = 1280, height: int | None = None
) -> None:
    """Render the report in headless Chromium and save a PNG: the full page, or its top
    `height` pixels."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, args=list(CHROMIUM_ARGS)
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(html_path.resolve().as_uri())
            page.wait_for_function("document.body.dataset.chartsDrawn !== undefined")
            png_path.parent.mkdir(parents=True, exist_ok=True)
            if height is None:
                page.screenshot(path=str(png_path), full_page=True)
            else:
                page.screenshot(
                    path=str(png_path),
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height},
                )
        finally:
            browser.close()
