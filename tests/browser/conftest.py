"""Browser test fixtures: a live server for the test app, and real Chromium through Playwright.

Every test under ``tests/browser`` is marked ``browser`` (deselect with ``-m "not browser"``).

Environment:

* ``STEWARD_CHROMIUM`` — the Chromium binary (default ``/usr/bin/chromium``). Playwright's
  own browser download is never used: ``playwright install`` needs the internet.
* ``STEWARD_REQUIRE_BROWSER=1`` — fail, instead of skipping, when Chromium, Playwright,
  ``node_modules`` (``npm ci``) or ``java`` is missing. CI sets it.
* ``STEWARD_BROWSER_ARTIFACTS`` — a directory; when a browser test fails, a screenshot and
  the HTML of each of its open pages are saved there.

The ``app`` fixture comes from ``tests/conftest.py``: the live server serves the very app a
test builds its rows with, on the session's migrated database of the current backend, so
every browser test runs on SQLite and on PostgreSQL.
"""

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NODE_MODULES = ROOT / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DEFAULT_TIMEOUT_MS = 10_000


_failed_key = pytest.StashKey[bool]()


def _required() -> bool:
    return os.environ.get("STEWARD_REQUIRE_BROWSER") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``; fail instead when ``STEWARD_REQUIRE_BROWSER=1`` (CI)."""
    if _required():
        pytest.fail(f"STEWARD_REQUIRE_BROWSER=1 but: {reason}", pytrace=False)
    pytest.skip(f"{reason} (set STEWARD_REQUIRE_BROWSER=1 to make this an error)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items: mark only the ones under tests/browser.
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_failed_key] = report.failed
    return report


# --- the browser ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = os.environ.get("STEWARD_CHROMIUM") or "/usr/bin/chromium"
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        skip_or_fail(
            f"Chromium not found at {path}: install Debian's `chromium` package or point "
            "STEWARD_CHROMIUM at a Chromium binary (never `playwright install`)"
        )
    return path


@pytest.fixture(scope="package")
def browser(chromium_executable: str) -> Iterator[Any]:
    """One headless Chromium for the browser tests; each test gets fresh contexts.

    Package scope, not session: while Playwright's sync API is running it marks its
    event loop as running in this thread, so ``asyncio.run()`` in any other test would
    fail. It stops as soon as the run leaves tests/browser (pytest groups tests by
    backend, so that may happen twice per run: one launch each, about a second)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        skip_or_fail(f"the playwright package is not installed ({exc}): pip install -e '.[test]'")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        skip_or_fail(f"Chromium at {chromium_executable} did not start: {exc}")
    yield browser
    browser.close()
    playwright.stop()


# --- the live server -----------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    # Headers and body go out in separate writes: with Nagle's algorithm on, each
    # response waits ~40 ms for the browser's delayed ACK. Off, pages load 3x faster.
    disable_nagle_algorithm = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Successful requests are not worth a log line; errors still are (log_error)."""
        if str(code).startswith(("4", "5")):
            super().log_request(code, size)


@pytest.fixture
def browser_app_config() -> dict[str, Any]:
    """What browser tests change in the test configuration: real CSRF tokens, as in
    production. Override this fixture in a module to change more."""
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def app_config(browser_app_config: dict[str, Any]) -> dict[str, Any]:
    return dict(browser_app_config)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test ``app`` over HTTP on 127.0.0.1 (a free port, threaded); yields the
    base URL, e.g. ``http://127.0.0.1:41234``. ``BASE_URL`` is set to it, so links in
    email point at this server."""
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler
    )
    # Keep-alive connections from the browser must not hold up shutdown.
    server.block_on_close = False  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- pages ---------------------------------------------------------------------------


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, browser: Any, live_server: str
) -> Iterator[Callable[..., Any]]:
    """``new_page(phone=False, **context_options)``: a page in a fresh browser context
    (own cookies), with ``base_url`` set to the live server so ``page.goto("/login")``
    works. ``phone=True`` gives a 390x844 touch viewport."""
    contexts: list[Any] = []

    def make(phone: bool = False, **options: Any) -> Any:
        settings: dict[str, Any] = {
            "base_url": live_server,
            "viewport": PHONE if phone else DESKTOP,
            "locale": "en-US",
            "timezone_id": "America/New_York",
        }
        if phone:
            settings.update(is_mobile=True, has_touch=True, device_scale_factor=2)
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make

    if request.node.stash.get(_failed_key, False):
        _save_artifacts(request.node.nodeid, contexts)
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(new_page: Callable[..., Any]) -> Any:
    """A desktop-sized page (1280x900) on the live server."""
    return new_page()


@pytest.fixture
def phone_page(new_page: Callable[..., Any]) -> Any:
    """A phone-sized page (390x844, touch) on the live server."""
    return new_page(phone=True)


def _save_artifacts(nodeid: str, contexts: list[Any]) -> None:
    target = os.environ.get("STEWARD_BROWSER_ARTIFACTS")
    if not target:
        return
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)[-120:]
    for c, context in enumerate(contexts):
        for p, page in enumerate(context.pages):
            name = f"{stem}-{c}-{p}"
            try:
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
                (folder / f"{name}.html").write_text(page.content(), encoding="utf-8")
            except Exception as exc:  # noqa: BLE001 - artifacts are best effort
                (folder / f"{name}.error.txt").write_text(str(exc), encoding="utf-8")


# --- accessibility and markup tools ---------------------------------------------------


@pytest.fixture(scope="session")
def a11y_tools() -> dict[str, str]:
    """Paths to axe-core, the Nu HTML Checker and java, or skip (fail under CI)."""
    missing = [str(p.relative_to(ROOT)) for p in (AXE_JS, VNU_JAR) if not p.is_file()]
    if missing:
        skip_or_fail(f"missing {', '.join(missing)}: run `npm ci` at the repository root")
    java = shutil.which("java")
    if java is None:
        skip_or_fail("`java` (17 or newer) is not on PATH; the Nu HTML Checker needs it")
    return {"axe": str(AXE_JS), "vnu": str(VNU_JAR), "java": str(java)}
