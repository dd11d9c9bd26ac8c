"""The dashboard at /__mock/, in real headless Chromium against the real server (issue 13).

A frontend developer adds a scenario from the page, sees their next request fail, and sees it
in the live journal with its bodies; edits a record and sees the contract's objections inline.
The page loads nothing from elsewhere (the browser has no network but the mock).
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import BEARER

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402

from tests.browser import browser, chromium  # noqa: E402,F401  (fixtures)
from tests.process.test_swagger_ui import wait_for  # noqa: E402


def _open(driver: WebDriver, url: str) -> None:
    driver.get(url + "/__mock/")
    wait_for(driver, lambda d: len(Select(d.find_element(By.ID, "sc-op")).options) > 1, "the operations to load")


def test_a_scenario_added_on_the_page_fails_the_next_request_and_shows_in_the_journal(launch, browser: WebDriver) -> None:
    server = launch()
    _open(browser, server.url)
    Select(browser.find_element(By.ID, "sc-op")).select_by_value("findActivityLog")
    Select(browser.find_element(By.ID, "sc-status")).select_by_value("404")
    browser.find_element(By.ID, "sc-times").send_keys("1")
    browser.find_element(By.ID, "sc-add").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#scenarios tbody tr"), "the scenario to be listed")
    assert httpx.get(server.url + "/__mock/scenarios").json()["scenarios"] == [
        {"id": "1", "operationId": "findActivityLog", "status": 404, "times": 1}]

    failed = httpx.get(server.url + "/api/v1/activity_logs/from-the-page", headers=BEARER)
    assert failed.status_code == 404
    assert httpx.get(server.url + "/api/v1/activity_logs/from-the-page", headers=BEARER).status_code == 200

    def journal_row(d: WebDriver):
        rows = [row for row in d.find_elements(By.CSS_SELECTOR, "#journal tbody tr")
                if "/api/v1/activity_logs/from-the-page" in row.text and " 404 " in f" {row.text} "]
        return rows[0] if rows else False

    row = wait_for(browser, journal_row, "the failed request in the live journal")
    assert "findActivityLog" in row.text
    row.click()
    details = wait_for(browser, lambda d: d.find_element(By.ID, "res-body").text, "the request's details")
    assert '"code": "activity_log_not_found"' in details
    assert "[redacted]" in browser.find_element(By.ID, "req-headers").text  # the bearer token is not shown
    browser.save_screenshot("/tmp/mockserver-dashboard.png")
    # the scenario was used up: the page's list empties on its next refresh
    wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "#scenarios tbody tr"), "the used scenario to go")


def test_a_record_edited_on_the_page_is_checked_against_the_contract(launch, browser: WebDriver) -> None:
    server = launch()
    _open(browser, server.url)
    Select(browser.find_element(By.ID, "rec-op")).select_by_value("findApiLog")
    browser.find_element(By.ID, "rec-id").send_keys("edited-on-the-page")
    browser.find_element(By.CSS_SELECTOR, "#record-form button").click()
    text = wait_for(browser, lambda d: d.find_element(By.ID, "rec-body").get_attribute("value"), "the generated record")
    assert '"request_id": "edited-on-the-page"' in text

    box = browser.find_element(By.ID, "rec-body")
    box.clear()
    box.send_keys(text.replace('"http_status": ', '"http_status": "not a number", "was": '))
    browser.find_element(By.ID, "rec-save").click()
    error = wait_for(browser, lambda d: d.find_element(By.ID, "rec-error").text, "the contract's objection")
    assert "422" in error and "http_status" in error

    box.clear()
    box.send_keys(text.replace('"client": "', '"client": "Edited '))
    browser.find_element(By.ID, "rec-save").click()
    wait_for(browser, lambda d: "saved" in d.find_element(By.ID, "rec-state").text, "the save")
    served = httpx.get(server.url + "/api/v1/api_logs/edited-on-the-page", headers=BEARER).json()
    assert served["api_log"]["client"].startswith("Edited ")

    browser.find_element(By.ID, "reset").click()
    wait_for(browser, lambda d: httpx.get(server.url + "/__mock/health").json()["records"] == 6, "the reset")
    assert not httpx.get(server.url + "/api/v1/api_logs/edited-on-the-page", headers=BEARER).json()[
        "api_log"]["client"].startswith("Edited ")


def test_the_page_loads_without_a_token_and_asks_for_it(launch) -> None:
    server = launch("--control-token", "s3cret-16-chars!")
    page = httpx.get(server.url + "/__mock/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "http://" not in page.text and "https://" not in page.text  # nothing from elsewhere: works offline
    assert httpx.get(server.url + "/__mock/routes").status_code == 401
    assert httpx.get(server.url + "/__mock/routes", headers={"x-mock-control-token": "s3cret-16-chars!"}).status_code == 200



def test_the_page_under_a_session_prefix_works_on_that_session(launch, browser: WebDriver) -> None:
    server = launch()
    browser.get(server.url + "/__session/ui-run/__mock/")
    wait_for(browser, lambda d: len(Select(d.find_element(By.ID, "sc-op")).options) > 1, "the operations to load")
    assert browser.find_element(By.ID, "session-label").text == "session ui-run"
    Select(browser.find_element(By.ID, "sc-op")).select_by_value("findApiLog")
    Select(browser.find_element(By.ID, "sc-status")).select_by_value("404")
    browser.find_element(By.ID, "sc-add").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#scenarios tbody tr"), "the scenario to be listed")
    assert len(httpx.get(server.url + "/__mock/scenarios", headers={"X-Mock-Session": "ui-run"}).json()["scenarios"]) == 1
    assert httpx.get(server.url + "/__mock/scenarios").json()["scenarios"] == []  # not the default session's
