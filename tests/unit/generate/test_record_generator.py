"""RecordGenerator: deterministic, valid against the vendor schemas, realistic, fast enough (the same across
processes: tests/process/test_generate.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30ReadValidator, OAS30Validator, oas30_format_checker

from tests.documents import contract, lago, ref, sequence  # noqa: F401 (fixtures)
from mockserver.generate import DEFAULT_ANCHOR, RecordGenerator

ROOT = Path(__file__).resolve().parents[3]
KEYS = [("op", str(i)) for i in range(200)]
EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")
DATETIME_FMT = "%Y-%m-%dT%H:%M:%SZ"
WINDOW = dt.timedelta(days=90)


def validator(doc: dict[str, Any], schema: dict[str, Any], cls: Any = OAS30Validator) -> Any:
    """Validate with the document's components reachable, so local $refs resolve."""
    return cls({**schema, "components": doc.get("components", {})}, format_checker=oas30_format_checker)


def parse_ts(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, DATETIME_FMT).replace(tzinfo=dt.UTC)


def assert_recent(value: str, anchor: dt.datetime = DEFAULT_ANCHOR) -> dt.datetime:
    ts = parse_ts(value)  # also checks the exact 'YYYY-MM-DDTHH:MM:SSZ' shape
    assert anchor - WINDOW <= ts < anchor, value
    return ts


def assert_uuid(value: str) -> None:
    assert str(uuid.UUID(value)) == value


# --- determinism ----------------------------------------------------------------------------------

def test_same_key_same_record(lago: dict[str, Any]) -> None:
    gen = RecordGenerator(lago, seed=7)
    first = gen.generate(ref("ActivityLog"), key=("findActivityLog", "abc"))
    assert gen.generate(ref("ActivityLog"), key=("findActivityLog", "abc")) == first
    # a fresh generator (fresh caches) agrees too
    assert RecordGenerator(lago, seed=7).generate(ref("ActivityLog"), key=("findActivityLog", "abc")) == first


def test_different_keys_and_seeds_differ(lago: dict[str, Any]) -> None:
    gen = RecordGenerator(lago)
    records = [json.dumps(gen.generate(ref("ApiLog"), key=k)) for k in KEYS[:50]]
    assert len(set(records)) == 50
    other = RecordGenerator(lago, seed=1).generate(ref("ApiLog"), key=KEYS[0])
    assert json.dumps(other) != records[0]


def test_thread_safe(sequence: dict[str, Any]) -> None:
    gen = RecordGenerator(sequence)
    keys = KEYS[:64]
    sequential = [gen.generate(ref("ActivityLogResponse"), key=k) for k in keys]
    fresh = RecordGenerator(sequence)  # compiled concurrently, from cold caches
    with ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(lambda k: fresh.generate(ref("ActivityLogResponse"), key=k), keys))
    assert parallel == sequential


def test_anchor_moves_timestamps_only(lago: dict[str, Any]) -> None:
    later = DEFAULT_ANCHOR + dt.timedelta(days=10)
    a = RecordGenerator(lago).generate(ref("ActivityLog"), key=("x",))["activity_log"]
    b = RecordGenerator(lago, anchor=later).generate(ref("ActivityLog"), key=("x",))["activity_log"]
    assert parse_ts(b["created_at"]) - parse_ts(a["created_at"]) == dt.timedelta(days=10)
    def untimed(rec: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in rec.items() if not k.endswith("_at")}
    assert untimed(a) == untimed(b)


# --- pins -----------------------------------------------------------------------------------------

def test_pins_nested_path(lago: dict[str, Any], sequence: dict[str, Any]) -> None:
    gen = RecordGenerator(lago)
    plain = gen.generate(ref("ActivityLog"), key=("findActivityLog", "abc"))
    pinned = gen.generate(ref("ActivityLog"), key=("findActivityLog", "abc"),
                          pins={("activity_log", "activity_id"): "abc"})
    assert pinned["activity_log"]["activity_id"] == "abc"
    # pinning one field leaves the rest of the record as it was
    assert {**plain["activity_log"], "activity_id": "abc"} == pinned["activity_log"]
    for k in KEYS[:100]:  # a pinned id still draws what its generated value would have (its uuid)
        plain = gen.generate(ref("ActivityLog"), key=k)
        pinned = gen.generate(ref("ActivityLog"), key=k, pins={("activity_log", "activity_id"): "abc"})
        assert {**plain["activity_log"], "activity_id": "abc"} == pinned["activity_log"], k

    seq = RecordGenerator(sequence).generate(ref("ActivityLogResponse"), key=("s",), pins={
        ("id",): "log-1", ("activityLogItems", 0, "activityLogActor", "email"): "ops@example.com"})
    assert seq["id"] == "log-1"
    assert seq["activityLogItems"][0]["activityLogActor"]["email"] == "ops@example.com"
    assert all(item["activityLogId"] == "log-1" for item in seq["activityLogItems"])  # children follow their parent


