"""A real browser for the tests: Debian's Chromium driven by Playwright, and a page visit that
records every console and page error (map tiles answered locally with an empty image)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# A 1x1 transparent PNG.
EMPTY_TILE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


class Visit:
    """A page opened in a fresh context, with every console error and page error recorded."""

    def __init__(self, browser, base: str, width: int = 1280, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.base = base
        self.page.route(re.compile(r"^https://tile\.openstreetmap\.org/.*"), lambda route: route.fulfill(status=200, content_type="image/png", body=EMPTY_TILE))
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def open(self, path: str) -> Page:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self) -> None:
        self.context.close()


@contextmanager
def chromium():
    """Debian's Chromium, headless, with the flags every test uses."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is required (make test installs it)"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield instance
        finally:
            instance.close()


def open_section(page: Page, label: str) -> None:
    """Unfold an optional part of the contribution form, as a person does: by its title."""
    page.locator("details.optional > summary", has_text=label).first.click()
