"""The contract as the server sees it: documents loaded once, operations indexed for serving.

Everything vendor-specific is read from the documents here; no other module knows a vendor.
The index is built at start-up so that the request path only does dictionary look-ups.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from mockserver.base import notices

from mockserver.contract import pagination, resources
from mockserver.base.user_errors import UserError
from mockserver.base.httpfacts import HTTP_METHODS, is_json
from mockserver.http.media import essence
from mockserver.http.reply import is_bodiless
from mockserver.base.names import id_field_candidates, resource_key_candidates
from mockserver.contract.pagination import Pagination
from mockserver.contract.resources import Role, id_in
from mockserver.base.pointer import resolve, schema_properties
from mockserver.base.templates import routed_name
from mockserver.contract.documents import load_for_serving

log = logging.getLogger("mockserver")

_INTEGER = re.compile(r"[+-]?[0-9]+")  # as connexion's router takes an integer path parameter
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")



@dataclass(frozen=True)
class DeclaredResponse:
    """One declared status of an operation: what a reply with that status must look like."""

    status: int
    description: str
    media_type: str | None  # None: the contract declares no body
    schema: Mapping[str, Any] | None
    examples: Mapping[str, Any]  # name -> value, in document order
    key: str = ""  # the document's key when not the status itself: `default`, `2XX` ...
    # The other media types declared for this status, for content negotiation; this one (JSON
    # when declared, else the first) is what a client that states no preference gets.
    alternatives: tuple["DeclaredResponse", ...] = ()

    @property
    def doc_key(self) -> str:
        return self.key or str(self.status)

    @cached_property
    def variants(self) -> tuple["DeclaredResponse", ...]:
        return (self, *self.alternatives)

    @cached_property
    def offered(self) -> tuple[str, ...]:
        """The essence of each variant's served type, what content negotiation chooses between:
        built once, not on every request (respond.negotiate)."""
        return tuple(essence(served_type(variant.media_type) or "") for variant in self.variants)

    def variant(self, sent_type: str | None) -> "DeclaredResponse | None":
        """The declared media type a reply of `sent_type` was served as (a concrete type for a
        declared wildcard such as `*/*`)."""
        for variant in self.variants:
            if variant.media_type == sent_type or served_type(variant.media_type) == sent_type:
                return variant
        return None

    @cached_property
    def json(self) -> bool:
        return is_json(served_type(self.media_type))


@dataclass(frozen=True)
class IdBinding:
    """Where the path parameter that names a record lives inside the response body.

    `envelope` is the property path from the body to the record (empty when the body is the
    record), `field` the record's id property.
    """

    param: str
    envelope: tuple[str, ...]
    field: str
    field_type: str | None = None  # the id field's schema type
    field_check: Any = field(default=None, compare=False, repr=False)  # a validator of the id field, or None
    # A body that is a record or its deleted form (Stripe's `anyOf: [customer, deleted_customer]`):
    # the live branch, which a read answers, and the deleted one, which it answers once deleted.
    live: Any = field(default=None, compare=False, repr=False)
    deleted: Any = field(default=None, compare=False, repr=False)
    at: tuple[str, ...] = ()  # the object inside the record that holds the id (Kubernetes' `metadata`)

    def pin(self, record_id: str) -> Any:
        """The id as the body's id field holds it (an integer id is a number), or None when that
        type cannot hold this id (then the field is generated, and stays valid)."""
        if self.field_type in (None, "string"):
            return record_id
        if self.field_type in ("integer", "number") and _INTEGER.fullmatch(record_id):
            return int(record_id)
        if self.field_type == "number" and _NUMBER.fullmatch(record_id):
            return float(record_id)
        return None

    def holds(self, record_id: str) -> bool:
        """Whether the record's id field can carry this id: its type, format (`uuid`, `date`),
        pattern and length. If not, no such record can exist: the answer is a 404."""
        value = self.pin(record_id)
        if value is None:
            return False
        return self.field_check is None or self.field_check.is_valid(value)

    @property
    def route_key(self) -> str:
        """The parameter's name among the routed path parameters (connexion's `starlettify_path`)."""
        return routed_name(self.param)

    def wrap(self, record: Any) -> Any:
        for key in reversed(self.envelope):
            record = {key: record}
        return record

    def unwrap(self, body: Any) -> Any:
        for key in self.envelope:
            if not isinstance(body, dict) or key not in body:
                return None
            body = body[key]
        return body

    def record_id(self, body: Any) -> str | None:
        value = id_in(self.unwrap(body), self.at, self.field)
        return value if isinstance(value, str) else None



@dataclass(frozen=True)
class Operation:
    """One operation of one API, with everything the request path needs precomputed."""

    api: str
    base_path: str
    method: str
    path: str
    operation_id: str
    responses: Mapping[int, DeclaredResponse]
    security: tuple[tuple[tuple[str, Mapping[str, Any]], ...], ...]  # OR of AND of (name, scheme)
    header_params: tuple[str, ...]
    binding: IdBinding | None
    fallbacks: Mapping[str, DeclaredResponse] = field(default_factory=dict)  # `2XX`... and `default`
    # Full paths of concrete path items this template also matches (`/user/login` for
    # `/user/{username}`): OpenAPI gives those to their own path item, whatever the method.
    shadowed: frozenset[str] = frozenset()
    pagination: Pagination | None = None  # how a list operation pages (pagination.py)
    resource: Role | None = None  # what it does to which stored records (resources.py)
    # The id parameter's documented examples: Swagger UI pre-fills them, so they answer a
    # record even under --unknown-ids=404.
    example_ids: frozenset[str] = frozenset()
    takes_body: bool = False  # it declares a request body

    def first_status(self) -> int:
        """The status to answer with when no 2xx is declared: the lowest declared one."""
        return min(self.responses, default=None) or min(d.status for d in self.fallbacks.values())

    def declares(self, status: int) -> bool:
        """Whether the contract has a reply for `status` (itself, its range or `default`)."""
        return self.declared(status) is not None

    def declared(self, status: int) -> DeclaredResponse | None:
        """The response the contract declares for `status`: the status itself, else its range
        (`4XX`), else `default`, as OpenAPI says."""
        return self.responses.get(status) or self.fallbacks.get(f"{status // 100}XX") or self.fallbacks.get("default")

    @cached_property
    def success(self) -> DeclaredResponse | None:
        """The lowest declared 2xx; else a `2XX` range or `default`, sent as 200."""
        codes = sorted(code for code in self.responses if 200 <= code < 300)
        if codes:
            return self.responses[codes[0]]
        fallback = self.fallbacks.get("2XX") or self.fallbacks.get("default")
        return replace(fallback, status=200) if fallback is not None else None

    @cached_property
    def negotiates(self) -> bool:
        """Whether some status of it declares several media types (content negotiation)."""
        return any(d.alternatives for d in [*self.responses.values(), *self.fallbacks.values()])

    @property
    def route(self) -> str:
        return f"{self.method.upper()} {self.base_path}{self.path}"

    def credential_places(self) -> set[str]:
        """Where the operation's API keys are sent (`header`, `query`, `cookie`)."""
        return {str(scheme.get("in")) for requirement in self.security for _n, scheme in requirement
                if scheme.get("type") == "apiKey"}

    def credential_and_header_params(self) -> set[str]:
        """Every request header this operation reads: declared header parameters and API keys."""
        names = set(self.header_params)
        for requirement in self.security:
            for _name, scheme in requirement:
                if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                    names.add(str(scheme.get("name", "")))
        return names

    def declared_statuses(self) -> list[int]:
        return sorted(self.responses)

    def declared_examples(self, status: int) -> list[str]:
        response = self.responses.get(status)
        return list(response.examples) if response else []

    def declared_summary(self) -> dict[str, Any]:
        """What a client may ask for, as the 422s and `/__mock/routes` report it."""
        statuses = self.declared_statuses()
        examples = {str(code): self.declared_examples(code) for code in statuses}
        return {
            "declared_statuses": statuses,
            "declared_examples": {code: names for code, names in examples.items() if names},
        }


