"""Writes and lists: the part of the respond stage that makes a document a working fake.

An operation with a resource role (resources.py) other than `read` comes here: `create`
stores a record built from the request over the record the mock would generate for its id,
`list` answers the stored records, then the resource's generated ones (none under
`--empty-collections`), filtered by query parameters that name record fields and paged as the
contract pages, `update` merges the request into the record, `delete` removes
it (the next read is the declared 404), and `action` answers its declared reply for a record
that exists. The record store is the control API's (records.py): what a test puts there is
what a client lists, and what a client creates the control API shows.

Every reply still goes through the validate stage; a record the request would make invalid
against the contract's response schema is refused as the client's mistake, not stored.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import re
from typing import TYPE_CHECKING, Any, Mapping

from mockserver.contract import pagination

from mockserver.http import problems
from mockserver.state.changes import until_current
from mockserver.contract.operations import DeclaredResponse, Operation
from mockserver.base.templates import routed_name
from mockserver.base.defaults import WEBHOOK_USER_AGENT
from mockserver.base.pointer import resolve, schema_properties, schema_required
from mockserver.http.request import MockRequest
from mockserver.http.reply import Reply
from mockserver.generate.error_fields import Violation
from mockserver.stages.reply_builder import ReplyBuilder, declared_or_problem, unknown_id_is_a_record
from mockserver.contract.resources import PARENT_SEPARATOR, Role, facet, id_holder, is_record_schema, request_schema
from mockserver.contract.pagination import GENERATED_TOTAL
from mockserver.generate.runtime import UNSET, stable_int

from mockserver.state.records import RecordTooLarge, record_key, readers

if TYPE_CHECKING:
    from mockserver.base.config import ServeConfig
    from mockserver.state.clock import Clock
    from mockserver.events.webhooks import Events
    from mockserver.state.records import RecordStore
    from mockserver.state.sessions import Sessions
    from mockserver.contract.validation import ResponseValidator

log = logging.getLogger("mockserver")

MERGE_PATCH = "application/merge-patch+json"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 (JSON Merge Patch): objects merge key by key, `null` removes a key, anything
    else replaces. Used by PATCH requests and the control API's record PATCH alike."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _unwrap(body: Any, envelope: tuple[str, ...] | None) -> Any:
    for key in envelope or ():
        if not isinstance(body, dict):
            return None
        body = body.get(key)
    return body


def _matches(value: Any, wanted: str) -> bool:
    """A query parameter's text against a record field: equal as text, or one of a list's items."""
    if isinstance(value, list):
        return any(_matches(item, wanted) for item in value)
    if isinstance(value, dict):
        return any(_matches(item, wanted) for key, item in value.items() if key in ("name", "id", "code"))
    if isinstance(value, bool):
        return str(value).lower() == wanted.lower()
    return value is not None and str(value) == wanted


class Crud:
    """Creates, lists, updates and deletes the records of every resource of one server."""

    def __init__(self, build: ReplyBuilder, sessions: Sessions, config: ServeConfig,
                 validators: Mapping[str, ResponseValidator], operations: Mapping[tuple[str, str], Operation],
                 events: Events | None = None) -> None:
        self.events = events  # webhooks a write fires (events/webhooks.py)
        self.build = build  # the replies (reply_builder.py): crud needs nothing of the respond stage's
        self.generators = build.generators
        self.sessions = sessions  # whose records a request reads: its session's (sessions.py)
        self.config = config
        self.validators = validators
        self.readers = readers(operations.values())

    def handle(self, op: Operation, request: MockRequest, success: DeclaredResponse) -> Reply | None:
        """The reply for a write or a list, or None to answer as a stateless mock would. A write
        that depends on the record it read is conditional on its version: if another process
        changed the record meanwhile (`Stale`), the request is decided again on the fresh state,
        so an acknowledged write is never lost and a delete never undone."""
        return until_current(lambda: self._handle(op, request, success))

    def _handle(self, op: Operation, request: MockRequest, success: DeclaredResponse) -> Reply | None:
        role = op.resource
        assert role is not None
        reader = self.readers.get(record_key(op))
        if reader is None:
            return None
        records = self.sessions.get(request.session).records  # the request's session's
        if role.kind == "list":
            return self._list(records, op, role, reader, request, success)
        if role.kind == "create":
            return self._create(records, op, role, reader, request, success)
        found = self._existing(records, op, role, reader, request)
        if isinstance(found, Reply):
            return found
        key, record, version = found
        if role.kind == "update":
            return self._update(records, op, role, reader, request, success, key, record, version)
        if role.kind == "delete":
            records.delete(op, key, tombstone=True, expect=version)
            self._changed(op, role, request, record)
        return self._render(op, role, success, record, request)

    def _changed(self, op: Operation, role: Role, request: MockRequest, record: Any) -> None:
        """A stored record changed: the webhooks that name the change are sent (after the write,
        from other threads: the reply does not wait for them). A write made by a delivery (a
        subscriber URL on this mock) fires none, so a mock subscribed to itself cannot loop."""
        if self.events is None or (request.headers.get("user-agent") or "").startswith(WEBHOOK_USER_AGENT):
            return
        try:
            self.events.changed(self.sessions.get(request.session), op, role.kind, record, role.resource.record_schema)
        except Exception as exc:  # noqa: BLE001 - the write is stored and acknowledged: its reply must not become a 500
            log.warning("%s: webhooks not sent: %s: %s", op.operation_id, type(exc).__name__, str(exc)[:300])

    # -- the record a request names ---------------------------------------------------------

    def _record_id(self, role: Role, request: MockRequest) -> str | None:
        if role.id_param is not None:
            value = request.path_params.get(routed_name(role.id_param))
            return None if value is None else str(value)
        # `PUT /pet` names the pet in its body
        fields = role.as_record_fields(_unwrap(request.fields, role.request_envelope))
        value = role.resource.id_of(fields)
        return None if value is None else str(value)

    def _existing(self, records: RecordStore, op: Operation, role: Role, reader: Operation,
                  request: MockRequest) -> tuple[str, Any, int] | Reply:
        """The record the request names, stored or (by the unknown-id rule) generated, with the
        version it was read at (records.py); else the declared 404, else a 404 problem, as a read
        of that id answers."""
        record_id = self._record_id(role, request)
        field = role.resource.id_field
        if record_id is None:  # `PUT /pet` with no id in the body: no record it can name
            return declared_or_problem(self.build, op, 404, lambda: problems.unknown_record(op.operation_id, field, ""),
                                       f"the request names no {field}")
        key = role.record_key(request.path_params, record_id)
        version = records.version_of(op, key)  # before the record: a change in between is then refused
        record = records.get(op, key)
        if record is not None:
            return key, copy.deepcopy(record), version
        assert reader.binding is not None
        if not reader.binding.holds(record_id):  # no record can have this id
            return declared_or_problem(self.build, op, 404, lambda: problems.unknown_record(
                op.operation_id, field, record_id), f"{field} cannot hold {record_id[:80]!r}", request.path_params)
        if unknown_id_is_a_record(self.config.unknown_ids, reader, record_id, records.is_deleted(op, key)):
            return key, reader.binding.unwrap(self.build.generated(reader, record_id)), version
        return declared_or_problem(self.build, op, 404, lambda: problems.unknown_record(op.operation_id, field, record_id),
                                   path_params=request.path_params)

    # -- create, update, list --------------------------------------------------------------

    def _create(self, records: RecordStore, op: Operation, role: Role, reader: Operation, request: MockRequest,
                success: DeclaredResponse) -> Reply:
        fields = self._request_fields(op, role, request)
        id_field = role.resource.id_field
        number = records.next_number(op)
        chosen = role.resource.id_of(fields)
        record_id = str(chosen) if chosen is not None else self._new_id(records, op, role, reader, number)
        key = role.record_key(request.path_params, record_id)
        conflict = _conflict_status(op)
        # create-if-absent: where a taken key is refused, and for a key the server made (a drawn
        # string can repeat across processes: the create is then decided again with a new one)
        version = records.version_of(op, key) if conflict is not None or chosen is None else None
        if conflict is not None and records.get(op, key) is not None:
            return self.build.declared(op, conflict, detail=f"a record with {id_field} {record_id[:80]!r} exists")
        # no conflict declared: the create replaces the record, as such APIs do (Petstore's POST /pet)
        assert reader.binding is not None
        base = reader.binding.unwrap(self.build.generated(reader, record_id))
        if role.resource.id_at:  # the request's `metadata` replaces the generated one: it keeps the key
            fields = role.resource.keep_id(fields, base)
        fields = {**self._defaults(op, role), **fields, **self._parents(op, role, request)}
        fields = self._stamped(op, role, request, base, fields, created=True)
        return self._store(records, op, role, reader, request, success, key, base, fields, merge=False, expect=version)

    def _update(self, records: RecordStore, op: Operation, role: Role, reader: Operation, request: MockRequest,
                success: DeclaredResponse, key: str, record: dict[str, Any], version: int) -> Reply:
        fields = self._request_fields(op, role, request)
        fields = {**role.resource.keep_id(fields, record), **self._parents(op, role, request)}
        fields = self._stamped(op, role, request, record, fields, created=False)
        kind = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
        return self._store(records, op, role, reader, request, success, key, record, fields, merge=kind == MERGE_PATCH,
                           expect=version)

    def _defaults(self, op: Operation, role: Role) -> dict[str, Any]:
        """The `default` of every record field the create request may leave out, from the request
        schema, else the record's: `status: {default: draft}` makes a draft, not a drawn status."""
        document = self.generators[op.api].document
        known = schema_properties(document, role.resource.record_schema)
        sent = request_schema(document, document["paths"][op.path][op.method])
        for key in role.request_envelope or ():
            sent = schema_properties(document, sent).get(key)
        keys = {role.resource.id_at[0] if role.resource.id_at else role.resource.id_field}  # the id is the key
        found: dict[str, Any] = {}
        for schema in (role.as_record_fields(schema_properties(document, sent)), known):
            for name, sub in schema.items():
                value = facet(document, sub, "default", _NONE)
                if name in known and name not in found and value is not _NONE and name not in keys:
                    found[name] = copy.deepcopy(value)
        return found

    def _parents(self, op: Operation, role: Role, request: MockRequest) -> dict[str, Any]:
        """The record's fields that hold its parents' ids, from the path it is written at (the
        parents are part of its key, so a body cannot move it): Twilio's `account_sid`."""
        if not role.parent_fields:
            return {}
        document = self.generators[op.api].document
        known = schema_properties(document, role.resource.record_schema)
        sent = {stored: request.path_params.get(routed_name(name)) for name, stored in role.parent_fields}
        return {stored: typed(document, value, known.get(stored)) for stored, value in sent.items() if value is not None}

    def _stamped(self, op: Operation, role: Role, request: MockRequest, base: Any, fields: dict[str, Any], *,
                 created: bool) -> dict[str, Any]:
        """`created_at`/`updated_at` (date or date-time fields named created*, updated*,
        modified*) are the moment of the write by the session's clock, whatever the body said:
        a create sets them all, an update keeps created* and moves the rest, never before the
        record's own times (a generated record's may lie ahead of a slow clock)."""
        document = self.generators[op.api].document
        stamped = {name: facet(document, sub, "format") for name, sub in
                   schema_properties(document, role.resource.record_schema).items()
                   if _STAMPED.match(name) and facet(document, sub, "type") == "string"
                   and facet(document, sub, "format") in ("date-time", "date")}
        if not stamped:
            return fields
        moment = write_time(self.sessions.get(request.session).clock)
        if not created and isinstance(base, dict):
            moment = max([moment, *(_parsed(base.get(name)) for name in stamped)])
        fields = dict(fields)
        for name, kind in stamped.items():
            if not created and name.lower().startswith("creat"):
                fields.pop(name, None)  # the record's own creation time
            else:
                fields[name] = moment.strftime("%Y-%m-%d" if kind == "date" else "%Y-%m-%dT%H:%M:%SZ")
        return fields

    def _store(self, records: RecordStore, op: Operation, role: Role, reader: Operation, request: MockRequest,
               success: DeclaredResponse, key: str, base: dict[str, Any], fields: dict[str, Any], *, merge: bool,
               expect: int | None) -> Reply:
        """Store `base` changed by `fields` and answer with it. A field the request may send but
        the record cannot hold (Petstore's `?status=None` for an enum) is left out, and the
        reply says so in `x-mock-problem`; a record still invalid after that is refused."""
        ignored: list[str] = []
        while True:  # ends: each round leaves out at least one field
            record = merge_patch(base, fields) if merge else {**base, **fields}
            violations = self._violations(op, reader, record)
            offending = _fields_in(violations) & set(fields)
            if not violations or not offending:
                break
            ignored += sorted(offending)
            fields = {name: value for name, value in fields.items() if name not in offending}
        if violations:
            return self._refuse(op, reader, violations)
        try:
            records.put(op, key, record, expect=expect)
        except RecordTooLarge as exc:  # the declared 413, else a 413 problem: nothing is stored
            return declared_or_problem(self.build, op, 413, lambda: problems.too_large(exc.limit, exc.what), str(exc))
        self._changed(op, role, request, record)
        reply = self._render(op, role, success, record, request)
        if ignored:
            reply = reply.explained(f"ignored {', '.join(ignored)}: the record cannot hold the value sent")
        return reply

    def _list(self, records: RecordStore, op: Operation, role: Role, reader: Operation, request: MockRequest,
              success: DeclaredResponse) -> Reply | None:
        prefix = "".join(parent + PARENT_SEPARATOR for parent in role.parent_ids(request.path_params))
        found = [record for key, record in records.items(op) if key.startswith(prefix)]
        if not self.config.empty_collections:  # the generated collection stays beside what clients stored
            found += self._kept(records, op, role, reader, success, prefix, found)
        document = self.generators[op.api].document
        known = schema_properties(document, role.resource.record_schema)
        paging = {name for name in (op.pagination.page_param, op.pagination.size_param, op.pagination.offset_param)
                  if name} if op.pagination else set()
        renamed = dict(role.filters)  # Twilio's `?To=` filters on `to`
        for name, wanted in request.query.items():
            stored = renamed.get(name, name)
            if stored in known and name not in paging:
                found = [record for record in found if _matches(record.get(stored), wanted)]
        pins: dict[tuple[Any, ...], Any] = {}
        if op.pagination is not None:
            window = op.pagination.window(request.query, len(found))
            pins = {path: value for path, value in op.pagination.pins(window).items()
                    if path[: len(op.pagination.items)] != op.pagination.items}
            found = found[window.offset: window.offset + window.count]
        assert role.items is not None
        items_schema = (resolve(document, _array_at(document, success.schema, role.items)) or {}).get("items")
        pins[role.items] = [self._item(op, items_schema, self._project(document, items_schema, record))
                            for record in found]
        body = self.generators[op.api].generate(success.schema, key=(op.operation_id, "list"), pins=pins)
        if found and resolve(document, items_schema) is not resolve(document, role.resource.record_schema):
            body = self._fit_items(op, role, success, items_schema, pins, body)
        return self.build.reply(op, success.status, success, body)

    def _kept(self, records: RecordStore, op: Operation, role: Role, reader: Operation, success: DeclaredResponse,
              prefix: str, stored: list[Any]) -> list[Any]:
        """The generated collection, after the stored records (unless `--empty-collections`). One
        body for the whole collection (the same for every page, request and write, so the items a
        client saw before its first create are still there after it); an item whose id is stored
        shows as stored, once, a deleted one not at all."""
        if success.schema is None or role.items is None:
            return []
        taken = {str(role.resource.id_of(record)) for record in stored}

        def hidden(record_id: Any) -> bool:  # stored (shown as stored) or deleted
            return str(record_id) in taken or records.is_deleted(op, prefix + str(record_id))

        generator = self.generators[op.api]
        if op.pagination is None and success.examples and generator.examples_first:
            # a document of the user's own: an unpaged list's example is its collection, as written
            items = _unwrap(copy.deepcopy(next(iter(success.examples.values()))), role.items)
            return [item for item in items if isinstance(item, dict)
                    and (role.resource.id_of(item) is None or not hidden(role.resource.id_of(item)))] \
                if isinstance(items, list) else []
        # as many as a generated page says its collection holds, paged or not (a filter then
        # finds some: `findByStatus?status=sold`), within the array's own maxItems
        low, high = GENERATED_TOTAL
        total = low + stable_int(op.operation_id, generator.seed) % (high - low)
        document = generator.document
        most = (resolve(document, _array_at(document, success.schema, role.items)) or {}).get("maxItems")
        if isinstance(most, int) and not isinstance(most, bool):
            total = min(total, most)
        id_path = (*role.resource.id_at, role.resource.id_field)  # every item has an id: a record a client can open
        pins: dict[tuple[Any, ...], Any] = {role.items + (index, *id_path): UNSET for index in range(total)}
        items = _unwrap(generator.generate(success.schema, key=(op.operation_id, "kept", prefix), pins=pins), role.items)
        kept = []
        assert reader.binding is not None
        for item in items if isinstance(items, list) else ():
            record_id = role.resource.id_of(item)
            if record_id is None or hidden(record_id) or not reader.binding.holds(str(record_id)):
                continue
            taken.add(str(record_id))
            # the record a read of this id answers (and a write starts from), not another one
            # drawn for the list: what a client opens from the list is what it listed
            record = reader.binding.unwrap(self.build.generated(reader, str(record_id)))
            kept.append(record if isinstance(record, dict) else item)
        return kept

    def _item(self, op: Operation, items_schema: Any, record: Any) -> Any:
        """The record as the list's item: a list whose items are not what its resource stores
        (aliases of customers, summaries) requires fields the record lacks; those are generated,
        for the record's id, around the record's own fields."""
        document = self.generators[op.api].document
        missing = [name for name in schema_required(document, items_schema) if name not in record] \
            if isinstance(record, dict) else []
        if not missing:
            return record
        key = (op.operation_id, "item", json.dumps(record, sort_keys=True, default=str))
        made = self.generators[op.api].generate(items_schema, key=key, pins={(k,): v for k, v in record.items()})
        return {**record, **{name: made[name] for name in missing if name in made}}

    # -- replies ---------------------------------------------------------------------------

    def _render(self, op: Operation, role: Role, success: DeclaredResponse, record: Any,
                request: MockRequest) -> Reply:
        """The declared success for this record: the record where the body holds one (in the
        operation's own shape), else the declared reply.

        A body of another schema than the record's (an action's: Stripe's subscription created
        below a customer, GitHub's codespace published with its full repository) shows only the
        record's fields that its schema takes: one it refuses (`object: customer` where the
        reply's `object` is `subscription` alone) is the reply's own (generated where the reply
        requires it, else left out). The record's
        own schema takes all of them, so its replies are not checked here."""
        if success.media_type is None or success.schema is None or role.envelope is None:
            return self.build.declared(op, success.status, request.path_params, variant=success)
        document = self.generators[op.api].document
        inner = resolve(document, success.schema)
        for key in role.envelope:
            inner = schema_properties(document, inner).get(key)
        projected = self._project(document, inner, record)
        record_id = str(role.resource.id_of(record, ""))
        own_schema = is_record_schema(document, inner, role.resource)
        while True:  # ends: each round shows at least one field fewer
            body = self._shown(op, role, success, inner, projected, record_id)
            refused = set() if own_schema else self._refused(op, role, success, body) & set(projected)
            if not refused:
                return self.build.reply(op, success.status, success, body)
            projected = {name: value for name, value in projected.items() if name not in refused}

    def _shown(self, op: Operation, role: Role, success: DeclaredResponse, inner: Any, projected: dict[str, Any],
               record_id: str) -> Any:
        """The success body generated around the record's `projected` fields."""
        document = self.generators[op.api].document
        pins = {role.envelope + (name,): value for name, value in projected.items()}
        body = self.generators[op.api].generate(success.schema, key=(op.operation_id, record_id), pins=pins)
        shown = _unwrap(body, role.envelope)
        if isinstance(shown, dict):  # the record as stored: no optional field it does not have
            required = set((resolve(document, inner) or {}).get("required") or ())
            for name in [name for name in shown if name not in projected and name not in required]:
                del shown[name]
        return body

    def _refused(self, op: Operation, role: Role, success: DeclaredResponse, body: Any) -> set[str]:
        """The record's fields in `body` that the reply's schema refuses (the first key of each
        violation's path below the envelope)."""
        violations = self.validators[op.api].check_body(op, success.status, body, declared=success)
        return _fields_in(violations, len(role.envelope or ()))

    @staticmethod
    def _project(document: Mapping[str, Any], schema: Any, record: Any) -> Any:
        """The record's fields that `schema` has (all of them when it names none)."""
        known = schema_properties(document, schema)
        if not known or not isinstance(record, dict):
            return copy.deepcopy(record)
        return {name: copy.deepcopy(value) for name, value in record.items() if name in known}

    def _request_fields(self, op: Operation, role: Role, request: MockRequest) -> dict[str, Any]:
        """What the request says about the record: its body's fields that the record has (the
        contract already checked their types), else query parameters that name record fields
        (Petstore's `POST /pet/{petId}?name=...`)."""
        document = self.generators[op.api].document
        known = schema_properties(document, role.resource.record_schema)
        fields = role.as_record_fields(_unwrap(request.fields, role.request_envelope)) if request.body else None
        if not isinstance(fields, dict):
            fields = {name: value for name, value in request.query.items() if name in known} if not request.body else {}
        return {name: typed(document, copy.deepcopy(value), known.get(name)) for name, value in fields.items()
                if not known or name in known}

    def _new_id(self, records: RecordStore, op: Operation, role: Role, reader: Operation, number: int) -> str:
        """A server-assigned id of the id field's type that no stored record has: the next
        integer (above the largest stored; with a shared store, from its counter, so no two
        processes make the same one), else a value of the id field's own schema (its format and
        pattern respected), drawn again while it is taken (a record put through the control API,
        or kept by a reload)."""
        taken = {key.rsplit(PARENT_SEPARATOR, 1)[-1] for key, _ in records.items(op)}
        if role.resource.id_type == "integer":
            after = records.next_id(op, max((int(id_) for id_ in taken if id_.lstrip("-").isdigit()), default=0))
            if after < 2 ** 31:
                return str(after)
            # a client stored the largest id there is: the smallest free one instead (int64 holds it)
            return str(next(n for n in range(1, len(taken) + 2) if str(n) not in taken))
        document = self.generators[op.api].document
        holder = id_holder(document, role.resource.record_schema, role.resource)
        id_schema = schema_properties(document, holder).get(role.resource.id_field)
        assert reader.binding is not None
        for attempt in range(100):
            value = self.generators[op.api].generate(id_schema, key=(op.operation_id, "new", str(number), str(attempt))) \
                if isinstance(id_schema, Mapping) else f"{number}-{attempt}"
            value = _url_safe(str(value), reader.binding.holds)
            if value not in taken:
                return value
        return f"{number}-{len(taken)}"

    def _fit_items(self, op: Operation, role: Role, success: DeclaredResponse, items_schema: Any,
                   pins: dict[tuple[Any, ...], Any], body: Any) -> Any:
        """A list's items may hold a field otherwise than the record does (GitHub's
        pull-request-simple lists `team` where a pull request holds `team-simple`): such a field,
        or a required one the record lacks, is generated for the item instead."""
        generator = self.generators[op.api]
        prefix = "".join("/" + part for part in role.items) + "/"
        items = pins[role.items]
        for _ in range(3):  # each round replaces the fields the last check named
            bad: dict[int, set[str]] = {}
            for violation in self.validators[op.api].check_body(op, success.status, body, success):
                place, _, message = violation.partition(": ")
                index, _, rest = place[len(prefix):].partition("/") if place.startswith(prefix) else ("", "", "")
                missing = _REQUIRED.match(message)
                name = rest.split("/", 1)[0] or (missing.group(1) if missing else "")
                if not index.isdigit() or int(index) >= len(items) or not isinstance(items[int(index)], dict) or not name:
                    return body  # not an item's field: the validate stage says what is wrong
                bad.setdefault(int(index), set()).add(name)
            if not bad:
                return body
            for index, names in bad.items():
                fresh = generator.generate(items_schema, key=(op.operation_id, "item", str(index)))
                for name in names:
                    if isinstance(fresh, dict) and name in fresh:
                        items[index][name] = fresh[name]
                    else:
                        items[index].pop(name, None)
            body = generator.generate(success.schema, key=(op.operation_id, "list"), pins=pins)
        return body

    def _violations(self, op: Operation, reader: Operation, record: Any) -> tuple[str, ...]:
        assert reader.success is not None and reader.binding is not None
        return self.validators[op.api].check_body(reader, reader.success.status, reader.binding.wrap(record))

    def _refuse(self, op: Operation, reader: Operation, violations: tuple[str, ...]) -> Reply:
        """A record that breaks the contract's response schema is not stored: the request's fault."""
        reason = f"the record would not match {reader.operation_id}'s response: {violations[0]}"
        return declared_or_problem(self.build, op, 422, lambda: problems.invalid_request(422, reason), reason,
                                   stand_ins=(400,), violations=(Violation("", reason),))