def test_pins_force_optional_and_timeline(lago: dict[str, Any]) -> None:
    gen = RecordGenerator(lago)
    for k in KEYS[:40]:
        rec = gen.generate(ref("ActivityLogObject"), key=k, pins={
            ("user_email",): "pinned@piedpiper.test", ("logged_at",): "2026-10-20T10:00:00Z"})
        assert rec["user_email"] == "pinned@piedpiper.test"
        assert parse_ts(rec["created_at"]) <= parse_ts("2026-10-20T10:00:00Z")
    assert gen.generate(ref("ActivityLog"), key=("x",), pins={(): {"whole": True}}) == {"whole": True}


# --- validity and realism on the vendor schemas ---------------------------------------------------

@pytest.mark.parametrize("name", ["ActivityLog", "ActivityLogObject", "ApiLog", "ApiLogObject",
                                  "ApiErrorUnauthorized", "ApiErrorNotFound"])
def test_lago_records_validate(lago: dict[str, Any], name: str) -> None:
    gen = RecordGenerator(lago)
    check = validator(lago, ref(name))
    for k in KEYS:
        record = gen.generate(ref(name), key=k)
        errors = [e.message for e in check.iter_errors(record)]
        assert not errors, (k, record, errors)


def test_lago_activity_log_realism(lago: dict[str, Any]) -> None:
    gen = RecordGenerator(lago)
    schema = lago["components"]["schemas"]["ActivityLogObject"]
    sources = set()
    null_emails = 0
    for k in KEYS:
        rec = gen.generate(schema, key=k)
        assert set(schema["required"]) <= set(rec)
        created, logged = assert_recent(rec["created_at"]), assert_recent(rec["logged_at"])
        assert created <= logged
        for field in ("activity_id", "resource_id", "organization_id"):
            assert_uuid(rec[field])
        assert rec["activity_source"] in ("api", "front", "system")
        sources.add(rec["activity_source"])
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", rec["activity_type"])
        assert re.fullmatch(r"(?:[A-Z][a-z]+)+", rec["resource_type"])
        if rec.get("user_email") is None:
            null_emails += "user_email" in rec
        else:
            assert EMAIL.match(rec["user_email"]), rec["user_email"]
        for field in ("activity_object", "activity_object_changes"):
            assert rec.get(field) is None or isinstance(rec[field], dict)
    assert sources == {"api", "front", "system"}
    assert null_emails < 30  # nullable optional fields are null only rarely
    # one organization: its id is the same in every record
    assert len({gen.generate(schema, key=k)["organization_id"] for k in KEYS[:20]}) == 1


def test_lago_api_log_realism(lago: dict[str, Any]) -> None:
    gen = RecordGenerator(lago)
    schema = lago["components"]["schemas"]["ApiLogObject"]
    statuses = set()
    for k in KEYS:
        rec = gen.generate(schema, key=k)
        assert assert_recent(rec["created_at"]) <= assert_recent(rec["logged_at"])
        assert rec["http_method"] in ("post", "put", "delete")
        assert rec["http_status"] in (200, 201, 204, 400, 401, 404, 422, 429, 500)
        statuses.add(rec["http_status"])
        assert isinstance(rec["request_body"], dict)
        assert rec.get("request_response") is None or isinstance(rec["request_response"], dict)
        assert rec["request_path"].startswith("/") and " " not in rec["request_path"]
        assert re.match(r"https?://[^/\s]+/", rec["request_origin"])
        assert re.fullmatch(r"\S+ \S+ v\d+\.\d+\.\d+", rec["client"])
        assert_uuid(rec["request_id"])
        if rec["http_method"] == "delete":
            assert rec["request_body"] == {}
    assert 200 in statuses and len(statuses) > 3


