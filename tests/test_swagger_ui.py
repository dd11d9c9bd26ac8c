"""connexion's Swagger UI, driven in a real headless Chromium against the real server.

For each API the UI lists its operations, accepts credentials through "Authorize", and
"Try it out" calls the mock itself (connexion rewrites the UI spec's `servers` to the mount
path), which answers 200. The browser is Debian's `chromium` + `chromium-driver`: the
`chromium` fixture installs them with apt-get when missing (as root), otherwise the tests
are skipped. Selenium is pointed at /usr/bin/chromedriver explicitly, so Selenium Manager
never runs and nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from tests.mockserver_process import RunningServer

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

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


# --- driving Swagger UI (4.x, as bundled by swagger_ui_bundle) ---------------------------


def wait_for(driver: WebDriver, condition: Callable, what: str):
    """WebDriverWait with a message that says what we were waiting for (and the page's URL)."""
    try:
        return WebDriverWait(driver, WAIT).until(condition)
    except TimeoutException as timeout:
        raise AssertionError(f"timed out after {WAIT}s waiting for {what} on {driver.current_url}") from timeout


def open_ui(driver: WebDriver, url: str, operation_ids: list[str]) -> dict[str, WebElement]:
    """Open a Swagger UI page and wait until every operation is listed; return their `.opblock`s.

    Swagger UI gives each operation block the id `operations-<tag>-<operationId>`.
    """
    driver.get(url)

    def listed(d: WebDriver) -> dict[str, WebElement] | bool:
        blocks = {}
        for block in d.find_elements(By.CSS_SELECTOR, ".opblock"):
            for operation_id in operation_ids:
                if (block.get_attribute("id") or "").endswith(f"-{operation_id}") and block.is_displayed():
                    blocks[operation_id] = block
        return blocks if len(blocks) == len(operation_ids) else False

    return wait_for(driver, listed, f"operations {operation_ids} to be listed")


def _authorize(driver: WebDriver, fill: Callable[[WebElement], None]) -> None:
    """Open the "Authorize" dialog, let `fill` enter credentials into it, submit, close."""
    wait_for(driver, EC.element_to_be_clickable((By.CSS_SELECTOR, ".auth-wrapper button.authorize")),
             'the "Authorize" button').click()
    dialog = wait_for(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, ".dialog-ux .modal-ux")),
                      "the authorization dialog")
    fill(dialog)
    dialog.find_element(By.CSS_SELECTOR, "button.modal-btn.authorize").click()
    # Once accepted, the scheme is marked "Authorized" and offers "Logout" in place of "Authorize".
    wait_for(driver, lambda d: dialog.find_elements(By.XPATH, ".//button[normalize-space()='Logout']"),
             "the credentials to be accepted")
    dialog.find_element(By.CSS_SELECTOR, "button.btn-done").click()
    wait_for(driver, EC.invisibility_of_element_located((By.CSS_SELECTOR, ".dialog-ux .modal-ux")),
             "the authorization dialog to close")


def authorize_bearer(driver: WebDriver, token: str) -> None:
    """Authorize an http bearer scheme with `token`."""
    _authorize(driver, lambda dialog: dialog.find_element(
        By.CSS_SELECTOR, "input[aria-label='auth-bearer-value']").send_keys(token))


def authorize_basic(driver: WebDriver, username: str, password: str) -> None:
    """Authorize an http basic scheme with `username` and `password`."""
    def fill(dialog: WebElement) -> None:
        dialog.find_element(By.CSS_SELECTOR, "input[aria-label='auth-basic-username']").send_keys(username)
        dialog.find_element(By.CSS_SELECTOR, "input[aria-label='auth-basic-password']").send_keys(password)
    _authorize(driver, fill)


def try_it_out(driver: WebDriver, block: WebElement, params: dict[str, str]) -> tuple[str, str, str]:
    """Expand an operation, "Try it out" with path `params`, "Execute" and wait for the live response.

    Returns (status, body, request URL) as the UI shows them.
    """
    block.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait_for(driver, lambda d: block.find_elements(By.CSS_SELECTOR, "button.try-out__btn"),
             'the "Try it out" button').pop().click()
    for name, value in params.items():
        field = wait_for(driver, lambda d: block.find_elements(
            By.CSS_SELECTOR, f"tr[data-param-name='{name}'] input"), f"the {name} input").pop()
        field.clear()
        field.send_keys(value)
    wait_for(driver, lambda d: block.find_elements(By.CSS_SELECTOR, "button.execute"), 'the "Execute" button').pop().click()
    status = wait_for(driver, lambda d: block.find_elements(
        By.CSS_SELECTOR, ".live-responses-table .response .response-col_status"), "the live response").pop()
    body = block.find_element(By.CSS_SELECTOR, ".live-responses-table .response-col_description .highlight-code pre")
    url = block.find_element(By.CSS_SELECTOR, ".request-url pre")
    return status.text.split()[0], body.text, url.text


def journal(server: RunningServer) -> list[dict]:
    """What the mock received, newest last (its control API)."""
    return httpx.get(f"{server.url}/__mock/requests", timeout=10).json()["requests"]


# --- the tests -----------------------------------------------------------------------------


def test_lago_ui_lists_operations_and_try_it_out_calls_the_mock(launch, browser: WebDriver) -> None:
    server = launch()
    blocks = open_ui(browser, f"{server.url}/api/v1/ui/", ["findActivityLog", "findApiLog"])
    paths = {b.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path") for b in blocks.values()}
    assert paths == {"/activity_logs/{activity_id}", "/api_logs/{request_id}"}

    authorize_bearer(browser, "ui-key")
    status, body, url = try_it_out(browser, blocks["findActivityLog"], {"activity_id": "from-the-ui"})
    browser.save_screenshot("/tmp/swagger-lago.png")

    assert url == f"{server.url}/api/v1/activity_logs/from-the-ui"
    assert status == "200", body
    assert '"activity_id": "from-the-ui"' in body
    calls = [e for e in journal(server) if e["path"] == "/api/v1/activity_logs/from-the-ui"]
    assert [(e["method"], e["operationId"], e["status"]) for e in calls] == [("GET", "findActivityLog", 200)]
    assert calls[0]["headers"]["authorization"] == "[redacted]"  # the UI sent the bearer token


def test_sequence_ui_lists_operation_and_try_it_out_calls_the_mock(launch, browser: WebDriver) -> None:
    server = launch()
    blocks = open_ui(browser, f"{server.url}/ui/", ["getActivityLogsById"])
    path = blocks["getActivityLogsById"].find_element(By.CSS_SELECTOR, ".opblock-summary-path")
    assert path.get_attribute("data-path") == "/activity-logs/{id}"

    authorize_basic(browser, "client", "secret")
    status, body, url = try_it_out(browser, blocks["getActivityLogsById"], {"id": "ui-seq"})

    assert url == f"{server.url}/activity-logs/ui-seq"
    assert status == "200", body
    assert '"id": "ui-seq"' in body
    calls = [e for e in journal(server) if e["path"] == "/activity-logs/ui-seq"]
    assert [(e["method"], e["operationId"], e["status"]) for e in calls] == [("GET", "getActivityLogsById", 200)]
    assert calls[0]["headers"]["authorization"] == "[redacted]"  # the UI sent the basic credentials
