"""connexion's Swagger UI, driven in a real headless Chromium against the real server.

For each API the UI lists its operations, accepts credentials through "Authorize", and
"Try it out" calls the mock itself (connexion rewrites the UI spec's `servers` to the mount
path), which answers 200. The browser is Debian's headless Chromium (tests/browser.py).
"""

from __future__ import annotations

from typing import Callable

import httpx
import pytest

from tests.mockserver_process import RunningServer

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.browser import WAIT, browser, chromium  # noqa: E402,F401  (fixtures)


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
    if not block.find_elements(By.CSS_SELECTOR, "button.execute"):  # not yet open and in "Try it out"
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


def test_sequence_ui_offers_the_mock_as_its_server(launch, browser: WebDriver) -> None:
    """Issue 13 (10): the servers dropdown was empty for an API mounted at `/`."""
    server = launch()
    open_ui(browser, f"{server.url}/ui/", ["getActivityLogsById"])
    options = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".servers select option"),
                       "the servers dropdown")
    assert [option.get_attribute("value") for option in options] == ["/"]


def test_lagos_prefilled_id_answers_even_when_unknown_ids_are_404(launch, browser: WebDriver) -> None:
    """Issue 13 (10): Swagger UI pre-fills the id parameter's documented example; that id is a
    record, not the 404 every other unknown id gets under --unknown-ids=404."""
    server = launch("--unknown-ids=404")
    blocks = open_ui(browser, f"{server.url}/api/v1/ui/", ["findActivityLog", "findApiLog"])
    authorize_bearer(browser, "ui-key")
    status, body, url = try_it_out(browser, blocks["findActivityLog"], {})  # the pre-filled example id
    assert url == f"{server.url}/api/v1/activity_logs/bdc0eda6-ea52-4f72-a46a-94f47a89b546"
    assert status == "200", body
    assert '"activity_id": "bdc0eda6-ea52-4f72-a46a-94f47a89b546"' in body
    other = httpx.get(f"{server.url}/api/v1/activity_logs/another", headers={"Authorization": "Bearer k"})
    assert other.status_code == 404


def test_the_page_sends_prefer_to_choose_a_declared_response(launch, browser: WebDriver) -> None:
    """Issue 13 (10): each operation offers a `Prefer` list of what it declares."""
    from selenium.webdriver.support.select import Select

    server = launch()
    blocks = open_ui(browser, f"{server.url}/api/v1/ui/", ["findActivityLog", "findApiLog"])
    authorize_bearer(browser, "ui-key")
    block = blocks["findApiLog"]
    block.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait_for(browser, lambda d: block.find_elements(By.CSS_SELECTOR, "button.try-out__btn"), 'the "Try it out" button').pop().click()
    prefer = wait_for(browser, lambda d: block.find_elements(By.CSS_SELECTOR, "tr[data-param-name='Prefer'] select"),
                      "the Prefer list").pop()
    choices = [option.text for option in Select(prefer).options]
    assert {"code=404", "code=401", "dynamic=true"} <= set(choices), choices
    Select(prefer).select_by_visible_text("code=404")
    status, body, _url = try_it_out(browser, block, {"request_id": "from-the-page"})
    assert status == "404", body
    assert '"code": "api_log_not_found"' in body
    calls = [e for e in journal(server) if e["path"] == "/api/v1/api_logs/from-the-page"]
    assert calls[-1]["status"] == 404 and calls[-1]["headers"]["prefer"] == "code=404"
