"""The validate stage: every reply the contract declares is checked with openapi-core before
it leaves.

openapi-core's `validate_response` finds the server, path and operation again on every call
(about 1.4 ms here). The mock already knows the operation, so for JSON bodies it builds
openapi-core's own schema validator once per (operation, status), on a lean copy of the
schema with the same verdicts (leanschema.py), and checks status and content type itself
(about 0.1-0.2 ms); responses that declare headers or a non-JSON body go through the full
`validate_response`. A JSON body is first put to a compiled judge of its lean schema
(`BodyValidator`, leanschema.judge): openapi-core's validator runs only on the bodies it does
not pass, so most replies cost a fraction of it and every violation is still worded by it.
The verdict for a byte-identical reply is cached (bounded), since most mock traffic repeats
itself; it is kept on the second time a reply is seen, as the replay layer keeps replies
(replay.py): a new id per request would otherwise put every one-off body in the cache, for
nothing, and push out the ones that come back.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from typing import Any, Callable
from urllib.parse import urlsplit

from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.deserializing.media_types import media_type_deserializers
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.schemas import oas30_read_schema_validators_factory

from mockserver.http import problems
from mockserver.base.admission import SecondSight
from mockserver.contract.operations import Api, DeclaredResponse, Operation, served_type
from mockserver.contract.documents import recall, remember
from mockserver.base.pointer import resolve
from mockserver.base.defaults import VALIDATION_CACHE_SIZE
from mockserver.base.httpfacts import is_json
from mockserver.http.media import FILES, essence, is_rendering, render
from mockserver.contract.leanschema import (References, judge, judge_with_references, lean_schema,
                                            lean_validators_factory)
from mockserver.http.reply import Reply, encode_json

log = logging.getLogger("mockserver")

_PARAM = re.compile(r"\{[^}]+\}")
PLANS_KEPT = 4096  # ResponseValidator._plans: far more than the responses a document declares


def _violations(exc: BaseException) -> list[str]:
    """Readable violations out of openapi-core's exception chain."""
    found: list[str] = []
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        for error in getattr(node, "schema_errors", ()) or ():
            pointer = "/" + "/".join(str(p) for p in getattr(error, "absolute_path", ()))
            found.append(f"{pointer}: {error.message}")
        node = node.__cause__ or node.__context__
    return found or [f"{type(exc).__name__}: {exc}"]


def _readers(api: Api) -> dict[str, Any]:
    """openapi-core's body readers for the response types it does not know as JSON: every `+json`
    type (RFC 6839; it knows `application/vnd.api+json` alone, and reads `problem+json` as
    bytes, which no object schema accepts), and the rendered ones (XML, CSV), which
    `_validate` hands it as the JSON of the value they were rendered from."""
    readers = {}
    for op in api.operations.values():
        for response in [*op.responses.values(), *op.fallbacks.values()]:
            for variant in response.variants:
                served = served_type(variant.media_type)
                if served is not None and (is_json(served) or is_rendering(served)):
                    for key in (variant.media_type, essence(variant.media_type)):
                        readers[str(key).lower()] = json_loads
    return readers