@dataclass
class Api:
    """One vendor document, mounted at `base_path`."""

    name: str
    source: Path
    document: dict[str, Any]
    server_url: str
    base_path: str
    operations: dict[str, Operation] = field(default_factory=dict)


def find_binding(document: Mapping[str, Any], params: Iterable[str], schema: Any, path: str = "",
                 param_types: Mapping[str, str | None] | None = None) -> IdBinding | None:
    """Work out which body property carries the record id named by a path parameter.

    The path parameter that ends the path (else the last one) names the resource. Its field (the same name, else what
    `names.id_field_candidates` derives: `petId` -> `id`; else, for a parameter named after the
    segment before it, `names.resource_key_candidates`: `/customers/{customer}` -> `id`,
    `/issues/{issue_number}` -> `number`) is looked for in the body itself and then inside a
    single-property envelope (`activity_id` <-> `activity_log.activity_id`), so no table of
    vendor names is needed. A body that is a record or its deleted form is read as the record.
    """
    params = list(params)
    if not params or schema is None:
        return None
    ending = path.rsplit("/", 1)[-1]
    # the parameter that ends the path names the record, however the document lists its parameters
    param = ending[1:-1] if ending.startswith("{") and ending.endswith("}") and ending[1:-1] in params else params[-1]
    live, deleted = live_and_deleted(document, schema)
    top = schema_properties(document, schema if live is None else live)
    literal = id_field_candidates(param)
    derived = [name for name in resource_key_candidates(param, _segment_before(path, param)) if name not in literal]
    param_type = (param_types or {}).get(param)
    fields, envelope = top, ()
    if len(top) == 1 and not any(name in top for name in literal + derived):
        (key, inner), = top.items()
        fields, envelope = schema_properties(document, inner), (key,)
    for name in literal + derived:
        if name not in fields:
            continue
        kind = _type_of(document, fields[name])
        if name in derived and param_type == "string" and kind in ("integer", "number"):
            continue  # `/repos/{repo}` names a repository, but not by its numeric `id`
        return IdBinding(param, envelope, name, kind, _field_check(document, fields[name]), live, deleted)
    if param == "name" and "metadata" in fields:  # Kubernetes: `{name}` is the object's `metadata.name`
        meta = schema_properties(document, fields["metadata"])
        if "name" in meta:
            return IdBinding(param, envelope, "name", _type_of(document, meta["name"]),
                             _field_check(document, meta["name"]), live, deleted, ("metadata",))
    return None


