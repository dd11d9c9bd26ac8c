"""Each private library API the mock relies on, exercised against the installed version.

An upgrade that moves or changes one fails here, with the library, the version tested and
what changed (mockserver/adapters/), rather than somewhere far away in a served request.
"""

from __future__ import annotations

import asyncio
import importlib
import random

import pytest
from connexion.exceptions import InvalidSpecification
from connexion.spec import Specification
from jsonschema import Draft4Validator

from mockserver.adapters import AdapterBroken, broken
from mockserver.adapters import connexion as connexion_adapter
from mockserver.adapters import jsonschema as jsonschema_adapter
from mockserver.adapters import argparse as argparse_adapter
from mockserver.adapters import openapi_spec_validator as spec_validator_adapter
from mockserver.adapters import pathable as pathable_adapter
from mockserver.adapters import regex, starlette as starlette_adapter, uvicorn as uvicorn_adapter
from mockserver.adapters import stdlib_random

ADAPTERS = [argparse_adapter, connexion_adapter, jsonschema_adapter, regex, starlette_adapter, uvicorn_adapter,
            spec_validator_adapter, pathable_adapter, stdlib_random]


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda module: module.__name__.rsplit(".", 1)[1])
def test_each_adapter_check_passes_on_the_installed_version(adapter) -> None:
    adapter.check()


def test_a_broken_adapter_says_which_library_version_and_module() -> None:
    failure = broken("starlette", "starlette 1.10.0", "ExceptionMiddleware._exception_handlers is gone", "starlette")
    assert isinstance(failure, AdapterBroken)
    assert str(failure) == ("starlette (tested with starlette 1.10.0): ExceptionMiddleware._exception_handlers is gone;"
                            " mockserver/adapters/starlette.py needs updating")


def test_a_check_fails_loudly_when_the_private_api_is_gone(monkeypatch) -> None:
    from starlette.middleware.exceptions import ExceptionMiddleware

    original = ExceptionMiddleware.__init__

    def without_tables(self, *args, **kwargs):
        original(self, *args, **kwargs)
        del self._status_handlers

    monkeypatch.setattr(ExceptionMiddleware, "__init__", without_tables)
    with pytest.raises(AdapterBroken, match=r"^starlette \(tested with starlette 1\.10\.0.*\): "
                                            r"ExceptionMiddleware\._status_handlers is no longer a dict; "
                                            r"mockserver/adapters/starlette\.py needs updating$"):
        starlette_adapter.check()


def test_nothing_outside_the_adapters_imports_a_private_library_module() -> None:
    """The rule the package states: private library modules are reached through it only."""
    from pathlib import Path

    root = Path(importlib.import_module("mockserver").__file__).parent
    private = ("starlette._exception_handler", "re._parser", "re._constants", "sre_parse", "sre_constants",
               "connexion_internals", "__self__", "._validate_spec", "._resolver", "._type_checkers", "._set(",
               "._actions", "_SubParsersAction", "swagger.router", "._validators", "_randbelow")
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if path.parent.name != "adapters" and any(name in path.read_text() for name in private)]
    assert offenders == []


# starlette: the exception dispatch


def test_starlette_dispatch_answers_with_the_handler_for_the_class() -> None:
    from starlette.middleware.exceptions import ExceptionMiddleware
    from starlette.responses import PlainTextResponse

    middleware = ExceptionMiddleware(app=None, handlers={KeyError: lambda request, exc: PlainTextResponse(
        f"no {exc.args[0]}", status_code=404)})
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [], "query_string": b""}
    asyncio.run(starlette_adapter.dispatch_exception(middleware, KeyError("pet"), scope, receive, send))
    assert sent[0]["status"] == 404
    assert sent[1]["body"] == b"no pet"


def test_starlette_dispatch_raises_on_what_no_handler_takes() -> None:
    from starlette.middleware.exceptions import ExceptionMiddleware

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        raise AssertionError("nothing is sent")

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [], "query_string": b""}
    with pytest.raises(ZeroDivisionError):
        asyncio.run(starlette_adapter.dispatch_exception(ExceptionMiddleware(app=None), ZeroDivisionError(), scope,
                                                         receive, send))


# uvicorn: the transport behind `send`


def test_uvicorn_transport_is_found_behind_the_cycles_send() -> None:
    from uvicorn.protocols.http.h11_impl import RequestResponseCycle

    cycle = RequestResponseCycle.__new__(RequestResponseCycle)
    cycle.transport = transport = object()
    assert uvicorn_adapter.transport_of(cycle.send) is transport


def test_uvicorn_transport_is_none_behind_any_other_send() -> None:
    async def send(message):
        return None

    assert uvicorn_adapter.transport_of(send) is None
    assert uvicorn_adapter.transport_of(print) is None  # bound to a module, no transport


# connexion: the document check, Swagger UI's router, request validation's steps

INVALID = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
           "paths": {"/a": {"get": {"responses": {"200": {"description": 7}}}}}}


def test_connexion_document_check_is_skipped_inside_only() -> None:
    with connexion_adapter.spec_check_skipped(True):
        assert Specification.from_dict(INVALID)["paths"]["/a"]["get"]["responses"]["200"]["description"] == 7
    with pytest.raises(InvalidSpecification):
        Specification.from_dict(INVALID)


