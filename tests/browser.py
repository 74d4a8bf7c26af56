"""One headless Chromium (Debian's ``/usr/bin/chromium``, never downloaded) for every browser test.

Playwright's sync API allows one running instance per process, so the session has exactly one
``browser`` fixture, registered by ``tests/conftest.py``. Without Chromium the browser tests skip,
saying why; under CI (``CI=true``) a missing Chromium fails them, so CI cannot pass without them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.ci import IN_CI

CHROMIUM = Path(os.environ.get("WARROOM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 45_000
"""How long an expectation may take: the bot works asynchronously and CI machines are busy."""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) "
            "to run the browser tests"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_served(page: Page, url: str) -> None:
    """Open ``url`` as a person would: a page answered 503 "reload in a moment" (a read that a
    busy machine kept past its bound) is reloaded until it is served."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        response = page.goto(url)
        if response is None or response.status != 503 or time.monotonic() > deadline:
            return
        time.sleep(0.5)