def _segment_before(path: str, param: str) -> str:
    """The literal segment before `{param}` where the path ends in it (`customers` in
    `/v1/customers/{customer}`), else ""."""
    segments = path.split("/")
    if len(segments) < 2 or segments[-1] != "{" + param + "}" or "{" in segments[-2]:
        return ""
    return segments[-2]


def live_and_deleted(document: Mapping[str, Any], schema: Any) -> tuple[Any, Any]:
    """The branches of a body that is either a record or its deleted form (`anyOf`/`oneOf` of
    two, one with `deleted` fixed to true), else (None, None)."""
    resolved = resolve(document, schema)
    branches = (resolved.get("anyOf") or resolved.get("oneOf")) if isinstance(resolved, Mapping) else None
    if not isinstance(branches, list) or len(branches) != 2:
        return None, None
    gone = [branch for branch in branches if _is_deleted_form(document, branch)]
    if len(gone) != 1:
        return None, None
    return next(branch for branch in branches if branch is not gone[0]), gone[0]


def _is_deleted_form(document: Mapping[str, Any], schema: Any) -> bool:
    flag = resolve(document, schema_properties(document, schema).get("deleted"))
    return isinstance(flag, Mapping) and (flag.get("enum") == [True] or flag.get("const") is True)


_ID_CONSTRAINTS = ("type", "format", "pattern", "minLength", "maxLength", "enum", "minimum", "maximum")