_REQUIRED = re.compile(r"'([^']+)' is a required property")
_STAMPED = re.compile(r"(?i)(created|updated|modified|last_?modified|last_?updated)")
_NONE = object()


def _fields_in(violations: tuple[str, ...], depth: int = 0) -> set[str]:
    """The fields that violations name: the key at `depth` of each one's path (`/object: ...`)."""
    paths = (violation[1:].split(":", 1)[0].split("/") for violation in violations if violation.startswith("/"))
    return {path[depth] for path in paths if len(path) > depth}


def write_time(clock: Clock) -> dt.datetime:
    """The mock's now for writes, in one place (a test may replace it): the session's clock
    (state/clock.py), which a test may freeze, set or advance. Generated values keep their fixed
    anchor (generate/), but a record a client writes is written now."""
    return clock.moment()


def _parsed(value: Any) -> dt.datetime:
    """A stored timestamp as an aware datetime; the oldest one for anything else."""
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
_URL_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]+")


def _url_safe(value: str, holds: Any) -> str:
    """A server-assigned id travels in URLs, and clients quote it their own way (Stripe's SDK
    sends a space as `+`): a generated label becomes a slug (`Template Horizon` ->
    `template-horizon`) where the id field can hold one."""
    if not _URL_UNSAFE.search(value):
        return value
    slug = _URL_UNSAFE.sub("-", value).strip("-").lower()
    return slug if slug and holds(slug) else value


