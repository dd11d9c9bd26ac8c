"""The dashboard's Drift block, in real headless Chromium: hidden without --proxy; with it, each
drift of the upstream's replies is a row, and Clear empties the report."""

from __future__ import annotations

import httpx
import pytest

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

from tests.browser import browser, chromium  # noqa: E402,F401  (fixtures)
from tests.mockserver_process import REPO, run_cli  # noqa: E402
from tests.process.test_swagger_ui import wait_for  # noqa: E402

PETSTORE = REPO / "tests" / "data" / "specs" / "petstore-3.0.yaml"
CHANGES = REPO / "tests" / "data" / "drift" / "petstore-vendor-changes.overlay.yaml"


def test_the_drift_block_lists_the_drifts_and_clears_them(launch, browser: WebDriver, tmp_path) -> None:
    changed = tmp_path / "petstore-3.0.yaml"
    assert run_cli("normalize", str(PETSTORE), "--overlay", str(CHANGES), "-o", str(changed)).returncode == 0
    upstream = launch("--spec", str(changed))
    proxy = launch("--spec", str(PETSTORE), "--proxy", f"{upstream.url}/api/v3")
    assert httpx.get(f"{proxy.url}/api/v3/pet/7", headers={"api_key": "k"}, timeout=10).headers["x-mock-drift"]
    browser.get(proxy.url + "/__mock/")
    rows = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#drift-table tbody tr"), "the drift rows")
    assert browser.find_element(By.ID, "drift").is_displayed()
    texts = sorted(row.text for row in rows)
    assert len(texts) == 5 and all(text.startswith("getPetById 200 /") for text in texts)
    assert any("/status enum" in text and '"archived"' in text for text in texts)
    browser.find_element(By.ID, "drift-clear").click()
    wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "#drift-table tbody tr"), "the rows to go")
    assert httpx.get(f"{proxy.url}/__mock/drift", timeout=10).json()["drifts"] == []


def test_the_drift_block_is_hidden_without_a_proxy(launch, browser: WebDriver) -> None:
    server = launch("--spec", str(PETSTORE))
    browser.get(server.url + "/__mock/")
    wait_for(browser, lambda d: d.find_element(By.ID, "drift-count").get_attribute("textContent") == "(0)", "the drift report to load")
    assert not browser.find_element(By.ID, "drift").is_displayed()