def _field_check(document: Mapping[str, Any], schema: Any) -> Any:
    """A validator of the id field's own constraints, with the formats path ids are checked
    with; None when the field is too complex to check alone (then any id of its type is taken)."""
    from jsonschema import Draft4Validator

    from mockserver.contract.formats import FORMATS

    resolved = resolve(document, schema)
    if not isinstance(resolved, Mapping) or any(key in resolved for key in ("allOf", "anyOf", "oneOf", "$ref")):
        return None
    own = {key: value for key, value in resolved.items() if key in _ID_CONSTRAINTS}
    if set(own) <= {"type"}:
        return None  # the type alone: `pin` already checked it (and this runs on every request)
    return Draft4Validator(own, format_checker=FORMATS)


def _type_of(document: Mapping[str, Any], schema: Any) -> str | None:
    resolved = resolve(document, schema)
    kind = resolved.get("type") if isinstance(resolved, Mapping) else None
    return kind if isinstance(kind, str) else None


def _media_types_in_order(content: Mapping[str, Any]) -> list[str]:
    """The declared media types, the one served by default first: JSON when declared."""
    types = list(content or {})
    json_first = next((media_type for media_type in types if is_json(media_type)), None)
    if json_first is not None:
        types.remove(json_first)
        types.insert(0, json_first)
    return types


def served_type(media_type: str | None) -> str | None:
    """The concrete type sent for a declared one: a wildcard (`*/*`, `application/*`) is sent as
    JSON, `text/*` as plain text, `image/*` as PNG; concrete types as declared."""
    if media_type is None or "*" not in media_type:
        return media_type
    kind = media_type.split(";", 1)[0].strip().lower()
    return {"text/*": "text/plain", "image/*": "image/png"}.get(kind, "application/json")


def _examples(document: Mapping[str, Any], media: Mapping[str, Any]) -> dict[str, Any]:
    named = {
        name: resolve(document, example).get("value")
        for name, example in (media.get("examples") or {}).items()
        if isinstance(resolve(document, example), Mapping) and "value" in resolve(document, example)
    }
    if not named and "example" in media:
        named["example"] = media["example"]
    return named


_RANGE = re.compile(r"[1-5]XX")


def _responses(document: Mapping[str, Any], raw: Mapping[str, Any]
               ) -> tuple[dict[int, DeclaredResponse], dict[str, DeclaredResponse]]:
    """Concrete statuses, and the ranges (`2XX`) and `default` that cover the others."""
    responses: dict[int, DeclaredResponse] = {}
    fallbacks: dict[str, DeclaredResponse] = {}
    for code, response in (raw or {}).items():
        code = str(code)
        if code.isdigit():
            status, key = int(code), ""
        elif _RANGE.fullmatch(code.upper()) or code == "default":
            status, key = (200, code) if code == "default" else (int(code[0]) * 100, code)
        else:
            continue
        response = resolve(document, response)
        content = response.get("content") or {}
        variants = [
            DeclaredResponse(
                status=status,
                description=response.get("description", ""),
                media_type=media_type,
                schema=media.get("schema"),
                examples=_examples(document, media),
                key=key,
            )
            for media_type, media in ((t, resolve(document, content[t])) for t in _media_types_in_order(content))
        ] or [DeclaredResponse(status, response.get("description", ""), None, None, {}, key)]
        declared = replace(variants[0], alternatives=tuple(variants[1:]))
        if key:
            fallbacks[key if key == "default" else key.upper()] = declared
        else:
            responses[status] = declared
    return responses, fallbacks


def _security(document: Mapping[str, Any], requirements: list | None) -> tuple:
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    alternatives = []
    for requirement in requirements or ():
        alternatives.append(tuple((name, resolve(document, schemes[name])) for name in requirement))
    return tuple(alternatives)