_CONFLICT_WORDS = re.compile(r"(?i)exist|taken|duplicate|already|conflict|unique")


def _conflict_status(op: Operation) -> int | None:
    """How the operation says "that key is taken": a declared 409, else a declared 422 whose
    description or example says so (Lago's `value_already_exist`); None: it does not say,
    and a create on a taken key replaces the record."""
    if 409 in op.responses:
        return 409
    declared = op.responses.get(422)
    if declared is not None and _CONFLICT_WORDS.search(declared.description + json.dumps(list(declared.examples.values()))):
        return 422
    return None


def typed(document: Mapping[str, Any], value: Any, schema: Any) -> Any:
    """A value from a form, XML or the query (text, a repeated name as a list) typed as
    `schema` says; JSON values are already typed and pass through."""
    schema = resolve(document, schema) or {}
    kind = schema.get("type") if isinstance(schema, Mapping) else None
    if kind == "array":
        if isinstance(value, dict) and len(value) == 1:  # XML's wrapped array: <urls><url>a</url></urls>
            value = next(iter(value.values()))
        items = value if isinstance(value, list) else ([] if value in ("", None) else [value])
        return [typed(document, item, schema.get("items")) for item in items]
    if isinstance(value, list):
        value = value[0] if value else ""
    if kind == "object" and isinstance(value, dict):
        properties = schema_properties(document, schema)
        return {name: typed(document, item, properties.get(name)) for name, item in value.items()}
    if not isinstance(value, str):
        return value
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _array_at(document: Mapping[str, Any], schema: Any, path: tuple[str, ...]) -> Any:
    """The list's array: where `pagination.items_path` finds it (the most specific items an
    `allOf` envelope declares), else the property at `path`."""
    found = pagination.items_path(document, schema)
    if found is not None and found[0] == path:
        return found[1]
    node = schema
    for key in path:
        node = schema_properties(document, node).get(key)
    return node
