"""Issue 24: the dashboard as a frontend developer uses it, in headless Chromium.

Before: a clicked request's details opened below the whole journal (1,890 px down with 100
rows, off screen); CORS preflights, the pages' own requests and favicon 404s filled the
journal; sessions could be opened only by typing their URL. Now the details sit beside the row,
in view; what is not a call of an API is hidden until asked for; the sessions are listed and
any of them opens in place. Every assertion is on what the page shows.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.conftest import BEARER

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402

from tests.browser import browser, chromium  # noqa: E402,F401  (fixtures)
from tests.process.test_swagger_ui import wait_for  # noqa: E402

TOKEN = "s3cret-16-chars!"


def _rows(driver: WebDriver) -> list[list[str]]:
    """The journal as shown: [time, method, path, operation, status, ms] per row, newest first."""
    return driver.execute_script(  # in one step: the page redraws the table as requests arrive
        'return [...document.querySelectorAll("#journal tbody tr")].map('
        '(row) => [...row.cells].map((cell) => cell.innerText));')


def _shown(driver: WebDriver) -> list[tuple[str, str, str]]:
    """(method, path, status) of each row shown."""
    return [(row[1], row[2], row[4]) for row in _rows(driver)]


def _open(driver: WebDriver, url: str) -> None:
    driver.get(url + "/__mock/")
    wait_for(driver, lambda d: len(Select(d.find_element(By.ID, "sc-op")).options) > 1, "the operations to load")


def test_with_many_requests_a_clicked_rows_details_are_in_view_beside_it(launch, browser: WebDriver) -> None:
    server = launch("--journal-size", "150")
    with httpx.Client(base_url=server.url, headers=BEARER, timeout=10) as http:
        assert http.get("/api/v1/api_logs/the-first-of-many").status_code == 200
        for index in range(120):
            assert http.get(f"/api/v1/activity_logs/row-{index}").status_code == 200
    _open(browser, server.url)
    wait_for(browser, lambda d: len(_shown(d)) == 121, "the 121 requests")
    count = browser.find_element(By.ID, "count").text
    assert re.fullmatch(r"\(121 shown; 12[12] of at most 150 kept\)", count), count  # 122: Chromium's /favicon.ico

    assert _rows(browser)[-1][1:5] == ["GET", "/api/v1/api_logs/the-first-of-many", "findApiLog", "200"]
    oldest = browser.find_elements(By.CSS_SELECTOR, "#journal tbody tr")[-1]
    height = browser.execute_script("return window.innerHeight")
    assert browser.execute_script("return arguments[0].offsetTop", oldest) > height  # far below the first screen
    oldest.click()  # scrolled to, as a person would

    details = wait_for(browser, lambda d: d.find_element(By.ID, "details") if d.find_element(By.ID, "details").is_displayed()
                       else False, "the request's details")
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", details)
    assert 0 <= top < browser.execute_script("return window.innerHeight")
    assert browser.execute_script("return window.scrollY") > 0  # the journal stayed where it was clicked
    assert browser.find_element(By.ID, "d-method").text == "GET"
    assert browser.find_element(By.ID, "d-path").text == "/api/v1/api_logs/the-first-of-many"
    assert browser.find_element(By.ID, "d-status").text == "200"
    assert browser.find_element(By.ID, "d-operation").text == "findApiLog"
    assert browser.find_element(By.ID, "details-title").text == "GET /api/v1/api_logs/the-first-of-many → 200"
    journal = httpx.get(server.url + "/__mock/requests", params={"path": "/api/v1/api_logs/the-first-of-many"}).json()
    reply = journal["requests"][0]["response"]["body"]
    assert browser.find_element(By.ID, "res-body").text == json.dumps(json.loads(reply), indent=2)
    assert '"request_id": "the-first-of-many"' in browser.find_element(By.ID, "res-body").text
    assert "selected" in browser.find_elements(By.CSS_SELECTOR, "#journal tbody tr")[-1].get_attribute("class")

    browser.find_element(By.ID, "details-close").click()
    assert not browser.find_element(By.ID, "details").is_displayed()


def test_preflights_and_the_pages_own_requests_are_hidden_until_asked_for(launch, browser: WebDriver) -> None:
    server = launch()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        preflight = http.options("/api/v1/activity_logs/x", headers={
            "Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"]
        assert http.get("/favicon.ico").status_code == 404
        assert http.get("/").status_code == 200  # the landing page
        assert http.get("/api/v1/ui/").status_code == 200  # Swagger UI
        assert http.get("/api/v1/nowhere").status_code == 404  # a path no API declares
        assert http.get("/api/v1/activity_logs/the-call", headers=BEARER).status_code == 200
        assert http.get("/api/v1/activity_logs/the-call").status_code == 401  # a call, refused: shown
    _open(browser, server.url)
    wait_for(browser, lambda d: _shown(d) == [("GET", "/api/v1/activity_logs/the-call", "401"),
                                             ("GET", "/api/v1/activity_logs/the-call", "200")], "only the API's calls")
    assert not browser.find_element(By.ID, "show-all").is_selected()
    assert re.fullmatch(r"\([56] hidden\)", browser.find_element(By.ID, "hidden-count").text)  # 6: Chromium's favicon

    browser.find_element(By.ID, "show-all").click()
    everything = wait_for(browser, lambda d: _shown(d) if len(_shown(d)) >= 7 else False, "every request")
    for row in (("OPTIONS", "/api/v1/activity_logs/x", "200"), ("GET", "/favicon.ico", "404"), ("GET", "/", "200"),
                ("GET", "/api/v1/ui/", "200"), ("GET", "/api/v1/nowhere", "404")):
        assert row in everything, everything
    browser.find_element(By.ID, "show-all").click()
    wait_for(browser, lambda d: len(_shown(d)) == 2, "the pages' own requests to hide again")


def test_the_sessions_are_listed_and_opening_one_shows_only_its_journal_and_scenarios(launch, browser: WebDriver) -> None:
    server = launch()
    with httpx.Client(base_url=server.url, headers=BEARER, timeout=10) as http:
        assert http.get("/api/v1/activity_logs/in-alpha", headers={"X-Mock-Session": "alpha"}).status_code == 200
        assert http.get("/__session/beta/api/v1/activity_logs/in-beta").status_code == 200
        assert http.get("/__session/beta/api/v1/api_logs/in-beta").status_code == 200
        assert http.get("/api/v1/activity_logs/in-default").status_code == 200
        assert http.post("/__mock/scenarios", headers={"X-Mock-Session": "alpha"},
                         json={"operationId": "findApiLog", "status": 404}).status_code == 201
    _open(browser, server.url)
    wait_for(browser, lambda d: _shown(d) == [("GET", "/api/v1/activity_logs/in-default", "200")], "the default journal")

    def sessions(d: WebDriver) -> list[list[str]]:
        return d.execute_script('return [...document.querySelectorAll("#sessions tbody tr")].map('
                                '(row) => [...row.cells].map((cell) => cell.innerText));')

    listed = wait_for(browser, lambda d: sessions(d) if len(sessions(d)) == 3 else False, "the two sessions")
    assert [row[:4] for row in listed] == [  # session, requests, scenarios, records (6 seeded in each)
        ["(default)", "-", "-", "-"], ["alpha", "1", "1", "6"], ["beta", "2", "0", "6"]]
    assert browser.find_element(By.ID, "session-label").text == "session default"
    assert browser.find_elements(By.CSS_SELECTOR, "#scenarios tbody tr") == []

    browser.find_element(By.LINK_TEXT, "alpha").click()
    wait_for(browser, lambda d: _shown(d) == [("GET", "/api/v1/activity_logs/in-alpha", "200")], "alpha's journal")
    assert browser.find_element(By.ID, "session-label").text == "session alpha"
    assert browser.current_url == server.url + "/__session/alpha/__mock/"
    scenario = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#scenarios tbody tr"), "alpha's scenario")
    assert scenario[0].text.split()[:3] == ["1", "findApiLog", "404"]
    wait_for(browser, lambda d: "of at most 200 kept" in d.find_element(By.ID, "count").text, "the session journal's bound")

    browser.find_element(By.LINK_TEXT, "beta").click()
    wait_for(browser, lambda d: _shown(d) == [("GET", "/api/v1/api_logs/in-beta", "200"),
                                             ("GET", "/api/v1/activity_logs/in-beta", "200")], "beta's journal")
    wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "#scenarios tbody tr"), "beta's scenarios (none)")
    browser.find_element(By.LINK_TEXT, "(default)").click()
    wait_for(browser, lambda d: _shown(d) == [("GET", "/api/v1/activity_logs/in-default", "200")], "the default journal")
    assert browser.current_url == server.url + "/__mock/"


def test_under_a_control_token_the_page_asks_for_it_then_shows_the_journal(launch, browser: WebDriver) -> None:
    server = launch("--control-token", TOKEN)
    assert httpx.get(server.url + "/api/v1/activity_logs/behind-a-token", headers=BEARER).status_code == 200
    browser.get(server.url + "/__mock/")
    refused = wait_for(browser, lambda d: d.find_element(By.ID, "status").text, "the page to say it needs the token")
    assert refused.startswith("401 "), refused
    assert _shown(browser) == []

    browser.find_element(By.ID, "token").send_keys(TOKEN + Keys.TAB)  # "change": the page starts again
    wait_for(browser, lambda d: _shown(d) == [("GET", "/api/v1/activity_logs/behind-a-token", "200")], "the journal")
    wait_for(browser, lambda d: "of at most 1000 kept" in d.find_element(By.ID, "count").text, "the journal's bound")
    wait_for(browser, lambda d: d.find_element(By.ID, "status").text == "", "the refusal to go")
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#sessions tbody tr")) == 1, "the sessions list")


def test_the_sessions_list_names_each_journals_bound(launch) -> None:
    """What the page's "N of at most M kept" reads: a named session keeps at most 200 requests."""
    server = launch("--journal-size", "300")
    assert httpx.get(server.url + "/__session/bounded/api/v1/activity_logs/x", headers=BEARER).status_code == 200
    listed = httpx.get(server.url + "/__mock/sessions").json()
    (session,) = listed["sessions"]
    assert session.pop("idle_s") >= 0
    assert session == {"name": "bounded", "records": 6, "scenarios": 0, "requests": 1, "journal_size": 200}
    assert (listed["journal_size"], listed["max_sessions"]) == (300, 64)
