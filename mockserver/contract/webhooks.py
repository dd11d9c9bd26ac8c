"""The webhooks a document declares (3.1 `webhooks`, kept as `x-webhooks` by normalize), read once.

A `Webhook` is what the mock needs to send one: its name, method, payload schema, the header
parameters it declares and its responses. `event_of` says which change of a resource fires it:
the name says a noun and what happened (`customer_created`, `customer.created`,
`invoiceDeleted`), the noun is the resource's (its collection path's last word, singular);
`x-mock-webhook: NAME` on an operation (an overlay) names it where inference cannot.
`record_property` is where the payload holds the record: the property named for the noun, else
the one whose schema is the record's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from mockserver.base.names import singular, snake
from mockserver.base.pointer import RefError, resolve, schema_properties

WEBHOOKS = "x-webhooks"
ACTIONS = {"created": "create", "create": "create", "added": "create", "new": "create",
           "updated": "update", "update": "update", "changed": "update",
           "deleted": "delete", "delete": "delete", "removed": "delete", "terminated": "delete"}
_WORDS = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True)
class Webhook:
    name: str
    method: str
    payload_schema: Any = field(compare=False, repr=False)
    media_type: str = "application/json"
    headers: tuple[tuple[str, Any], ...] = field(default=(), compare=False, repr=False)  # (name, schema)
    responses: tuple[str, ...] = ()
    noun: str | None = None  # `customer`
    action: str | None = None  # create | update | delete
    happened: str | None = None  # the name's own last word: `created`

    @property
    def event_type(self) -> str:
        """The dotted name a payload's `webhook_type` says (Lago: `customer.created`)."""
        return f"{self.noun}.{self.happened}" if self.noun and self.happened else self.name

    def declares_header(self, name: str) -> bool:
        return any(header.lower() == name.lower() for header, _ in self.headers)


def _split(name: str) -> tuple[str | None, str | None, str | None]:
    """`customer_created` -> (`customer`, `create`, `created`); `credit_note.updated` ->
    (`credit_note`, `update`, `updated`); a name that says no action -> its words as the noun."""
    words = [w.lower() for w in _WORDS.split(snake(name)) if w]
    if len(words) >= 2 and words[-1] in ACTIONS:
        return "_".join(words[:-1]), ACTIONS[words[-1]], words[-1]
    if len(words) >= 2:  # `alert_triggered`: a noun and what happened, not a change of a resource
        return "_".join(words[:-1]), None, words[-1]
    return None, None, None


def webhooks_of(document: Mapping[str, Any]) -> dict[str, Webhook]:
    """Every webhook of a normalized document, by name; none when it declares none. A 3.0
    author's own `x-webhooks` may be anything: what is not a webhook is skipped, never fatal."""
    found: dict[str, Webhook] = {}
    declared = document.get(WEBHOOKS)
    for name, item in (declared.items() if isinstance(declared, dict) else ()):
        try:
            webhook = _webhook(document, str(name), item)
        except (LookupError, TypeError, ValueError, AttributeError, RefError):
            webhook = None
        if webhook is not None:
            found[webhook.name] = webhook
    return found


def _webhook(document: Mapping[str, Any], name: str, item: Any) -> Webhook | None:
    item = resolve(document, item)
    if not isinstance(item, dict):
        return None
    for method in ("post", "put", "patch", "get", "delete"):
        operation = item.get(method)
        if not isinstance(operation, dict):
            continue
        body = resolve(document, operation.get("requestBody") or {}) or {}
        content = body.get("content") or {}
        media_type = next((m for m in content if "json" in m), next(iter(content), "application/json"))
        schema = (content.get(media_type) or {}).get("schema")
        headers = []
        for parameter in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
            parameter = resolve(document, parameter)
            if isinstance(parameter, dict) and parameter.get("in") == "header":
                headers.append((str(parameter.get("name")), parameter.get("schema")))
        noun, action, happened = _split(name)
        return Webhook(name, method.upper(), schema, media_type, tuple(headers),
                       tuple(str(s) for s in (operation.get("responses") or {})), noun, action, happened)
    return None


def resource_noun(collection: str) -> str:
    """`/customers` -> `customer`; `/customers/{id}/wallets` -> `wallet`."""
    literal = [segment for segment in collection.split("/") if segment and not segment.startswith("{")]
    return singular(snake(literal[-1])).lower().replace("-", "_") if literal else ""


def record_property(document: Mapping[str, Any], webhook: Webhook, record_schema: Any) -> str | None:
    """The payload property that holds the record: named for the noun, else of the record's schema."""
    properties = schema_properties(document, webhook.payload_schema)
    if webhook.noun and webhook.noun in properties:
        return webhook.noun
    target = resolve(document, record_schema) if record_schema is not None else None
    for name, schema in properties.items():
        if target is not None and resolve(document, schema) is target:
            return name
    return None


def matching(webhooks: Mapping[str, Webhook], noun: str, action: str, declared: str | None = None) -> list[Webhook]:
    """The webhooks a change of `noun` by `action` fires: the one an `x-mock-webhook` names, else
    those whose names say that noun and action."""
    if declared is not None:
        names = [declared] if isinstance(declared, str) else list(declared)
        return [webhooks[name] for name in names if name in webhooks]
    return [hook for hook in webhooks.values() if hook.noun == noun and hook.action == action]
