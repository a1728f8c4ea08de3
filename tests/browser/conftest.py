"""A real headless Chromium (Debian's `chromium` package) driven by Playwright, and where screenshots go."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.devservers import ROOT, Servers
from tests.support.people import add_staff

CHROMIUM = os.environ.get("WEGWIJS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("WEGWIJS_REQUIRE_BROWSER") == "1"  # set by .ci/run: never skip there
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Chromium on a machine without a display or network: no sandbox (root in CI), no background traffic.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


# Module scope: Playwright's sync API keeps an event loop running while it is open, which would break the
# other tests' asyncio.run().
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM}: install Debian's chromium package (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def screenshot(request):
    """screenshot(page, "name"): a PNG under test-artifacts/screenshots/, named after the test."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="module")
def servers(tmp_path_factory, model_path):
    """The real servers with the demo staff accounts; colleagues answer at any hour."""
    running = Servers(tmp_path_factory.mktemp("browser"), extra_env={"WEGWIJS_OFFICE_HOURS": "mon-sun 00:00-23:59"})
    running.start()
    add_staff(running)
    yield running
    running.stop()


class Accessibility:
    """accessible(page, "name"): a screenshot, then axe-core's WCAG 2.1 AA rules on the page (or in the CSS
    selector `context`); every page's violations are kept, and accessible.assert_none() fails with all of
    them, so that one run shows everything to fix."""

    def __init__(self, screenshot) -> None:
        self.screenshot = screenshot
        self.reports: list = []

    def __call__(self, page, name: str, context=None) -> None:
        from tests.support import accessibility

        self.screenshot(page, name)
        found = accessibility.violations(page, context)
        if found:
            self.reports.append(accessibility.report(found, f"{name} ({page.url})"))

    def assert_none(self) -> None:
        if self.reports:
            pytest.fail("\n\n".join(self.reports), pytrace=False)


@pytest.fixture
def accessible(browser, screenshot):
    """See Accessibility. Without axe-core installed: skips, or fails where the browser tests must run
    (WEGWIJS_REQUIRE_BROWSER=1, as in .ci/run)."""
    from tests.support import accessibility

    if not accessibility.axe_installed():
        if REQUIRE_BROWSER:
            pytest.fail(accessibility.MISSING)
        pytest.skip(accessibility.MISSING)
    return Accessibility(screenshot)
