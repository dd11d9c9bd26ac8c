"""Webhooks fired by the mock's own state: a create, update or delete of a resource sends the
webhook that names it (contract/webhooks.py) to every subscriber of the session that wants it.

The payload is generated from the webhook's schema (deterministic, keyed by the event), with
the STORED record where the payload holds the record and the event's names where it says them
(`webhook_type: customer.created`, `object_type: customer`); it is validated against the
payload schema before anything is sent (an invalid one is recorded, not sent). Each delivery
is signed for its subscriber (sign.py) and handed to the process's `Sender` (deliver.py).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from openapi_schema_validator import OAS30Validator

from mockserver.base.pointer import resolve, schema_properties
from mockserver.contract.operations import Api, Operation
from mockserver.contract.webhooks import Webhook, matching, record_property, resource_noun, webhooks_of
from mockserver.events import sign
from mockserver.events.deliver import Drill, Outgoing, Sender, now
from mockserver.state.session_state import State
from mockserver.state.webhooks import Subscriber

log = logging.getLogger("mockserver")

_TYPE_FIELDS = ("webhook_type", "event_type", "type", "event")
_OBJECT_FIELDS = ("object_type",)
SIGNATURE = "x-mock-signature"  # on the document (an overlay): `lago` or `standard`


@dataclass(frozen=True)
class Hook:
    api: Api
    webhook: Webhook
    scheme: str  # standard | lago


class UnknownWebhook(Exception):
    pass


class InvalidPayload(Exception):
    """A record given by hand makes the webhook's payload break its schema: nothing is sent."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__(violations[0] if violations else "invalid")
        self.violations = violations


