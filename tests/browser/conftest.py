"""Fixtures for the end-to-end tests: a real server, headless Chromium, and pages.

One Daphne child process per test session (see `server.py`); one Chromium per
session; every test gets fresh browser contexts (a projector at 1280x720, phones at
360x740, see `harness.py`), so cookies and localStorage never leak between tests.
When a test fails, every page it opened is saved as a PNG under test-results/, and
the end of the server's log is printed.

A page that requested anything from outside the server, threw a script error, broke
the Content Security Policy or opened an alert fails the test that opened it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.harness import TIMEOUT_MS, Browsers
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING, LiveServer, live_server


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    # The page fixture reads this in its teardown to decide whether to take pictures.
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    with live_server(tmp_path_factory.mktemp("server")) as running:
        yield running


# Package scope, not session: Playwright's sync API keeps an event loop running in the
# main thread while it is started, and every async test run after it (pytest-django
# runs the transactional tests last) would fail with "cannot be called from a
# running event loop".
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    # A loaded CI machine runs the server, three phones and a projector on two cores.
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def browsers(
    browser: Any, server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Browsers]:
    opened = Browsers(browser, server)
    yield opened
    failed = any(
        getattr(request.node, f"report_{when}", None) is not None
        and getattr(request.node, f"report_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        saved = opened.save_screenshots(request.node.nodeid)
        print(f"\nScreenshots of the failed test: {', '.join(map(str, saved))}")
        print(f"Server log:\n{server.log_tail()}")
    problems = opened.problems()
    opened.close()
    if problems and not failed:
        pytest.fail("A page misbehaved:\n" + "\n".join(problems))