def test_sequence_records_validate_and_look_real(sequence: dict[str, Any]) -> None:
    gen = RecordGenerator(sequence)
    check = validator(sequence, ref("ActivityLogResponse"))
    for k in KEYS:
        rec = gen.generate(ref("ActivityLogResponse"), key=k)
        errors = [e.message for e in check.iter_errors(rec)]
        assert not errors, (k, rec, errors)
        assert_uuid(rec["id"])
        assert_recent(rec["createdAt"])
        if "traceId" in rec:
            assert re.fullmatch(r"[0-9a-f]{32}", rec["traceId"])
        assert 1 <= len(rec["activityLogItems"]) <= 3
        for item in rec["activityLogItems"]:
            assert item["activityLogId"] == rec["id"]
            assert item["verb"].isupper()
            assert item["name"].split()[-1].upper() == item["verb"]
            assert item["summary"][0].isupper() and len(item["summary"].split()) >= 3
            assert item["activityLogObject"]["entityType"].replace("_", "").isupper()
            email = item["activityLogActor"].get("email")
            assert email is None or EMAIL.match(email), email
            assert all(isinstance(m, dict) for m in item.get("metadata", []))


# --- synthetic schema: every constraint keyword ---------------------------------------------------

SYNTHETIC: dict[str, Any] = {
    "openapi": "3.0.3",
    "components": {"schemas": {
        "Money": {"type": "object", "required": ["amount_cents", "currency"], "additionalProperties": False,
                  "properties": {"amount_cents": {"type": "integer", "format": "int64", "minimum": 0,
                                                  "multipleOf": 100},
                                 "currency": {"type": "string", "enum": ["EUR", "USD"]}}},
        "Card": {"type": "object", "required": ["kind", "last4"], "additionalProperties": False,
                 "properties": {"kind": {"type": "string", "enum": ["card"]},
                                "last4": {"type": "string", "pattern": "^[0-9]{4}$"}}},
        "Bank": {"type": "object", "required": ["kind", "iban"], "additionalProperties": False,
                 "properties": {"kind": {"type": "string", "enum": ["bank"]},
                                "iban": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,20}$"}}},
        "Node": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}},
    }},
}
BOUNDS: dict[str, Any] = {
    "type": "object",
    "required": ["code", "short", "score", "ratio", "tags", "price", "method", "limits", "level", "tree"],
    "properties": {
        "code": {"type": "string", "minLength": 5, "maxLength": 8},
        "short": {"type": "string", "maxLength": 3, "example": "abcdef"},
        "sku": {"type": "string", "pattern": "^SKU-[A-Z]{3}-\\d{4}$", "example": "nope"},
        "score": {"type": "integer", "format": "int32", "minimum": 10, "maximum": 20, "exclusiveMinimum": True,
                  "exclusiveMaximum": True},
        "even": {"type": "integer", "minimum": -7, "maximum": 7, "multipleOf": 2},
        "ratio": {"type": "number", "format": "double", "minimum": 0, "maximum": 1, "exclusiveMinimum": True},
        "step": {"type": "number", "minimum": 0.1, "maximum": 2.0, "multipleOf": 0.25},
        "tags": {"type": "array", "minItems": 2, "maxItems": 4, "uniqueItems": True,
                 "items": {"type": "string", "enum": ["a", "b", "c", "d", "e"]}},
        "few": {"type": "array", "maxItems": 1, "items": {"type": "integer"}},
        "note": {"type": "string", "nullable": True},
        "price": {"allOf": [{"$ref": "#/components/schemas/Money"}, {"description": "merged"}]},
        "level": {"allOf": [{"type": "integer", "minimum": 1}, {"maximum": 3}]},
        "method": {"oneOf": [{"$ref": "#/components/schemas/Card"}, {"$ref": "#/components/schemas/Bank"}],
                   "discriminator": {"propertyName": "kind",
                                     "mapping": {"card": "#/components/schemas/Card",
                                                 "bank": "#/components/schemas/Bank"}}},
        "either": {"oneOf": [{"type": "string", "format": "date"}, {"type": "integer", "minimum": 0}]},
        "limits": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 9},
                   "minProperties": 1},
        "tree": {"$ref": "#/components/schemas/Node"},
        "secret": {"type": "string", "writeOnly": True},
        "created_at": {"type": "string", "format": "date-time", "readOnly": True},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}