class BodyValidator:
    """openapi-core's schema validator for one body (`validate`, raising its InvalidSchemaValue),
    with a compiled judge before it for bodies read from JSON (`validate_json`): most replies
    are valid, and the judge (leanschema.judge, jsonschema-rs) says so in a fraction of the
    time; openapi-core's validator runs only when the judge finds a fault or cannot judge (no
    judge for the schema, a lone surrogate, NaN or Infinity in the bytes), so every violation
    reported is still openapi-core's, in its words."""

    __slots__ = ("schema_validator", "judge")

    def __init__(self, schema_validator: Any, judge: Callable[[Any], bool] | None) -> None:
        self.schema_validator = schema_validator
        self.judge = judge

    @property
    def validator(self) -> Any:
        """The jsonschema validator openapi-core's walks the schema with."""
        return self.schema_validator.validator

    def validate(self, value: Any) -> None:
        """openapi-core's verdict on any Python value (a document's example, a string body)."""
        self.schema_validator.validate(value)

    def validate_json(self, raw: bytes, encoded: Any = None, floatless: bool = False) -> None:
        """The verdict on the JSON `raw`, as sent: valid when the judge says so. `encoded`: the
        value `raw` was encoded from (http/reply.encode_json), judged without decoding `raw`:
        decoding gives it back, but for what jsonschema-rs refuses to take (keys that are not
        strings, subclasses of str), which raises here and goes the long way. `floatless`:
        `encoded` holds no float (Reply.floatless), so `raw` is not scanned for NaN and Infinity,
        which only a float writes (in a string the judge reads them as the text they are)."""
        value, decoded = encoded, encoded is None
        if self.judge is not None and ((floatless and not decoded) or (b"NaN" not in raw and b"Infinity" not in raw)):
            if decoded:
                value = json.loads(raw)
            try:
                if self.judge(value):
                    return
            except Exception:  # noqa: BLE001  not judged: a value jsonschema-rs cannot take
                pass  # (a lone surrogate), or a check that raised: openapi-core's says the same
        else:
            decoded = False
        self.schema_validator.validate(value if decoded else json.loads(raw))