def base_path_of(server_url: str) -> str:
    """The path part of a server URL, which is where the document is mounted."""
    return urlsplit(server_url).path.rstrip("/")


def _bodiless_code(code: Any) -> bool:
    text = str(code)
    return text.upper() == "1XX" or (text.isdigit() and is_bodiless(int(text)))


def prepare_for_serving(document: dict[str, Any], source: str = "") -> tuple[dict[str, Any], list[str]]:
    """The document with `content: {}` on responses removed, and the content a 1xx, 204 or 304
    response declares removed with a warning naming the operation; it shares the rest with the
    one it is handed (load_api's own, freshly read), where a deep copy of GitHub's took 0.4 s of
    every start.

    OpenAPI 3.0 means "no body" by both an absent and an empty `content`, but openapi-core
    demands data for the empty form, which would fail every bodiless 401/500. A bodiless
    status's content is never sent (http/reply.py), so it is neither generated nor validated.
    """
    warnings: list[str] = []
    paths = dict(document.get("paths") or {})
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            responses = (operation or {}).get("responses") if isinstance(operation, dict) else None
            if not isinstance(responses, dict):
                continue
            changed: dict[Any, Any] = {}
            for code, response in responses.items():
                if not isinstance(response, dict):
                    continue
                if response.get("content") == {}:
                    changed[code] = {k: v for k, v in response.items() if k != "content"}
                elif _bodiless_code(code):
                    declared = resolve(document, response)
                    if isinstance(declared, dict) and declared.get("content"):
                        changed[code] = {k: v for k, v in declared.items() if k != "content"}
                        where = "#/paths/" + path.replace("~", "~0").replace("/", "~1") + f"/{method}/responses/{code}"
                        warnings.append(f"{source}: {where}: {method.upper()} {path} declares content for a {code} "
                                        f"reply, which has none (RFC 9110); no body is sent")
            if changed:
                item = paths[path] = {**item, method: {**operation, "responses": {
                    code: changed.get(code, response) for code, response in responses.items()}}}
    return ({**document, "paths": paths} if "paths" in document else dict(document)), warnings


def load_api(source: Path, mount: str | None = None, verbose: bool = False) -> Api:
    """Read one document (normalized in memory unless it already is) and index its operations."""
    document, warnings = load_for_serving(source)
    document, bodiless = prepare_for_serving(document, str(source))
    notices.warn(warnings + bodiless, verbose)
    servers = document.get("servers") or [{"url": "/"}]
    server_url = servers[0].get("url", "/")
    api = Api(
        name=source.stem,
        source=source,
        document=document,
        server_url=server_url,
        base_path=base_path_of(server_url) if mount is None else mount.rstrip("/"),
    )
    top_security = document.get("security")
    for path, item in (document.get("paths") or {}).items():
        shared_params = item.get("parameters") or []
        for method in HTTP_METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            if not raw.get("operationId"):
                raise UserError(str(source), f"{method.upper()} {path} has no operationId")
            params = [resolve(document, p) for p in shared_params + (raw.get("parameters") or [])]
            responses, fallbacks = _responses(document, raw.get("responses") or {})
            op = Operation(
                api=api.name,
                base_path=api.base_path,
                method=method,
                path=path,
                operation_id=raw["operationId"],
                responses=responses,
                security=_security(document, raw.get("security", top_security)),
                header_params=tuple(p["name"] for p in params if p.get("in") == "header"),
                binding=None,
                fallbacks=fallbacks,
            )
            success = op.success
            schema = success.schema if success else None
            path_params = [p for p in params if p.get("in") == "path"]
            binding = find_binding(document, [p["name"] for p in path_params], schema, path,
                                   {p["name"]: _type_of(document, p.get("schema")) for p in path_params})
            pages = pagination.infer(document, params, schema) if method == "get" and binding is None else None
            op = replace(op, binding=binding, pagination=pages, example_ids=_example_ids(document, params, binding),
                         takes_body=bool(raw.get("requestBody")))
            if op.operation_id in api.operations:
                raise UserError(str(source), f"operationId {op.operation_id} is used twice")
            api.operations[op.operation_id] = op
    for operation_id, role in resources.infer(api).items():
        api.operations[operation_id] = replace(api.operations[operation_id], resource=role)
    _mark_shadowed(api)
    added = _declare_enforced_401s(api)
    if added:
        log.warning("warning: %s: %d operation(s) require credentials but declare no 401 (%s); the mock "
                    "answers a 401 problem+json and the document it serves declares it", source, len(added),
                    ", ".join(added[:5]) + (", ..." if len(added) > 5 else ""))
    return api