def test_synthetic_bounds_validate() -> None:
    gen = RecordGenerator(SYNTHETIC)
    check = validator(SYNTHETIC, BOUNDS, OAS30ReadValidator)
    seen_null = seen_step = False
    for k in KEYS:
        rec = gen.generate(BOUNDS, key=k)
        errors = [e.message for e in check.iter_errors(rec)]
        assert not errors, (k, rec, errors)
        assert 5 <= len(rec["code"]) <= 8 and len(rec["short"]) <= 3
        assert 10 < rec["score"] < 20 and 0 < rec["ratio"] <= 1 and 1 <= rec["level"] <= 3
        assert 2 <= len(rec["tags"]) <= 4 and len(set(rec["tags"])) == len(rec["tags"])
        assert rec["price"]["amount_cents"] % 100 == 0
        assert rec["method"]["kind"] in ("card", "bank")
        assert all(isinstance(v, int) and 1 <= v <= 9 for v in rec["limits"].values()) and rec["limits"]
        assert "secret" not in rec
        if "sku" in rec:
            assert re.fullmatch(r"SKU-[A-Z]{3}-\d{4}", rec["sku"])
        if "created_at" in rec and "updated_at" in rec:
            assert rec["created_at"] <= rec["updated_at"]
        seen_null |= "note" in rec and rec["note"] is None
        seen_step |= "step" in rec
    assert seen_step


def test_nullable_never_null_when_required() -> None:
    schema = {"type": "object", "required": ["a"], "properties": {
        "a": {"type": "string", "nullable": True}, "b": {"type": "string", "nullable": True}}}
    gen = RecordGenerator({})
    records = [gen.generate(schema, key=(str(i),)) for i in range(2000)]
    assert all(r["a"] is not None for r in records)
    nulls = sum(1 for r in records if "b" in r and r["b"] is None)
    assert 0 < nulls < 200  # sometimes, rarely


@pytest.mark.parametrize("doc_name", ["lago.yaml", "sequence.yaml"])
def test_every_declared_response_schema_validates(doc_name: str) -> None:
    """What the server asks for: each operation's JSON response schemas, as declared in the document."""
    doc = contract(doc_name.removesuffix(".yaml"))
    gen = RecordGenerator(doc)
    seen = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for status, response in op["responses"].items():
                schema = ((response.get("content") or {}).get("application/json") or {}).get("schema")
                if schema is None:
                    continue
                check = validator(doc, schema)
                for k in KEYS[:50]:
                    record = gen.generate(schema, key=(path, method, status) + k)
                    errors = [e.message for e in check.iter_errors(record)]
                    assert not errors, (path, method, status, record, errors)
                seen += 1
    assert seen >= 1


def test_uuids_are_what_the_uuid_module_would_make() -> None:
    """The generator formats version-4 UUIDs itself (cheaper); the bytes must not change."""
    import random

    from mockserver.generate.runtime import Run

    run = Run.__new__(Run)
    for seed in range(2000):
        run.rng, twin = random.Random(seed), random.Random(seed)
        assert run.uuid() == str(uuid.UUID(int=twin.getrandbits(128), version=4))


def test_ancestor_id_reads_only_the_enclosing_objects() -> None:
    """Run.ancestor_id: the innermost enclosing object of that name, never the object itself,
    nothing outside any object; `uuid_only` keeps an id only if it is a uuid."""
    import random

    from mockserver.generate.runtime import Ctx, Frame, Run

    run = Run(random.Random(1), Ctx(0, 1_790_000_000, "snake", "id"))
    assert run.ancestor_id("log") is None
    run.frames.append(Frame("log", run.root_theme))
    run.frames[0].values["id"] = "log-1"
    assert run.ancestor_id("log") is None  # the object itself
    run.frames.append(Frame("item", run.root_theme))
    run.frames.append(Frame("log", run.root_theme))
    run.frames[2].values["id"] = "log-2"
    run.frames.append(Frame("leaf", run.root_theme))
    assert run.ancestor_id("log") == "log-2"
    assert run.ancestor_id("log", True) is None
    run.frames[2].values["id"] = str(uuid.UUID(int=7, version=4))
    assert run.ancestor_id("log", True) == run.frames[2].values["id"]
    assert run.ancestor_id("leaf") is None
