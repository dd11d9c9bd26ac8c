"""The respond stage: the handler connexion binds to every operationId.

    example | declared status | stored record | 404 | generated record

It works on plain values (an `Operation`, the request, the chosen `Preferences`) and returns a
`Reply` marked as the contract's, for the validate stage to check. Replies are built by
reply_builder.py (which the stages before it use too); writes and lists go to crud.py, which
this stage is given.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from mockserver.http import problems
from mockserver.base.config import ServeConfig
from mockserver.stages.crud import Crud, typed
from mockserver.base.pointer import schema_properties
from mockserver.contract.resources import facet
from mockserver.base.defaults import ACCEPT_HEADERS_KEPT
from mockserver.contract.operations import DeclaredResponse, Operation, served_type
from mockserver.generate import RecordGenerator
from mockserver.generate.runtime import stable_int
from mockserver.base.httpfacts import is_json, is_xml
from mockserver.contract.pagination import GENERATED_TOTAL
from mockserver.stages.preferences import Preferences
from mockserver.http.reply import Reply
from mockserver.stages.reply_builder import ReplyBuilder, declared_or_problem, unknown_id_is_a_record
from mockserver.http.request import MockRequest

if TYPE_CHECKING:
    from mockserver.state.sessions import Sessions

READS = ("accept",)  # request headers this stage reads (the replay key includes them)


@lru_cache(maxsize=ACCEPT_HEADERS_KEPT)
def _best(accept: str, offered: tuple[str, ...]) -> int | None:
    """Which offered type the Accept header prefers (q-values, wildcards), or None.

    Clients send the same few Accept headers over and over: each is parsed once. On equal
    preference the first offered wins, which is the contract's JSON when it declares one.
    """
    parsed = parse_accept_header(_without_parameters(accept), MIMEAccept)
    best = parsed.best_match(offered)
    quality = parsed.quality(best) if best is not None else 0
    # RFC 6839: a client that reads some JSON (`application/vnd.github+json`, what GitHub's
    # clients send, or `application/json` for a `problem+json` error) reads the declared JSON,
    # when no type it named is declared or when it prefers JSON to the one that matched; XML alike.
    for family in (is_json, is_xml):
        wanted = max((q for kind, q in parsed if q > 0 and family(kind)), default=0)
        if wanted > quality:
            match = next((kind for kind in offered if family(kind)), None)
            if match is not None:
                best, quality = match, wanted
    return None if best is None else offered.index(best)


def _without_parameters(accept: str) -> str:
    """The Accept header with only each type's `q`: `application/json; charset=UTF-8` asks for
    JSON, and media-type parameters are not what a mock chooses between (werkzeug would
    otherwise require them to match the offered type's)."""
    kept = []
    for item in accept.split(","):
        kind, *parameters = (part.strip() for part in item.split(";"))
        q = [p for p in parameters if p.lower().startswith("q=")]
        kept.append(";".join([kind, *q[:1]]))
    return ", ".join(kept)


def negotiate(declared: DeclaredResponse, accept: str | None) -> DeclaredResponse | None:
    """The declared media type to answer with, by the request's Accept (RFC 9110 12.5.1)."""
    if declared.media_type is None or not accept or not accept.strip():
        return declared
    # matched on the essence: `application/json; charset=utf-8` is what `Accept: application/json` asks for
    index = _best(accept, declared.offered)
    return None if index is None else declared.variants[index]


class Responder(ReplyBuilder):
    """Chooses the reply of every operation of one server: an example, a stored record, a
    write's or list's (crud.py), or generated; built as reply_builder.py builds them."""

    def __init__(self, generators: Mapping[str, RecordGenerator], sessions: Sessions, config: ServeConfig,
                 crud: Crud) -> None:
        super().__init__(generators)
        self.sessions = sessions  # whose records a request reads: its session's (sessions.py)
        self.config = config
        self.crud = crud  # writes and lists of stored records

    def respond(self, op: Operation, request: MockRequest, prefs: Preferences) -> Reply:
        reply = self._respond(op, request, prefs)
        if op.negotiates:  # the reply depends on Accept: caches must know it
            reply = reply.with_header("vary", "Accept")
        return reply

    def _respond(self, op: Operation, request: MockRequest, prefs: Preferences) -> Reply:
        undeclared = self._check_declared(op, prefs)
        if undeclared is not None:
            return undeclared
        success = op.success
        status = prefs.code or (success.status if success else op.first_status())
        declared = op.declared(status)
        assert declared is not None  # _check_declared let only declared statuses through
        chosen = negotiate(declared, request.headers.get("accept"))
        if chosen is None:
            return problems.not_acceptable(", ".join(str(served_type(v.media_type)) for v in declared.variants))
        if op.resource is not None and op.resource.kind != "read" and prefs.code is None and prefs.example is None \
                and success is not None and status == success.status:
            written = self.crud.handle(op, request, chosen)
            if written is not None:
                return written
        if prefs.example is not None:
            examples = chosen.examples if prefs.example in chosen.examples else declared.examples
            return self.reply(op, status, chosen, copy.deepcopy(examples[prefs.example]))
        if success is None or status != success.status:
            return self.declared(op, status, request.path_params, variant=chosen)
        if op.pagination is not None and not prefs.dynamic:
            return self._page(op, request, chosen)
        if op.resource is not None and op.resource.kind == "list" and op.resource.filters and not prefs.dynamic \
                and not (chosen.examples and self.generators[op.api].examples_first):
            return self._filtered(op, request, chosen)
        return self._success(op, prefs, request.path_params, chosen, request.session)

    def _success(self, op: Operation, prefs: Preferences, path_params: Mapping[str, Any],
                 success: DeclaredResponse, session: str | None) -> Reply:
        binding = op.binding
        if binding is None and success.examples and self.generators[op.api].examples_first and not prefs.dynamic:
            # not a record by id: a document of the user's own answers with its example, as written
            return self.reply(op, success.status, success, copy.deepcopy(next(iter(success.examples.values()))))
        record_id = str(path_params.get(binding.route_key, "")) if binding else ""
        if binding and not binding.holds(record_id):  # no record can have this id
            return declared_or_problem(self, op, 404, lambda: problems.unknown_record(
                op.operation_id, binding.field, record_id), f"{binding.field} cannot hold {record_id[:80]!r}", path_params)
        if binding and not prefs.dynamic:
            records = self.sessions.get(session).records
            key = op.resource.record_key(path_params, record_id) if op.resource is not None else record_id
            record, deleted = records.read(op, key)
            if record is not None:
                return self.reply(op, success.status, success, binding.wrap(copy.deepcopy(record)))
            if deleted and binding.deleted is not None:  # the contract's own word for it (Stripe's `deleted: true`)
                return self.reply(op, success.status, success,
                                  self._generate(op, success.status, success, record_id, binding.deleted))
            # no 404 declared: generated, as a stateless mock answers (the contract has no other word)
            if not unknown_id_is_a_record(self.config.unknown_ids, op, record_id, deleted) and op.declares(404):
                return self.declared(op, 404, path_params)
        return self.reply(op, success.status, success, self._generate(op, success.status, success, record_id),
                          generated=True)

    def _page(self, op: Operation, request: MockRequest, success: DeclaredResponse) -> Reply:
        """A page of a generated collection, its items and page fields agreeing with the query."""
        pages = op.pagination
        assert pages is not None
        low, high = GENERATED_TOTAL
        total = low + stable_int(op.operation_id, self.generators[op.api].seed) % (high - low)
        filters = self._filters(op, request)
        if filters is None:  # a filter no record can match: an empty collection
            total = 0
        window = pages.window(request.query, total)
        key = (op.operation_id, str(success.status), "", str(window.offset), str(window.size))
        pins = pages.pins(window)
        for index in range(pages.count(window)):  # every item matches the declared filters sent
            pins.update({(*pages.items, index, name): value for name, value in (filters or {}).items()})
        body = self.generators[op.api].generate(success.schema, key=key, pins=pins) \
            if success.schema is not None else None
        return self.reply(op, success.status, success, pages.shape(body, window))

    def _filtered(self, op: Operation, request: MockRequest, success: DeclaredResponse) -> Reply:
        """A generated list that is not paged (`/pet/findByStatus?status=sold`): its items hold
        the filters' values, or it is empty when no record can match."""
        role = op.resource
        assert role is not None and role.items is not None
        filters = self._filters(op, request)
        body = self._generate(op, success.status, success, "")
        holder, items = None, body
        for part in role.items:
            holder, items = items, items.get(part) if isinstance(items, dict) else None
        if isinstance(items, list):
            if filters is None:
                items = []
            else:
                items = [{**item, **filters} if isinstance(item, dict) else item for item in items]
            if holder is None:
                body = items
            else:
                holder[role.items[-1]] = items
        return self.reply(op, success.status, success, body)

    def _filters(self, op: Operation, request: MockRequest) -> dict[str, Any] | None:
        """The declared equality filters the request sent, typed as the record's fields (a
        generated page of `?status=draft` holds drafts only); None when a value is one no
        record can hold (not of the field's type or enum)."""
        role = op.resource
        if role is None or not role.filters:
            return {}
        document = self.generators[op.api].document
        fields = schema_properties(document, role.resource.record_schema)
        found: dict[str, Any] = {}
        for name, stored in role.filters:
            if name not in request.query:
                continue
            value = typed(document, request.query[name], fields[stored])
            kind, allowed = facet(document, fields[stored], "type"), facet(document, fields[stored], "enum")
            fits = {"string": str, "integer": int, "number": (int, float), "boolean": bool}.get(kind, object)
            if not isinstance(value, fits) or (kind != "boolean" and isinstance(value, bool)) \
                    or (allowed is not None and value not in allowed):
                return None
            found[stored] = value
        return found

    def _check_declared(self, op: Operation, prefs: Preferences) -> Reply | None:
        if prefs.empty:
            return None
        if prefs.code is not None and op.declared(prefs.code) is None:
            return problems.undeclared_preference(
                op.operation_id, f"{op.operation_id} does not declare status {prefs.code}", op.declared_summary())
        if prefs.example is not None:
            status = prefs.code or (op.success.status if op.success else op.first_status())
            declared = op.declared(status)
            if declared is None or prefs.example not in declared.examples:
                return problems.undeclared_preference(
                    op.operation_id,
                    f"{op.operation_id} declares no example {prefs.example[:40]!r} for status {status}",
                    op.declared_summary())
        return None
