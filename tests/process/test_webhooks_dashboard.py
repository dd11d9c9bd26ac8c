"""Issue 26: the dashboard shows every webhook delivery attempt (real headless Chromium)."""

from __future__ import annotations

import httpx
import pytest

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

from tests.browser import browser, chromium  # noqa: E402,F401  (fixtures)
from tests.process.test_swagger_ui import wait_for  # noqa: E402
from tests.process.test_webhooks import SHOP  # noqa: E402
from tests.webhook_receiver import Receiver  # noqa: E402


def test_a_failed_then_delivered_webhook_shows_both_attempts_on_the_dashboard(launch, browser: WebDriver) -> None:
    with Receiver((500, 200)) as receiver:
        server = launch("--spec", str(SHOP), "--webhook-url", receiver.url)
        browser.get(server.url + "/__mock/")
        wait_for(browser, lambda d: receiver.url in d.find_element(By.ID, "wh-subscribers").text, "the subscriber")
        assert httpx.post(server.url + "/v1/customers", json={"name": "Ada", "email": "ada@example.com"}).status_code == 201
        receiver.wait_for(2)

        def rows(d: WebDriver):
            found = [row.text for row in d.find_elements(By.CSS_SELECTOR, "#deliveries tbody tr")]
            return found if len(found) == 2 else False

        newest, oldest = wait_for(browser, rows, "both attempts in the deliveries table")
    assert "customer_created startup_1 1/3 500 failed" in oldest
    assert "customer_created startup_1 2/3 200 delivered" in newest
