"""Debian's headless Chromium for the browser tests, driven by selenium.

The `chromium` fixture installs Debian's `chromium` + `chromium-driver` with apt-get when
missing (as root), otherwise the tests that use it are skipped, saying why. Selenium is pointed
at /usr/bin/chromedriver explicitly, so Selenium Manager never runs and nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
APT_PACKAGES = ("chromium", "chromium-driver")
APT_TIMEOUT = 900  # seconds, for each apt-get step
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


def _apt_get(*args: str) -> str:
    """Run one apt-get step non-interactively; fail the test run with its output if it fails."""
    command = ["apt-get", *args]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT)
    except subprocess.TimeoutExpired as timeout:
        output = timeout.stdout or ""  # bytes even with text=True, when the timeout hits
        output = output.decode(errors="replace") if isinstance(output, bytes) else output
        pytest.fail(f"{' '.join(command)} timed out after {APT_TIMEOUT}s:\n{output[-4000:]}", pytrace=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {done.returncode}:\n{(done.stdout + done.stderr)[-4000:]}", pytrace=False)
    return done.stdout


@pytest.fixture(scope="session")
def chromium() -> tuple[Path, Path]:
    """(browser, driver): Debian's Chromium and chromedriver, installed with apt-get if missing."""
    if CHROMIUM.is_file() and CHROMEDRIVER.is_file():
        return CHROMIUM, CHROMEDRIVER
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(f"{CHROMIUM} or {CHROMEDRIVER} is missing and cannot be installed here "
                    f"(needs root and apt-get): apt-get install {' '.join(APT_PACKAGES)}")
    started = time.monotonic()
    _apt_get("update")
    _apt_get("install", "-y", "--no-install-recommends", *APT_PACKAGES)
    print(f"\ninstalled {' '.join(APT_PACKAGES)} in {time.monotonic() - started:.0f}s")
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        pytest.fail(f"apt-get installed {' '.join(APT_PACKAGES)} but {', '.join(missing)} is still missing", pytrace=False)
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
