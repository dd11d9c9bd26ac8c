"""Debian's headless Chromium for the browser tests, driven by selenium.

The `chromium` fixture installs Debian's `chromium` + `chromium-driver` with apt-get when
missing (as root, tests/debian.py), otherwise the tests that use it are skipped, saying why. Selenium is pointed
at /usr/bin/chromedriver explicitly, so Selenium Manager never runs and nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")

from tests.debian import require  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
APT_PACKAGES = ("chromium", "chromium-driver")
WAIT = 30  # seconds; generous: these are waits for the UI, never timing assertions

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # we run as root in a container
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--window-size=1280,2000",
    # No network here but the mock: keep Chromium from phoning home (and logging refusals).
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> tuple[Path, Path]:
    """(browser, driver): Debian's Chromium and chromedriver, installed with apt-get if missing."""
    require((CHROMIUM, CHROMEDRIVER), APT_PACKAGES)
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture
def browser(chromium: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    """A fresh headless Chromium (own profile in tmp_path), quit after the test."""
    binary, driver_path = chromium
    monkeypatch.setenv("SE_OFFLINE", "true")  # belt and braces: Selenium Manager must not download
    options = webdriver.ChromeOptions()
    options.binary_location = str(binary)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    service = Service(executable_path=str(driver_path), log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()


@contextlib.contextmanager
def page_server(html: bytes) -> Iterator[int]:
    """A frontend's dev server serving one page on another port of loopback, so another origin
    than the mock's; yields its port."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
