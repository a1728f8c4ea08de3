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