def _example_ids(document: Mapping[str, Any], params: list[dict[str, Any]], binding: IdBinding | None) -> frozenset[str]:
    if binding is None:
        return frozenset()
    found: set[str] = set()
    for param in params:
        if param.get("in") == "path" and param.get("name") == binding.param:
            schema = resolve(document, param.get("schema") or {})
            for value in (param.get("example"), schema.get("example") if isinstance(schema, Mapping) else None,
                          *[resolve(document, ex).get("value") for ex in (param.get("examples") or {}).values()]):
                if isinstance(value, (str, int)) and not isinstance(value, bool):
                    found.add(str(value))
    return frozenset(found)


def template_regex(path: str) -> re.Pattern[str]:
    """A path template as a regex that takes any value for each parameter, whatever its type."""
    return re.compile("".join(
        "[^/]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{[^}/]*\})", path)))


def _mark_shadowed(api: Api) -> None:
    """Record on each templated operation the concrete paths of the document it also matches."""
    paths = list(api.document.get("paths") or {})
    concrete = [path for path in paths if "{" not in path]
    for op_id, op in list(api.operations.items()):
        if "{" not in op.path:
            continue
        pattern = template_regex(op.path)
        shadowed = frozenset(api.base_path + path for path in concrete if pattern.fullmatch(path))
        if shadowed:
            api.operations[op_id] = replace(op, shadowed=shadowed)


_ENFORCED_401 = {
    "description": "Unauthorized. Added by the mock: the operation requires credentials and the mock enforces them.",
    "content": {"application/problem+json": {"schema": {
        "type": "object", "required": ["type", "title", "status"],
        "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                       "detail": {"type": "string"}},
    }}},
}


def _declare_enforced_401s(api: Api) -> list[str]:
    """Declare, in the document the mock serves, the 401 it answers for missing credentials.

    A document that requires credentials and declares no 401 (nor `4XX`, nor `default`) still
    gets one from the mock, as from any real server; its served copy says so, so that clients
    and contract testers reading it (`/openapi.json`, schemathesis) see what is answered. The
    operations keep their declared responses: the security stage answers its own problem.
    """
    added = []
    for op in api.operations.values():
        enforced = op.security and all(requirement for requirement in op.security)
        if enforced and not op.declares(401):
            responses = api.document["paths"][op.path][op.method].setdefault("responses", {})
            responses["401"] = copy.deepcopy(_ENFORCED_401)
            added.append(op.operation_id)
    return added


def route_conflicts(apis: Iterable[Api]) -> list[tuple[Api, str]]:
    """Routes that two documents would both claim (same method, same path shape), by the later one."""
    owners: dict[tuple[str, str], Api] = {}
    conflicts = []
    for api in apis:
        for op in api.operations.values():
            key = (op.method, _route_shape(api.base_path + op.path))
            owner = owners.setdefault(key, api)
            if owner is not api:
                conflicts.append((api, f"{op.method.upper()} {api.base_path}{op.path} is also served by {owner.source}"))
    return conflicts


def _route_shape(path: str) -> str:
    return "/".join("{}" if part.startswith("{") else part for part in path.split("/"))