def test_connexion_swagger_ui_paths_are_read_from_its_router() -> None:
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware
    from connexion.options import SwaggerUIOptions

    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "servers": [{"url": "/api"}],
                "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    swagger = SwaggerUIMiddleware(app=None)
    swagger.add_api(Specification.from_dict(document), swagger_ui_options=SwaggerUIOptions())
    paths = connexion_adapter.swagger_ui_paths(swagger)
    assert ("/api/openapi.json", False) in paths
    assert ("/api/ui/", False) in paths
    assert ("/api/ui", True) in paths  # the static files, a mount


def test_connexion_request_validation_steps() -> None:
    from connexion.exceptions import UnsupportedMediaTypeProblem
    from connexion.operations import OpenAPIOperation
    from connexion.resolver import Resolver

    schemes = {"key": {"type": "apiKey", "in": "query", "name": "api_key"}}
    operation = OpenAPIOperation(
        method="post", path="/a", resolver=Resolver(lambda _name: print), app_security=[], security_schemes=schemes,
        components={"securitySchemes": schemes},
        operation={"security": [{"key": []}], "operationId": "post_a",
                   "responses": {"200": {"description": "ok"}},
                   "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}})
    validation = connexion_adapter.request_validation(operation, strict_validation=False, validator_map=None)
    assert connexion_adapter.content_type(validation, [(b"content-type", b"application/json;charset=latin-1")]) \
        == ("application/json", "latin-1")
    assert connexion_adapter.content_type(validation, []) == ("application/json", "utf-8")  # the operation's own
    assert connexion_adapter.security_query_params(validation) == ["api_key"]
    connexion_adapter.refuse_unsupported_media(validation, "application/json")
    with pytest.raises(UnsupportedMediaTypeProblem):
        connexion_adapter.refuse_unsupported_media(validation, "text/plain")


# jsonschema: what leanschema's descend uses


def test_jsonschema_kept_descend_reports_what_jsonschema_reports_and_keeps_each_validator() -> None:
    import referencing
    import referencing.jsonschema
    from jsonschema.validators import extend

    kept: dict = {}
    ours = extend(Draft4Validator)
    ours.RESOLVER_SPECIFICATION = referencing.jsonschema.specification_with(
        dialect_id=ours.ID_OF(ours.META_SCHEMA), default=referencing.Specification.OPAQUE)
    ours.descend = jsonschema_adapter.kept_descend(kept)
    schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 2},
                                               "tags": {"type": "array", "items": {"type": "integer"}}}}
    instance = {"name": "abc", "tags": [1, "x"]}

    def report(validator) -> list:
        return sorted((e.message, list(e.path), list(e.schema_path), e.validator)
                      for e in validator.iter_errors(instance))

    assert report(ours(schema)) == report(Draft4Validator(schema)) == [
        ("'abc' is too long", ["name"], ["properties", "name", "maxLength"], "maxLength"),
        ("'x' is not of type 'integer'", ["tags", 1], ["properties", "tags", "items", "type"], "type"),
    ]
    assert len(kept) == 3  # name, tags and tags' items, each built once
    validator = ours(schema)
    before = len(kept)
    assert report(validator) == report(validator) and len(kept) == before + 3  # a new parent: its own


def test_jsonschema_type_checks_as_a_dict() -> None:
    checks = jsonschema_adapter.type_checks(Draft4Validator.TYPE_CHECKER)
    assert sorted(checks) == ["array", "boolean", "integer", "null", "number", "object", "string"]
    assert checks["integer"](Draft4Validator.TYPE_CHECKER, 3) is True
    assert checks["integer"](Draft4Validator.TYPE_CHECKER, True) is False


# re: the private parser


def test_regex_parse_gives_the_tree_pattern_generation_walks() -> None:
    from mockserver.generate.pattern import generate

    c = regex.constants
    assert list(regex.parse("ab")) == [(c.LITERAL, ord("a")), (c.LITERAL, ord("b"))]
    value = generate("^[A-Z]{3}-[0-9]{2}$", random.Random(1))
    assert value is not None and len(value) == 6 and value[:3].isupper() and value[3] == "-" and value[4:].isdigit()


# random: how Random.choice and randrange draw an index


def test_stdlib_random_below_draws_what_choice_and_randrange_draw() -> None:
    for n in (1, 5, 16, 17, 7775400):
        ours, theirs = random.Random(n), random.Random(n)
        assert [stdlib_random.below(ours.getrandbits, n.bit_length(), n) for _ in range(200)] == \
            [theirs.randrange(n) for _ in range(200)]


def test_stdlib_random_check_fails_when_choice_draws_otherwise(monkeypatch) -> None:
    monkeypatch.setattr(random.Random, "choice", lambda self, seq: seq[int(self.random() * len(seq))])
    with pytest.raises(AdapterBroken, match=r"^random \(tested with Python 3\.11-3\.13.*Random\.choice/randrange draw "
                                            r"otherwise.*mockserver/adapters/stdlib_random\.py needs updating$"):
        stdlib_random.check()


def test_stdlib_random_check_fails_when_randbelow_is_not_by_getrandbits(monkeypatch) -> None:
    monkeypatch.setattr(stdlib_random, "BY_GETRANDBITS", False)
    with pytest.raises(AdapterBroken, match=r"_randbelow is not _randbelow_with_getrandbits"):
        stdlib_random.check()
