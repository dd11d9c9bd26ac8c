"""Resources, read from the contract: which operations create, read, list, update and delete
the same records, and where a record sits in each one's request and response.

No peer derives this; it is what makes a document a working fake. The rules, in order:

- A `GET` on a path that ends in a parameter (or in one and a file extension: Twilio's
  `/Messages/{Sid}.json`, whose collection is `/Messages`, served at `/Messages.json`), whose
  response holds a record with that parameter's field (`{petId}` -> `id`, see
  `names.id_field_candidates`; `{customer}` after `/customers` -> `id`, `{issue_number}` ->
  `number`, `names.resource_key_candidates`), reads a resource. A body that is the record or its
  deleted form holds the record.
  The path without its last segment is the resource's collection (`/pet`,
  `/customers/{customer_id}/wallets`; a parameter there names a parent record, and a scalar
  record field named as it, in any case, holds that parent's id on a write: `Role.parent_fields`).
- On the item path, `PUT`/`PATCH`/`POST` update and `DELETE` deletes; below it (`/pet/{id}/archive`)
  `POST` is an action on the record. On the collection, `POST` creates, `GET` lists, `PUT`/`PATCH`
  update the record the body names (Petstore's `PUT /pet`). Below the collection, a `GET` whose
  response is an array of the record's own schema lists them (`/pet/findByStatus`); a list
  elsewhere belongs to no resource. The collection scoped to a parent record
  (`/issues/{issue_number}/comments` beside `/issues/comments/{comment_id}`) is the same one.
- A response holds the record as its body, or inside a single-property envelope
  (`{"customer": {...}}`); a list holds them in its one array (the most specific one an `allOf`
  declares). Request bodies likewise; a request field whose snake_case is a record field's name
  is that field (Twilio's form field `MessagingServiceSid` is its records'
  `messaging_service_sid`). A body with the record's id field but a field that takes none of
  the record's values there (Stripe's `object`) is another kind of object, not the record.
- Where inference cannot decide, an operation says `x-mock-resource: /collection/path` (its role
  then follows from its method and path) and a reading operation may say `x-mock-id: field`.

`GET /__mock/resources` shows what was inferred for every operation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from mockserver.contract.pagination import items_path
from mockserver.base.names import snake
from mockserver.base.pointer import resolve, schema_properties
from mockserver.base.templates import routed_name

KINDS = ("read", "list", "create", "update", "delete", "action")
_PARAM = re.compile(r"\{([^}/]+)\}")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]+$")
PARENT_SEPARATOR = "\x1f"  # joins parent ids and the record id into one store key


def _shape(path: str) -> str:
    return _PARAM.sub("{}", path)


def split_extension(path: str) -> tuple[str, str]:
    """A path without the file extension that ends its last segment, and the extension:
    `/Messages/{Sid}.json` -> (`/Messages/{Sid}`, `.json`); a path without one -> (path, "").
    An API that names its format in every path (Twilio) has the same collections and items as
    one that does not, so resources are inferred on the paths without it."""
    found = _EXTENSION.search(path.rsplit("/", 1)[-1])
    return (path[: len(path) - len(found.group())], found.group()) if found else (path, "")


def id_in(record: Any, at: tuple[str, ...], name: str, default: Any = None) -> Any:
    """The id field `name` of a record, inside its object `at` (`metadata.name`)."""
    for key in at:
        record = record.get(key) if isinstance(record, dict) else None
    return record.get(name, default) if isinstance(record, dict) else default


def with_id(record: dict[str, Any], at: tuple[str, ...], name: str, value: Any) -> dict[str, Any]:
    """A copy of `record` whose id field (inside its object `at`) is `value`."""
    if not at:
        return {**record, name: value} if name in record else {name: value, **record}
    inner = record.get(at[0])
    return {**record, at[0]: with_id(inner if isinstance(inner, dict) else {}, at[1:], name, value)}


@dataclass(frozen=True)
class Resource:
    """One kind of record an API stores: its collection path and its id field."""

    name: str  # the collection path template: `/pet`, `/customers/{customer_id}/wallets`
    id_field: str
    id_type: str | None
    record_schema: Any = field(compare=False, repr=False)
    parents: tuple[str, ...] = ()  # the collection's own path parameters
    id_at: tuple[str, ...] = ()  # the object inside the record that holds the id (Kubernetes' `metadata`)
    suffix: str = ""  # the extension its paths end in (Twilio's `.json`): the collection is served at name + suffix

    def id_of(self, record: Any, default: Any = None) -> Any:
        return id_in(record, self.id_at, self.id_field, default)

    def keep_id(self, fields: dict[str, Any], record: Any) -> dict[str, Any]:
        """The request's fields with the record's own id: the id is the key, and a body cannot
        move the record."""
        if not self.id_at:
            return {name: value for name, value in fields.items() if name != self.id_field}
        if self.id_at[0] not in fields:
            return fields
        return with_id(fields, self.id_at, self.id_field, self.id_of(record))

    # the shapes below are asked for every resource on every operation at start-up: kept
    @cached_property
    def item_shape(self) -> str:
        return _shape(self.name.rstrip("/") + "/{}" + self.suffix)

    @cached_property
    def collection_shape(self) -> str:
        return _shape(self.name + self.suffix)

    @cached_property
    def below_item(self) -> str | None:
        """The start of a path below one record (`/pet/{}/`), where what is written there acts on
        the record (`POST /pet/{}/uploadImage`, Stripe's `/v1/charges/{}/capture`); None for a
        resource whose paths end in an extension: below its item are other resources' paths,
        each a representation of its own (Twilio's `/Calls/{}/Payments.json` creates a payment,
        `/Accounts/{}/IncomingPhoneNumbers/Local.json` a number), not actions on the record."""
        return None if self.suffix else _shape(self.name.rstrip("/") + "/{}/")

    def is_below_item(self, shape: str) -> bool:
        below = self.below_item
        return below is not None and shape.startswith(below)

    @cached_property
    def below_collection(self) -> str:
        """The start of a path below the collection (`/pet/`, Twilio's `/Messages/`)."""
        return _shape(self.name) + "/"


@dataclass(frozen=True)
class Role:
    """What one operation does to a resource, and where the record is in its bodies."""

    kind: str
    resource: Resource
    id_param: str | None  # the path parameter that holds the record id (item operations)
    envelope: tuple[str, ...] | None  # where the record is in the success body; None: not there
    items: tuple[str, ...] | None = None  # lists: where the array of records is
    request_envelope: tuple[str, ...] | None = None  # where the record's fields are in the request body
    declared: bool = False  # said by `x-mock-resource`, not inferred
    # this operation's own names for the parent parameters, by position (Stripe lists a transfer's
    # reversals at `/v1/transfers/{id}/reversals` and reads one at `/v1/transfers/{transfer}/reversals/{id}`)
    parent_params: tuple[str, ...] | None = None
    # lists: the declared query parameters that name a scalar field of the record (`?status=draft`,
    # Twilio's `?To=` for `to`): (sent, the record's)
    filters: tuple[tuple[str, str], ...] = ()
    # the request body's names for record fields, where the record's is their snake_case: (sent, the record's)
    request_names: tuple[tuple[str, str], ...] = ()
    # writes: the record's scalar fields that hold a parent's id, by the path parameter that names
    # it (Twilio's `{AccountSid}` is a message's `account_sid`): (parameter, the record's field)
    parent_fields: tuple[tuple[str, str], ...] = ()

    def as_record_fields(self, fields: Any) -> Any:
        """The request's fields under the record's names (Twilio's `Body` is the record's `body`)."""
        if not self.request_names or not isinstance(fields, dict):
            return fields
        names = self._request_name_map
        return {names.get(name, name): value for name, value in fields.items()}

    @cached_property
    def _request_name_map(self) -> dict[str, str]:  # made once per role (writes ask on every request)
        return dict(self.request_names)

    def parent_ids(self, path_params: Mapping[str, Any]) -> tuple[str, ...]:
        names = self.resource.parents if self.parent_params is None else self.parent_params
        if not names:  # a top-level resource, most of them
            return ()
        return tuple(str(path_params.get(routed_name(name), "")) for name in names)

    def record_key(self, path_params: Mapping[str, Any], record_id: str) -> str:
        """The store key: the parent records' ids, then the record's own."""
        parents = self.parent_ids(path_params)
        return PARENT_SEPARATOR.join((*parents, record_id)) if parents else record_id

    def describe(self) -> dict[str, Any]:
        return {
            "resource": self.resource.name, "role": self.kind,
            "id_field": ".".join((*self.resource.id_at, self.resource.id_field)),
            "id_parameter": self.id_param, "parents": list(self.resource.parents),
            "response_envelope": None if self.envelope is None else list(self.envelope),
            "items": None if self.items is None else list(self.items),
            "request_envelope": None if self.request_envelope is None else list(self.request_envelope),
            "source": "x-mock-resource" if self.declared else "inferred",
            **({"suffix": self.resource.suffix} if self.resource.suffix else {}),
            **({"request_names": dict(self.request_names)} if self.request_names else {}),
            **({"filters": [sent for sent, _ in self.filters]} if self.kind == "list" else {}),
            **({"filter_names": {sent: stored for sent, stored in self.filters if sent != stored}}
               if any(sent != stored for sent, stored in self.filters) else {}),
            **({"parent_fields": dict(self.parent_fields)} if self.parent_fields else {}),
        }


def record_place(document: Mapping[str, Any], schema: Any, resource: Resource) -> tuple[str, ...] | None:
    """Where a body of `schema` holds one record of `resource`: () for the body itself, a
    one-key envelope, or None when the body is something else (a count, a message)."""
    if schema is None:
        return None
    if is_record_schema(document, schema, resource):
        return ()
    top = schema_properties(document, schema)
    if _holds_id(document, schema, resource):
        return None if _another_kind(document, schema, resource) else ()
    if len(top) == 1:
        (key, inner), = top.items()
        if _holds_id(document, inner, resource) and not _another_kind(document, inner, resource):
            return (key,)
    return None


def is_record_schema(document: Mapping[str, Any], schema: Any, resource: Resource) -> bool:
    """Whether `schema` is the record's own schema (the same object once `$ref`s are followed)."""
    return resolve(document, schema) is resolve(document, resource.record_schema)


def _another_kind(document: Mapping[str, Any], schema: Any, resource: Resource) -> bool:
    """Whether a body of `schema` is another kind of object than the record, though it has an
    id: a field both declare takes none of the record's values there (Stripe's `object: [subscription]`
    in the reply of a write below a customer, whose `object` is `[customer]`)."""
    record = schema_properties(document, resource.record_schema)
    for name, sub in schema_properties(document, schema).items():
        mine, theirs = facet(document, sub, "enum"), facet(document, record.get(name), "enum")
        if name in record and isinstance(mine, list) and isinstance(theirs, list) \
                and not any(value in theirs for value in mine):
            return True
    return False


def id_holder(document: Mapping[str, Any], schema: Any, resource: Resource) -> Any:
    """The schema of the object that holds the id field in a record of `schema`: the record's
    own, or the one at `resource.id_at` (Kubernetes' `metadata`)."""
    for key in resource.id_at:
        schema = schema_properties(document, schema).get(key)
    return schema


def _holds_id(document: Mapping[str, Any], schema: Any, resource: Resource) -> bool:
    """Whether a schema has the resource's id field, where the record has it (a Kubernetes
    `Status` has a `metadata`, but not one with a `name`)."""
    return resource.id_field in schema_properties(document, id_holder(document, schema, resource))


def request_schema(document: Mapping[str, Any], raw: Mapping[str, Any]) -> Any:
    body = resolve(document, raw.get("requestBody") or {})
    content = (body or {}).get("content") or {}
    for media_type, media in content.items():
        if "json" in media_type or media_type == "application/x-www-form-urlencoded":
            return resolve(document, media).get("schema")
    return None


def _request_place(document: Mapping[str, Any], schema: Any, resource: Resource) -> tuple[str, ...] | None:
    """Where a request body holds the record's fields: flat, or in a one-key envelope."""
    if schema is None:
        return None
    top = schema_properties(document, schema)
    record = schema_properties(document, resource.record_schema)
    if len(top) == 1 and not _record_names(top, record):
        (key, inner), = top.items()
        if _record_names(schema_properties(document, inner), record):
            return (key,)
    return () if _record_names(top, record) or not top else None


def _record_names(sent: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, str]:
    """The request fields that name a record field, and that field: the same name, else the
    same in snake_case where the request has no field of that name (`MessagingServiceSid` ->
    `messaging_service_sid`) and no other field of the request's is that one too (`Url` and
    `URL` both `url`: neither is taken)."""
    found = {}
    for name in sent:
        stored = name if name in record else snake(name)
        if stored in record and (stored == name or stored not in sent):
            found[name] = stored
    renamed = [stored for name, stored in found.items() if stored != name]
    return {name: stored for name, stored in found.items() if stored == name or renamed.count(stored) == 1}


def _request_names(document: Mapping[str, Any], schema: Any, place: tuple[str, ...] | None,
                   resource: Resource) -> tuple[tuple[str, str], ...]:
    """The request's names for record fields that the record spells otherwise."""
    if place is None:
        return ()
    for key in place:
        schema = schema_properties(document, schema).get(key)
    found = _record_names(schema_properties(document, schema), schema_properties(document, resource.record_schema))
    return tuple((name, stored) for name, stored in found.items() if name != stored)


def _array_of_records(document: Mapping[str, Any], schema: Any, resource: Resource, *,
                      same_schema: bool = False) -> tuple[str, ...] | None:
    """Where a body of `schema` holds an array of the resource's records: items of the record's
    own schema, or (unless `same_schema`) of one with its id field."""
    found = items_path(document, schema)
    if found is None:
        return None
    path, array = found
    items = array.get("items")
    if items is None:
        return None
    if resolve(document, items) is resolve(document, resource.record_schema):
        return path
    return path if not same_schema and _holds_id(document, items, resource) else None


def infer(api: Any) -> dict[str, Role]:
    """The role of every operation that touches a resource, by operationId."""
    document = api.document
    raws = {op.operation_id: document["paths"][op.path][op.method] for op in api.operations.values()}
    resources: dict[str, Resource] = {}
    roles: dict[str, Role] = {}
    # readers first: they define the resources; one without an extension before one with it, so
    # that `/pets/{id}` beside `/pets/{id}.json` keeps its collection at `/pets` (a stable sort:
    # otherwise in the document's order)
    for op in sorted(api.operations.values(), key=lambda op: bool(split_extension(op.path)[1])):
        raw = raws[op.operation_id]
        binding = op.binding
        bare, suffix = split_extension(op.path)
        if op.method != "get" or binding is None or not bare.endswith("{" + binding.param + "}"):
            continue
        collection = bare[: bare.rindex("/")] or "/"
        name = str(raw.get("x-mock-resource") or collection)
        id_field = str(raw.get("x-mock-id") or binding.field)
        id_at = () if raw.get("x-mock-id") else binding.at
        if name in resources:
            continue
        success = op.success
        record_schema = binding.live if binding.live is not None else success.schema if success else None
        for key in binding.envelope:
            record_schema = schema_properties(document, record_schema).get(key)
        resources[name] = Resource(name, id_field, binding.field_type, record_schema,
                                   tuple(_PARAM.findall(collection)), id_at, suffix)
        roles[op.operation_id] = Role("read", resources[name], binding.param, binding.envelope,
                                      declared="x-mock-resource" in raw)
    by_item = {resource.item_shape: resource for resource in resources.values()}
    by_collection = {resource.collection_shape: resource for resource in resources.values()}
    for op in api.operations.values():
        if op.operation_id in roles:
            continue
        raw = raws[op.operation_id]
        declared = raw.get("x-mock-resource")
        shape = _shape(op.path)
        last = _PARAM.findall(op.path.rsplit("/", 1)[-1])
        kind: str | None = None
        if declared is not None:
            resource = resources.get(str(declared))
        else:
            resource = by_item.get(shape) or by_collection.get(shape) or _scoped(shape, by_collection) or next(
                (r for r in by_item.values() if r.is_below_item(shape)), None)
        if resource is not None:
            kind = _kind(op.method, on_item=shape == resource.item_shape,
                         below_item=resource.is_below_item(shape))
        elif op.method == "get":  # `/pet/findByStatus`: a list of a resource's records, below its collection
            resource = next((r for r in by_collection.values() if shape.startswith(r.below_collection)
                             and _array_of_records(document, op.success.schema if op.success else None, r,
                                                   same_schema=True) is not None),
                            None)
            kind = "list"
        if resource is None or kind is None:
            continue
        success = op.success
        schema = success.schema if success else None
        id_param = None
        if kind in ("read", "update", "delete", "action") and shape != resource.collection_shape:
            params = _PARAM.findall(op.path)
            id_param = params[len(resource.parents)] if len(params) > len(resource.parents) else (last[0] if last else None)
        sent = request_schema(document, raw) if kind in ("create", "update", "action") else None
        place = _request_place(document, sent, resource)
        parent_params = None if declared is not None else tuple(_PARAM.findall(op.path)[: len(resource.parents)])
        role = Role(
            kind, resource, id_param,
            envelope=record_place(document, schema, resource) if kind != "list" else None,
            items=_array_of_records(document, schema, resource) if kind == "list" else None,
            request_envelope=place,
            request_names=_request_names(document, sent, place, resource),
            declared=declared is not None,
            parent_params=parent_params,
            parent_fields=_parent_fields(document, resource, parent_params) if kind in ("create", "update") else (),
            filters=_filters(document, op, raw, resource) if kind == "list" else (),
        )
        if kind == "list" and role.items is None:
            continue  # a GET on the collection that is not a list of its records
        roles[op.operation_id] = role
    return roles


_SCALARS = ("string", "integer", "number", "boolean")


def facet(document: Mapping[str, Any], schema: Any, key: str, default: Any = None, depth: int = 0) -> Any:
    """A keyword of a schema, or of the first `allOf` part that has it: a 3.1 `$ref` with a
    sibling `default` becomes `allOf: [$ref]` beside the `default` when normalized."""
    schema = resolve(document, schema)
    if not isinstance(schema, Mapping) or depth > 16:
        return default
    if key in schema:
        return schema[key]
    for part in schema.get("allOf") or ():
        found = facet(document, part, key, _MISSING, depth + 1)
        if found is not _MISSING:
            return found
    return default


_MISSING = object()


def _parent_fields(document: Mapping[str, Any], resource: Resource,
                   names: tuple[str, ...] | None) -> tuple[tuple[str, str], ...]:
    """The record's scalar fields named as the path's parent parameters (`_record_names`'s rule):
    a record created under `/Accounts/{AccountSid}` belongs to that account, whatever was drawn."""
    fields = schema_properties(document, resource.record_schema)
    params = resource.parents if names is None else names
    return tuple((name, stored) for name, stored in _record_names(dict.fromkeys(params), fields).items()
                 if stored != resource.id_field and facet(document, fields[stored], "type") in _SCALARS)


def _filters(document: Mapping[str, Any], op: Any, raw: Mapping[str, Any],
             resource: Resource) -> tuple[tuple[str, str], ...]:
    """The list's equality filters: declared query parameters named as a scalar field of the
    record (the same name, else one whose snake_case it is: `_record_names`) in its format, paging parameters
    excepted (a client that asks `?status=draft` expects only drafts)."""
    item = document["paths"][op.path]
    declared = [resolve(document, p) for p in (*(item.get("parameters") or ()), *(raw.get("parameters") or ()))]
    paging = op.pagination
    skip = {paging.page_param, paging.size_param, paging.offset_param} if paging is not None else set()
    fields = schema_properties(document, resource.record_schema)
    query = {parameter.get("name"): parameter.get("schema") for parameter in declared
             if isinstance(parameter, Mapping) and parameter.get("in") == "query"
             and isinstance(parameter.get("name"), str) and parameter.get("name") not in skip}
    # a value declared in another format than the field's is not found by equality (Twilio's
    # `?DateSent=` is a date-time, its records' `date_sent` an RFC 2822 date)
    return tuple((name, stored) for name, stored in _record_names(query, fields).items()
                 if facet(document, fields[stored], "type") in _SCALARS
                 and _same_format(facet(document, query[name], "format"), facet(document, fields[stored], "format")))


def _same_format(sent: Any, stored: Any) -> bool:
    """Whether formats allow the same text: either is undeclared, or they are the same."""
    return sent is None or stored is None or sent == stored


def _scoped(shape: str, by_collection: Mapping[str, Resource]) -> Resource | None:
    """The resource whose collection this path is, scoped to one parent record: GitHub creates
    and lists an issue's comments at `/repos/{owner}/{repo}/issues/{issue_number}/comments` and
    reads them at `/repos/{owner}/{repo}/issues/comments/{comment_id}`."""
    head, _, last = shape.rpartition("/")
    if not head.endswith("/{}") or "{" in last:
        return None
    return by_collection.get(head[: -len("/{}")] + "/" + last)


def _kind(method: str, *, on_item: bool, below_item: bool) -> str | None:
    """The role of a method on a resource's item path, below it, or on its collection."""
    if below_item:
        return "action" if method in ("post", "put", "patch") else None
    if on_item:
        return {"get": "read", "put": "update", "patch": "update", "post": "update", "delete": "delete"}.get(method)
    return {"post": "create", "get": "list", "put": "update", "patch": "update"}.get(method)
