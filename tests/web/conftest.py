"""Playwright fixtures for the website widget tests (Debian Chromium, headless).

The browser talks only to the test web server started by the session fixture ``stack``."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 # microphone: grant automatically and feed a synthetic beep instead of a real device
                 "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="session")
def web_url(stack: Any) -> str:
    return stack.web_url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian Chromium missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """JavaScript errors and CSP/console errors seen on a page."""

    def __init__(self) -> None:
        self.errors: list[str] = []


@pytest.fixture()
def new_page(browser: Any, web_url: str) -> Iterator[Any]:
    """Factory ``new_page(viewport=..., **context_options)`` -> page in a fresh context (own
    localStorage). Each page has ``page.requests`` (all URLs it asked for) and fails the test
    on uncaught JavaScript errors or console errors (for example CSP violations)."""
    contexts: list[Any] = []
    problems: list[str] = []

    def make(viewport: dict[str, int] | None = None, **options: Any) -> Any:
        options.setdefault("locale", "de-DE")
        ctx = browser.new_context(base_url=web_url, viewport=viewport or {"width": 1280, "height": 800}, **options)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.requests = []  # type: ignore[attr-defined]
        page.on("request", lambda r: page.requests.append(r))
        page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    # the widget's own error responses (we provoke 429/500 in tests) show up as console errors
    # "Failed to load resource"; anything else is a real problem
    real = [p for p in problems if "Failed to load resource" not in p]
    assert not real, real


@pytest.fixture()
def shot(request: pytest.FixtureRequest):
    """``shot(page, "name")`` saves tests/artifacts/web-<test>-<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"web-{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take
