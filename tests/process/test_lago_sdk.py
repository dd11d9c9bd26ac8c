"""The official Lago Python SDK, unchanged but for `api_url`, against the real server."""

from __future__ import annotations

import pytest
from lago_python_client.client import Client
from lago_python_client.exceptions import LagoApiError

from tests.mockserver_process import RunningServer


def test_sdk_finds_activity_logs_and_api_logs(server: RunningServer) -> None:
    client = Client(api_key="any-key", api_url=server.url)
    activity = client.activity_logs.find("sdk-activity")
    assert activity.activity_id == "sdk-activity"
    api_log = client.api_logs.find("sdk-request")
    assert api_log.request_id == "sdk-request"
    assert isinstance(api_log.request_body, dict)


def test_sdk_sees_the_real_404(launch) -> None:
    server = launch("--unknown-ids=404")
    client = Client(api_key="any-key", api_url=server.url)
    with pytest.raises(LagoApiError) as raised:
        client.activity_logs.find("missing")
    assert raised.value.status_code == 404
    assert raised.value.response["code"] == "activity_log_not_found"
    with pytest.raises(LagoApiError) as raised:
        client.api_logs.find("missing")
    assert raised.value.status_code == 404
    assert raised.value.response["code"] == "api_log_not_found"


def test_sdk_sees_the_real_401_for_a_wrong_key(launch) -> None:
    server = launch("--api-key", "right-key")
    with pytest.raises(LagoApiError) as raised:
        Client(api_key="wrong-key", api_url=server.url).activity_logs.find("x")
    assert raised.value.status_code == 401
    assert raised.value.response == {"status": 401, "error": "Unauthorized"}
    assert Client(api_key="right-key", api_url=server.url).activity_logs.find("x").activity_id == "x"