class ResponseValidator:
    """Validates replies of one API's operations."""

    def __init__(self, api: Api, cache_size: int = VALIDATION_CACHE_SIZE) -> None:
        # Not validated again as a whole (openapi-core would, 0.6 s on a large document): every
        # document served has passed this very validator (openapi-spec-validator's 3.0 one) on
        # its way in, as it is (documents.py) or normalized; the mock's own additions since
        # (declared 401s, `content: {}` dropped) are valid by construction, and tested.
        self._openapi = OpenAPI.from_dict(api.document, config=Config(
            spec_validator_cls=None, extra_media_type_deserializers=_readers(api)))
        self._document = api.document
        server = urlsplit(api.server_url)
        # openapi-core matches requests against the document's servers, wherever we mount it.
        self._host = f"{server.scheme or 'http'}://{server.netloc or 'localhost'}"
        self._server_path = server.path.rstrip("/")
        # built per operation on its first reply (1-2 ms each): 195 operations would cost start-up 0.2 s
        self._body_validators: dict[tuple[str, str, str | None], Any] = {}
        self._built: set[str] = set()  # the operations whose validators are in _body_validators
        self._references = References(api.document)  # judges of schemas that refer to themselves
        # (operationId, status, content type) -> (its body validator, _text_kind): what _validate
        # finds for a reply from the operation's declared responses, found once
        self._plans: dict[tuple[str, int, str | None], tuple[Any, str | None]] = {}
        self._cache: OrderedDict[tuple, tuple[str, ...]] = OrderedDict()
        self._cache_size = cache_size
        self._admission = SecondSight(cache_size)  # kept the second time a reply is seen (admission.py)
        self._lock = threading.Lock()

    def check(self, op: Operation, reply: Reply) -> Reply:
        """The validate stage: a reply the contract declares goes out only if it is what the
        contract says; one that is not is the mock's bug, answered as a 500 that names it."""
        if not reply.contract:
            return reply
        violations = self.violations(op, reply.status, reply.media_type, reply.body, reply.value_json, reply.value,
                                     reply.floatless)
        if not violations:
            return reply
        log.error("contract violation in %s %d: %s", op.operation_id, reply.status, "; ".join(violations))
        return problems.contract_violation(op.operation_id, reply.status, list(violations))

    def violations(self, op: Operation, status: int, media_type: str | None, body: bytes,
                   value_json: bytes | None = None, encoded: Any = None, floatless: bool = False) -> tuple[str, ...]:
        """Empty when the reply is what the contract declares. A body rendered from a value
        (CSV, XML) is checked as that value (`value_json`): openapi-core reads neither format.
        `encoded`, `floatless`: the value a JSON `body` was encoded from, and whether it holds no
        float (BodyValidator.validate_json)."""
        key = (op.operation_id, status, media_type, body, value_json)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        verdict = tuple(self._validate(op, status, media_type, body, value_json, encoded, floatless))
        with self._lock:
            if self._admission.again(key):
                self._cache[key] = verdict
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return verdict

    def _body_validator(self, op: Operation, doc_key: str, media_type: str | None) -> Any:
        """openapi-core's schema validator for a JSON body of `op`'s response `doc_key` that declares
        no headers; None where the full `validate_response` is needed."""
        if op.operation_id not in self._built:
            self._body_validators.update(self._build_body_validators(op))
            self._built.add(op.operation_id)
        return self._body_validators.get((op.operation_id, doc_key, media_type))

    def _build_body_validators(self, op: Operation) -> dict[tuple[str, str, str | None], Any]:
        spec = self._openapi.spec
        validators = {}
        raw_responses = self._document["paths"][op.path][op.method]["responses"]
        for declared in [variant for response in [*op.responses.values(), *op.fallbacks.values()]
                         for variant in response.variants]:
            raw = resolve(self._document, raw_responses[declared.doc_key])
            if declared.media_type is None or declared.schema is None or raw.get("headers"):
                continue
            if not (declared.json or is_rendering(declared.media_type)) and self._text_kind(declared) is None:
                continue
            lean = lean_schema(self._document, declared.schema)
            if lean is not None:  # same verdicts, less to walk (leanschema.py)
                schema = SchemaPath.from_dict(lean)
                validator = BodyValidator(lean_validators_factory.create(schema, schema), judge(lean))
            else:
                schema = spec / "paths" / op.path / op.method / "responses" / declared.doc_key / "content" / declared.media_type / "schema"
                # a schema that refers to itself: openapi-core's validator, the judge on references
                validator = BodyValidator(oas30_read_schema_validators_factory.create(spec, schema),
                                          judge_with_references(self._document, declared.schema, self._references))
            validators[(op.operation_id, declared.doc_key, declared.media_type)] = validator
        return validators

    def _text_kind(self, declared: DeclaredResponse) -> str | None:
        """How a body in a media type openapi-core has no reader for (GitHub's
        `application/octocat-stream`) is read back: as the text it was written from ("string"),
        or as JSON ("json", what media.render writes for a structured value); None for JSON,
        rendered (CSV, XML) and binary bodies, and for the types openapi-core reads itself."""
        if declared.json:  # most replies: known without parsing the media type
            return None
        kind = essence(declared.media_type or "")
        if is_rendering(kind) or kind in FILES or kind in media_type_deserializers:
            return None
        schema = resolve(self._document, declared.schema)
        if not isinstance(schema, dict) or schema.get("format") in ("binary", "byte"):
            return None
        return "string" if schema.get("type") == "string" else "json"

    def _validate(self, op: Operation, status: int, media_type: str | None, body: bytes,
                  value_json: bytes | None = None, encoded: Any = None, floatless: bool = False) -> list[str]:
        plan = self._plans.get((op.operation_id, status, media_type))
        if plan is None:
            declared = op.declared(status)
            if declared is None:
                return [f"status {status} is not declared (declared: {op.declared_statuses()})"]
            if declared.media_type is None:
                return [] if not body else ["the contract declares no body for this status"]
            variant = declared.variant(media_type)
            if variant is None:
                return [f"content type {media_type!r} is not declared for {status} "
                        f"({', '.join(str(v.media_type) for v in declared.variants)})"]
            plan = (self._body_validator(op, variant.doc_key, variant.media_type), self._text_kind(variant))
            if plan[0] is not None:
                if len(self._plans) >= PLANS_KEPT:  # a proxied upstream may send any content type
                    self._plans.clear()
                self._plans[(op.operation_id, status, media_type)] = plan
        validator, text = plan  # text: None for JSON
        if validator is not None:
            try:
                if text == "string":  # the text the generated string was written as
                    validator.validate(body.decode("utf-8"))
                else:
                    validator.validate_json(body if value_json is None else value_json,
                                            encoded if value_json is None else None, floatless)
            except (ValueError, OpenAPIError) as exc:  # not JSON or not UTF-8; or openapi-core's InvalidSchemaValue
                return _violations(exc)
            return []
        path = self._server_path + _PARAM.sub("x", op.path)
        request = MockRequest(self._host, op.method, path)
        # a rendered body (XML, CSV) is checked as the value it was rendered from, as above
        response = MockResponse(body if value_json is None else value_json, status_code=status,
                                content_type=media_type or "")
        try:
            self._openapi.validate_response(request, response)
        except Exception as exc:  # openapi-core raises a family of errors; all mean "invalid"
            return _violations(exc)
        return []

    def check_body(self, op: Operation, status: int, payload: Any,
                   declared: DeclaredResponse | None = None) -> tuple[str, ...]:
        """Validate a Python value as the body of `status` (used for fixtures, records and the
        document's own examples; `declared` names the response when `status` alone does not)."""
        declared = declared or op.declared(status)
        if declared is not op.declared(status):  # a range's or default's example, checked as written
            return self._check_value(op, declared, payload)
        media_type = declared.media_type if declared else None
        if media_type is None:
            return self.violations(op, status, None, encode_json(payload))
        value_json = encode_json(payload) if is_rendering(media_type) else None
        return self.violations(op, status, media_type, render(media_type, payload, declared.schema, self._document), value_json)

    def check_at(self, at: tuple[str, ...], payload: Any) -> tuple[str, ...]:
        """Validate a value against the schema at `at` (tokens from the document's root): a
        callback's body (events/callbacks.py). Read rules, since the server wrote it: the record
        it carries keeps its readOnly fields (`id`, `created_at`)."""
        # a separator no key holds: a callback's key is a URL template, full of '/'
        spec = SchemaPath.from_dict(self._document, separator="\x00")
        schema = spec
        for token in at:
            schema = schema / token
        try:
            oas30_read_schema_validators_factory.create(spec, schema).validate(payload)
        except OpenAPIError as exc:
            return tuple(_violations(exc))
        return ()

    def _check_value(self, op: Operation, declared: DeclaredResponse, payload: Any) -> tuple[str, ...]:
        validator = self._body_validator(op, declared.doc_key, declared.media_type)
        if validator is None:
            return ()  # not JSON: openapi-core's full check needs a concrete status; served examples are checked then
        try:
            validator.validate(payload)
        except OpenAPIError as exc:
            return tuple(_violations(exc))
        return ()


