"""The reply builder: what every stage answers with, built in one place.

- `ReplyBuilder`: a declared reply (its first example, else generated, else no body) and the
  generated one, in the declared media type, marked as the contract's for the validate stage.
- `declared_or_problem`: the one way a stage refuses a request: the fault's own status where
  the operation declares it, else a stand-in in one order, else the mock's own problem+json.
- `unknown_id_is_a_record`: the one rule for an id with no stored record, asked by every stage
  that reads, writes or deletes a record (respond.py's reads, crud.py's writes and deletes).

It knows nothing of records, sessions or the write path, so respond.py and crud.py both build
on it and neither needs the other to answer.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Collection, Mapping, Sequence

from mockserver.http import media
from mockserver.contract.floats import can_hold_floats
from mockserver.contract.operations import DeclaredResponse, Operation, served_type
from mockserver.generate import RecordGenerator
from mockserver.generate.error_fields import Violation, fill_error_fields
from mockserver.base.pointer import resolve, schema_properties
from mockserver.http.reply import Reply, encode_json, encode_json_without_floats

_MESSAGE_FIELDS = frozenset(("message", "detail", "description", "error_description", "error_message", "reason"))

# The one order of the statuses that stand in for a refusal's own status where the operation
# does not declare that one: 400 first, what connexion's request validation says and what every
# client handles; then 422, the word of APIs that declare no 400 (Rails-style); 404 last, since it
# says only that no record lives at the path.
STAND_IN_ORDER = (400, 422, 404)


def declared_or_problem(build: ReplyBuilder, op: Operation | None, status: int, problem: Callable[[], Reply],
                        detail: str | None = None, path_params: Mapping[str, Any] | None = None,
                        stand_ins: Collection[int] = (), violations: Sequence[Violation] = ()) -> Reply:
    """The one way a stage refuses a request: the operation's declared `status` (itself, its
    range or `default`), else the first of `stand_ins` it declares, in STAND_IN_ORDER, with
    `detail` in `x-mock-problem`; else `problem()`, the mock's own problem+json.

    `status` names the fault itself, so it comes first: a request its schema refuses is a 400,
    a record the request would make invalid a 422, a path no record can have a 404, missing
    credentials a 401. `stand_ins` are the statuses that may say the same fault where that one
    is not declared (the caller knows which can); only their order is fixed here.

    `violations` (what exactly is wrong with the request) fill a generated body's error fields,
    so the body says what the header says; a declared example is sent as written."""
    if op is not None:
        if op.declares(status):
            return build.declared(op, status, path_params, detail=detail, violations=violations)
        for other in STAND_IN_ORDER:
            if other in stand_ins and op.declares(other):
                return build.declared(op, other, path_params, detail=detail, violations=violations)
    return problem()


def unknown_id_is_a_record(unknown_ids: str, reader: Operation, record_id: str, deleted: bool) -> bool:
    """Whether an id with no stored record is a record, as far as a client can tell: its read
    answers the generated record, and a write or delete acts on that record.

    Never for a deleted id (its read is the declared 404). Under `--unknown-ids generate`, every
    other id is. Under `404`, only the read's documented example ids are: Swagger UI pre-fills
    them, so "Try it out" must find a record, and what a read finds a write and a delete must
    find too. `reader` is the operation that reads the record (for a write, the read of its
    resource), so every stage asks about the same ids. `record_id` is one the id field can hold:
    the stages refuse any other first (`declared_or_problem` with 404), as no record can have it."""
    return not deleted and (unknown_ids == "generate" or record_id in reader.example_ids)


class ReplyBuilder:
    """Builds the contract's replies of every operation of one server: declared or generated."""

    def __init__(self, generators: Mapping[str, RecordGenerator]) -> None:
        self.generators = generators
        # reply(generated=True): per declared response and binding (by identity: both live as long
        # as the server), them and the answer
        self._floatless: dict[tuple[int, int], tuple[DeclaredResponse, Any, bool]] = {}

    def declared(self, op: Operation, status: int, path_params: Mapping[str, Any] | None = None,
                 detail: str | None = None, variant: DeclaredResponse | None = None,
                 violations: Sequence[Violation] = ()) -> Reply:
        """A non-record status: its first declared example, else generated (its error fields
        saying `violations`, where given), else no body."""
        declared = variant or op.declared(status)
        assert declared is not None
        if declared.media_type is None:
            reply = self.reply(op, status, declared, None)
        elif declared.examples:
            reply = self.reply(op, status, declared, copy.deepcopy(next(iter(declared.examples.values()))))
        else:
            record_id = str((path_params or {}).get(op.binding.route_key, "")) if op.binding else ""
            value = self._generate(op, status, declared, record_id)
            if violations and declared.schema is not None:
                value = fill_error_fields(self.generators[op.api], declared.schema, value, violations,
                                          key=(op.operation_id, str(status), record_id))
            reply = self.reply(op, status, declared, value)
        return reply if detail is None else reply.explained(detail)

    def generated(self, op: Operation, record_id: str) -> Any:
        """The success body generated for this id (what an unknown id gets)."""
        assert op.success is not None
        return self._generate(op, op.success.status, op.success, record_id)

    def _generate(self, op: Operation, status: int, declared: DeclaredResponse, record_id: str,
                  branch: Any = None) -> Any:
        """The value for a reply; every media type of one status gets the same value. A record's
        read answers its live form where the body may also be its deleted form (`branch`: that one)."""
        if declared.schema is None:  # a media type with an example and no schema serves the example
            return copy.deepcopy(next(iter(declared.examples.values()), None))
        pins = {}
        schema = declared.schema
        if op.binding is not None and status == (op.success.status if op.success else None):
            value = op.binding.pin(record_id)
            if value is not None:
                pins = {op.binding.envelope + op.binding.at + (op.binding.field,): value}
            schema = branch or op.binding.live or schema
        if status >= 400:
            pins.update(self._error_text(op.api, declared))
        key = (op.operation_id, str(status), record_id)
        return self.generators[op.api].generate(schema, key=key, pins=pins)

    def _without_floats(self, op: Operation, declared: DeclaredResponse) -> bool:
        """Whether no value generated for `declared` (or for the live form of op's record) holds a float."""
        key = (id(declared), id(op.binding))
        known = self._floatless.get(key)
        if known is None or known[0] is not declared or known[1] is not op.binding:
            document = self.generators[op.api].document
            schemas = [declared.schema, *([op.binding.live] if op.binding is not None and op.binding.live else [])]
            floatless = not any(can_hold_floats(document, schema) for schema in schemas)
            known = self._floatless[key] = (declared, op.binding, floatless)
        return known[2]

    def _error_text(self, api: str, declared: DeclaredResponse) -> dict[tuple[str, ...], Any]:
        """An error's message fields say what its response's description says ("no such todo"),
        not a generated sentence about something being created."""
        if not declared.description.strip():
            return {}
        document = self.generators[api].document
        pins: dict[tuple[str, ...], Any] = {}
        for name, schema in schema_properties(document, declared.schema).items():
            schema = resolve(document, schema)
            if name.lower() in _MESSAGE_FIELDS and isinstance(schema, Mapping) and schema.get("type") == "string" \
                    and not schema.keys() & {"enum", "pattern", "format", "maxLength", "const"}:
                pins[(name,)] = declared.description.strip()
        return pins

    def reply(self, op: Operation, status: int, declared: DeclaredResponse, payload: Any,
              generated: bool = False) -> Reply:
        """The body in the declared media type (media.py), marked for the validate stage.
        `status` is the one sent: a `4XX` or `default` response answers several. `generated`:
        the payload was just generated for `declared`'s schema (or the binding's live form of it),
        so where that schema holds no float, no float is in it (contract/floats.py)."""
        media_type = served_type(declared.media_type)
        if media_type is None or (payload is None and media.essence(media_type) not in media.FILES):
            return Reply(status, media_type, b"", contract=True)
        if declared.json:  # the usual case, on every request: no look-ups
            floatless = generated and self._without_floats(op, declared)
            encode = encode_json_without_floats if floatless else encode_json
            return Reply(status, media_type, encode(payload), contract=True, value=payload, floatless=floatless)
        # the schema as written (its `xml.name` names an XML root), through any `$ref`
        document = self.generators[op.api].document
        body = media.render(media_type, payload, declared.schema, document)
        value_json = encode_json(payload) if media.is_rendering(media_type) else None
        return Reply(status, media_type, body, contract=True, value_json=value_json)