class Events:
    """The webhooks of every API of one server, and how they are fired."""

    def __init__(self, apis: Iterable[Api], generators: Mapping[str, Any], sender: Sender, seed: int) -> None:
        self.generators = generators
        self.sender = sender
        self.seed = seed
        self.hooks: dict[str, Hook] = {}  # by name: the first API's, where two declare one name
        self.by_api: dict[str, dict[str, Webhook]] = {}
        self._hooks: dict[tuple[str, str], Hook] = {}
        for api in apis:
            declared = webhooks_of(api.document)
            self.by_api[api.name] = declared
            for name, webhook in declared.items():
                scheme = str(api.document.get(SIGNATURE) or ("lago" if webhook.declares_header("X-Lago-Signature")
                                                             else "standard"))
                self._hooks[(api.name, name)] = Hook(api, webhook, scheme)
                self.hooks.setdefault(name, self._hooks[(api.name, name)])
        if self.lago_base_paths():
            sign.warm(seed)

    def names(self) -> list[str]:
        return sorted(self.hooks)

    def lago_base_paths(self) -> tuple[str, ...]:
        """The APIs whose webhooks are Lago-signed: where their public key is served."""
        return tuple(sorted({hook.api.base_path for hook in self._hooks.values() if hook.scheme == "lago"}))

    # -- what fires them --------------------------------------------------------------------

    def changed(self, state: State, op: Operation, action: str, record: Any, record_schema: Any) -> None:
        """A resource's record was created, updated or deleted by a client (crud.py)."""
        if not state.webhooks.subscribers() or op.resource is None:
            return
        document = self.generators[op.api].document
        raw = (document.get("paths", {}).get(op.path) or {}).get(op.method) or {}
        noun = resource_noun(op.resource.resource.name)
        for webhook in matching(self.by_api.get(op.api, {}), noun, action, raw.get("x-mock-webhook")):
            self._fire(state, self._hooks[(op.api, webhook.name)], record, record_schema)

    def fire(self, state: State, name: str, record: Any = None) -> list[str]:
        """`POST /__mock/webhooks/fire`: the webhook `name`, with `record` where its payload holds one."""
        hook = self.hooks.get(name)
        if hook is None:
            raise UnknownWebhook(name)
        if record is not None:  # the caller's mistake is its 422, not a silent "not sent"
            problems = _violations(hook.api.document, hook.webhook.payload_schema,
                                   self.payload(hook, record, None, "msg_check"))
            if problems:
                raise InvalidPayload(problems)
        return self._fire(state, hook, record, None)

    # -- one event ---------------------------------------------------------------------------

    def payload(self, hook: Hook, record: Any, record_schema: Any, event_id: str) -> Any:
        document = hook.api.document
        webhook = hook.webhook
        generator = self.generators[hook.api.name]
        schema = webhook.payload_schema
        if schema is None:
            return record if record is not None else {}
        payload = generator.generate(schema, key=("webhook", webhook.name, event_id))
        if not isinstance(payload, dict):
            return payload
        properties = schema_properties(document, schema)
        place = record_property(document, webhook, record_schema)
        if place is not None and record is not None:
            payload[place] = copy.deepcopy(record)
        for name, sub in properties.items():
            sub = resolve(document, sub) or {}
            if name in _TYPE_FIELDS and _allows(sub, webhook.event_type):
                payload[name] = webhook.event_type
            elif name in _OBJECT_FIELDS and webhook.noun and _allows(sub, webhook.noun):
                payload[name] = webhook.noun
        return payload

    def _fire(self, state: State, hook: Hook, record: Any, record_schema: Any) -> list[str]:
        webhook = hook.webhook
        sent: list[str] = []
        for subscriber in state.webhooks.subscribers():
            if not subscriber.wants(webhook.name):
                continue
            number = state.webhooks.sink.count(state.webhooks.session, f"evt|{subscriber.id}")  # this subscriber's nth
            event_id = _event_id(self.seed, state.webhooks.session, subscriber.id, webhook.name, number)
            payload = self.payload(hook, record, record_schema, event_id)
            body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")
            problems = _violations(hook.api.document, webhook.payload_schema, payload)
            outgoing = Outgoing(event_id, webhook.method, subscriber.url, (("content-type", webhook.media_type),),
                                body, "webhook", webhook.name, subscriber.id, self._signer(hook, subscriber),
                                webhook.responses, Drill(**subscriber.drill) if subscriber.drill else None, number,
                                session_clock(state))
            if problems:  # never send what the contract forbids: say why in the deliveries log
                log.warning("webhook %s not sent: its payload breaks its schema: %s", webhook.name, problems[0])
                state.webhooks.record({"delivery": event_id, "attempt": 0, "of": 0, "kind": "webhook",
                                       "name": webhook.name, "subscriber": subscriber.id, "verdict": "not sent",
                                       "violations": problems[:10], "request": {"url": subscriber.url,
                                                                                 "body": body.decode("utf-8")}})
                continue
            self.sender.send(outgoing, state.webhooks.record)
            sent.append(event_id)
        return sent

    def _signer(self, hook: Hook, subscriber: Subscriber) -> Any:
        seed, webhook = self.seed, hook.webhook
        declared = {name.lower(): (name, schema) for name, schema in webhook.headers}
        generator, document = self.generators[hook.api.name], hook.api.document

        def headers(outgoing: Outgoing, moment: float) -> tuple[tuple[str, str], ...]:
            if hook.scheme == "lago":
                signed = sign.lago(subscriber.secret, subscriber.algorithm or "jwt", outgoing.id, outgoing.body, seed)
            else:
                signed = sign.standard(subscriber.secret, outgoing.id, moment, outgoing.body)
            have = {name.lower() for name, _ in signed}
            extra = []  # every other header parameter the webhook declares, with a value its schema allows
            for lower, (name, schema) in declared.items():
                if lower not in have and lower != "content-type":
                    value = generator.generate(schema or {"type": "string"}, key=("webhook-header", name, outgoing.id))
                    extra.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
            return (*signed, *extra)
        return headers


def session_clock(state: State) -> Callable[[], float]:
    """The clock a session's deliveries are due by (`/__mock/clock`): a test that advances it
    fires their retries. Signatures keep the wall clock (`deliver.now()`): a receiver checks a
    signature's age against its own."""
    return state.clock.now


def _allows(schema: Mapping[str, Any], value: str) -> bool:
    enum = schema.get("enum")
    return schema.get("type") in (None, "string") and (enum is None or value in enum)


def _event_id(seed: int, session: str, subscriber: str, name: str, number: int) -> str:
    digest = hashlib.sha256(f"{seed}|{session}|{subscriber}|{name}|{number}".encode()).hexdigest()
    return f"msg_{digest[:24]}"


def _violations(document: Mapping[str, Any], schema: Any, payload: Any) -> list[str]:
    """What is wrong with a payload against the webhook's schema (none: valid); the document's
    components are the root `$ref`s resolve against."""
    if schema is None:
        return []
    root = {"allOf": [schema], "components": document.get("components") or {}}
    validator = OAS30Validator(root)
    return [f"/{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(payload)]


__all__ = ["Events", "InvalidPayload", "UnknownWebhook", "now"]