def drop_broken_examples(api: Api, validator: ResponseValidator) -> list[str]:
    """Remove every response example that breaks its own schema; one warning for each.

    Documents do ship such examples; serving one would be a contract violation (a 500) on a
    request the contract allows, so the mock generates a value there instead, and says so.
    Checking them all is most of a warm start on a large document (GitHub's 1,051 examples:
    4 s), and the verdicts depend on the document and the mock's code alone: they are
    remembered by the document's bytes (documents.recall), as the normalized document is.
    """
    known = recall(api.source, "broken-examples")
    if isinstance(known, dict):
        for operation_id, doc_key, media_type, name in known["dropped"]:
            for declared in _declared(api.operations[operation_id]):
                if (declared.doc_key, declared.media_type) == (doc_key, media_type):
                    declared.examples.pop(name, None)  # type: ignore[attr-defined]
        return list(known["warnings"])
    warnings, dropped = [], []
    for op in api.operations.values():
        for declared in _declared(op):
            status = declared.status
            for name, value in list(declared.examples.items()):
                violations = validator.check_body(op, status, value, declared)
                if violations:
                    del declared.examples[name]
                    dropped.append([op.operation_id, declared.doc_key, declared.media_type, name])
                    warnings.append(f"{api.source}: {op.method.upper()} {op.path} {declared.doc_key}: example {name!r} "
                                    f"breaks its own schema ({violations[0]}); generated values are served instead")
    remember(api.source, "broken-examples", {"dropped": dropped, "warnings": warnings})
    return warnings


def _declared(op: Operation) -> list[DeclaredResponse]:
    return [variant for response in [*op.responses.values(), *op.fallbacks.values()] for variant in response.variants]
