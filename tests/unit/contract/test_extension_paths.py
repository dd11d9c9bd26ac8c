"""Resources on paths that end in a file extension, on Twilio's real document: its records sit at
`/Messages/{Sid}.json` and its collections at `/Messages.json`, and its form fields are the
records' fields in CamelCase (`MessagingServiceSid` for `messaging_service_sid`). Before, none of its 195
operations had a role, so a created message was not read back."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from mockserver.contract.operations import load_api
from mockserver.contract.resources import _record_names, split_extension
from tests.inprocess import InProcess
from tests.mockserver_process import REPO

TWILIO = REPO / "tests" / "data" / "specs" / "twilio-api-v2010.json"
ACCOUNT = "/2010-04-01/Accounts/AC00000000000000000000000000000000"
AUTH = {"authorization": "Basic " + base64.b64encode(b"AC00000000000000000000000000000000:token").decode()}
FORM = {**AUTH, "content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("path, split", [
    ("/Accounts/{AccountSid}/Messages/{Sid}.json", ("/Accounts/{AccountSid}/Messages/{Sid}", ".json")),
    ("/Accounts/{AccountSid}/Messages.json", ("/Accounts/{AccountSid}/Messages", ".json")),
    ("/pet/{petId}", ("/pet/{petId}", "")),
    ("/repos/{owner}/{repo}/compare/{base}...{head}", ("/repos/{owner}/{repo}/compare/{base}...{head}", "")),
    ("/v1.2/things", ("/v1.2/things", "")),
])
def test_the_extension_is_the_last_segment_s_own(path: str, split: tuple[str, str]) -> None:
    assert split_extension(path) == split


def test_most_twilio_operations_touch_a_resource() -> None:
    api = load_api(Path(TWILIO))
    roles = {op_id: op.resource for op_id, op in api.operations.items()}
    assert sum(role is not None for role in roles.values()) >= 150 and len(roles) == 195
    messages = "/2010-04-01/Accounts/{AccountSid}/Messages"
    assert {op_id: (roles[op_id].kind, roles[op_id].resource.name, roles[op_id].id_param) for op_id in
            ("CreateMessage", "FetchMessage", "ListMessage", "UpdateMessage", "DeleteMessage")} == {
        "CreateMessage": ("create", messages, None), "FetchMessage": ("read", messages, "Sid"),
        "ListMessage": ("list", messages, None), "UpdateMessage": ("update", messages, "Sid"),
        "DeleteMessage": ("delete", messages, "Sid")}
    assert dict(roles["CreateMessage"].request_names) == {
        "Body": "body", "From": "from", "MessagingServiceSid": "messaging_service_sid", "To": "to"}


def test_what_is_written_below_a_twilio_record_is_not_an_action_on_it() -> None:
    """Below `/Accounts/{Sid}.json` and `/Calls/{Sid}.json` are other resources' paths (a phone
    number, a payment): written there, the reply is theirs, not the account's or the call's
    fields projected onto it (it answered `sid: null` and the account's name)."""
    api = load_api(Path(TWILIO))
    for op_id in ("CreateIncomingPhoneNumberLocal", "CreateToken", "CreatePayments", "UpdatePayments"):
        role = api.operations[op_id].resource
        assert role is None or role.kind != "action", (op_id, role)
    mock = InProcess(TWILIO)
    number = mock.request("POST", ACCOUNT + "/IncomingPhoneNumbers/Local.json", FORM,
                          b"PhoneNumber=%2B15005550006&FriendlyName=Front+desk").json()
    account = mock.get(ACCOUNT + ".json", AUTH).json()
    assert number["sid"] and number["sid"].startswith("PN") and number["friendly_name"] != account["friendly_name"]


def test_a_reader_without_the_extension_keeps_its_collection(tmp_path: Path) -> None:
    """`/pets/{id}.json` declared before `/pets/{id}`: the collection is still `/pets`, whatever
    the order (the first reader of a name defines it)."""
    item = {"get": {"operationId": "", "parameters": [{"name": "id", "in": "path", "required": True,
                                                          "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "a pet", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Pet"}}}}}}}
    listed = {"description": "pets", "content": {"application/json": {"schema": {
        "type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}
    created = {"description": "a pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}
    document = {"openapi": "3.0.3", "info": {"title": "pets", "version": "1"}, "paths": {
        "/pets/{id}.json": {"get": {**item["get"], "operationId": "getPetJson"}},
        "/pets/{id}": {"get": {**item["get"], "operationId": "getPet"}},
        "/pets": {"get": {"operationId": "listPets", "responses": {"200": listed}},
                  "post": {"operationId": "createPet", "requestBody": {"content": {"application/json": {
                      "schema": {"$ref": "#/components/schemas/Pet"}}}}, "responses": {"201": created}}}},
        "components": {"schemas": {"Pet": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}}}}}}
    path = tmp_path / "pets.json"
    path.write_text(json.dumps(document))
    roles = {op_id: op.resource for op_id, op in load_api(path).operations.items()}
    assert {op_id: (role.kind, role.resource.name) for op_id, role in roles.items() if role is not None} == {
        "getPet": ("read", "/pets"), "listPets": ("list", "/pets"), "createPet": ("create", "/pets")}


def test_two_request_fields_of_one_snake_case_name_neither_of_them() -> None:
    assert _record_names({"Url": {}, "URL": {}, "Body": {}}, {"url": {}, "body": {}}) == {"Body": "body"}
    assert _record_names({"url": {}, "URL": {}}, {"url": {}}) == {"url": "url"}


@pytest.fixture(scope="module")
def twilio() -> InProcess:
    return InProcess(TWILIO)


def sids(mock: InProcess) -> list[str]:
    listed = mock.get(ACCOUNT + "/Messages.json?PageSize=1000", AUTH)
    assert listed.status_code == 200, listed.text
    return [message["sid"] for message in listed.json()["messages"]]


def test_a_message_is_read_back_updated_and_deleted(twilio: InProcess) -> None:
    created = twilio.request("POST", ACCOUNT + "/Messages.json", FORM,
                             b"To=%2B15558675310&From=%2B15017122661&Body=Hello")
    assert created.status_code == 201, created.text
    message = created.json()
    assert (message["to"], message["from"], message["body"]) == ("+15558675310", "+15017122661", "Hello")
    item = ACCOUNT + f"/Messages/{message['sid']}.json"
    assert twilio.get(item, AUTH).json() == message
    assert message["sid"] in sids(twilio)

    updated = twilio.request("POST", item, FORM, b"Body=Changed")
    assert updated.status_code == 200, updated.text
    assert updated.json() == {**message, "body": "Changed"}
    assert twilio.get(item, AUTH).json() == updated.json()

    assert twilio.request("DELETE", item, AUTH).status_code == 204
    # Twilio declares no 404 for a read: a deleted id is generated again, as any unknown id is
    # (docs/serving-reference.md), so the stored message is gone, from its read and its list
    assert twilio.get(item, AUTH).json()["body"] != "Changed"
    assert message["sid"] not in sids(twilio)
    assert twilio.request("POST", item, FORM, b"Body=Again").status_code == 404


def test_a_created_message_belongs_to_the_account_in_its_path(twilio: InProcess) -> None:
    """The path's `{AccountSid}` is the record's `account_sid` (the parent parameter, in another
    case): a message created under an account says so, and is listed under it."""
    other = "/2010-04-01/Accounts/AC" + "1" * 32
    created = twilio.request("POST", other + "/Messages.json", FORM, b"To=%2B15558675310&From=%2B15017122661&Body=Hi")
    assert created.status_code == 201, created.text
    assert created.json()["account_sid"] == "AC" + "1" * 32
    assert twilio.get(other + f"/Messages/{created.json()['sid']}.json", AUTH).json()["account_sid"] == "AC" + "1" * 32
    operations = load_api(Path(TWILIO)).operations
    assert dict(operations["CreateMessage"].resource.parent_fields) == {"AccountSid": "account_sid"}


def test_a_list_keeps_the_messages_its_query_names_in_another_case(twilio: InProcess) -> None:
    """`?To=` filters on the record's `to`, as `?status=` filters on `status`."""
    account = "/2010-04-01/Accounts/AC" + "2" * 32
    for to in (b"%2B15551230001", b"%2B15551230002", b"%2B15551230001"):
        assert twilio.request("POST", account + "/Messages.json", FORM,
                              b"To=" + to + b"&From=%2B15017122661&Body=Hi").status_code == 201
    listed = twilio.get(account + "/Messages.json?To=%2B15551230001&PageSize=1000", AUTH)
    assert listed.status_code == 200, listed.text
    assert [message["to"] for message in listed.json()["messages"]] == ["+15551230001"] * 2
    generated = twilio.get(account + "/Messages.json?To=%2B15551230001", {**AUTH, "prefer": "code=200"})
    assert {message["to"] for message in generated.json()["messages"]} == {"+15551230001"}  # a generated page
    operations = load_api(Path(TWILIO)).operations
    assert dict(operations["ListMessage"].resource.filters) == {"To": "to", "From": "from"}


def test_twilio_pages_count_from_zero(twilio: InProcess) -> None:
    """Twilio's `Page` declares `minimum: 0`: its first page is 0, so a client that asks for the
    page after `?Page=0` asks `?Page=1` and gets the second, not the first again."""
    account = "/2010-04-01/Accounts/AC" + "3" * 32 + "/Messages.json?PageSize=2"
    first, second = (twilio.get(account + page, AUTH).json() for page in ("", "&Page=1"))
    assert (first["page"], second["page"]) == (0, 1)
    assert twilio.get(account + "&Page=0", AUTH).json() == first
    assert not {message["sid"] for message in first["messages"]} & {message["sid"] for message in second["messages"]}
    assert len(first["messages"]) == len(second["messages"]) == 2
