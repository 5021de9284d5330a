"""Browser fixtures: Debian's Chromium driven by Playwright, and the portal as a live server beside the sandbox."""

import os

import pytest



CHROMIUM_PATH = "/usr/bin/chromium"
# Without the networking flags Chromium reaches for Google's hosts at start-up, which this closed
# network refuses; --no-sandbox is needed because the tests run as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM_PATH):
        pytest.fail(f"Chromium is missing at {CHROMIUM_PATH}; install Debian's chromium package.")
    # Playwright runs an event loop in this thread, and Django refuses ORM calls from a thread with a
    # running loop unless DJANGO_ALLOW_ASYNC_UNSAFE declares the calls synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium):
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def portal(live_server, sandbox, settings):
    """The portal as a live server, configured to offer the running sandbox as its Sandbox region."""
    settings.MIRA_PUBLIC_BASE_URL = live_server.url
    settings.MIRA_SANDBOX_URL = sandbox.base_url
    settings.CSRF_TRUSTED_ORIGINS = [live_server.url]
    return live_server


def close_popup(popup) -> None:
    """Click the popup's Close button; the window may close before Playwright finishes the click."""
    from playwright.sync_api import Error as PlaywrightError

    with popup.expect_event("close"):
        try:
            popup.click("#popup-close")
        except PlaywrightError:
            if not popup.is_closed():
                raise
