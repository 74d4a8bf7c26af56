"""Real headless Chromium (the session's one ``browser``, see ``tests/browser.py``) driving the
``warroom dev`` page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import WAIT_MS
from tests.sandbox.conftest import dev_options
from warroom_sandbox.dev import DevSandbox

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
VIEWPORT = {"width": 1180, "height": 720}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevSandbox]:
    with DevSandbox(dev_options(tmp_path_factory.mktemp("browser"))) as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"the page's script failed: {errors}"


def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """Save the viewport (``full_page``: the whole page, scrolled) as
    ``docs/screenshots/<name>.png`` (the README shows them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"), animations="disabled", full_page=full_page
    )
