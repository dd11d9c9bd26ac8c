"""Turning path segments, titles and property names into identifiers (CamelCase, singular nouns)."""

from __future__ import annotations

import re

from mockserver.base import defaults

_WORD = re.compile(r"[A-Za-z0-9]+")
# Plural endings, most specific first; `ss`/`us` (address, status) are already singular.
_SINGULAR_RULES = (
    (re.compile(r"(?i)ies$"), "y"),
    (re.compile(r"(?i)(ss|sh|ch|x|z|us)es$"), r"\1"),
    (re.compile(r"(?i)(?<![su])s$"), ""),
)


def camel(text: str) -> str:
    """`activity_log` / `activity-log` / `activity log` -> `ActivityLog`."""
    return "".join(word[:1].upper() + word[1:] for word in _WORD.findall(text))


def singular(noun: str) -> str:
    """Naive English singular, enough for REST collection names and array properties: logs ->
    log, entries -> entry, statuses -> status, boxes -> box. Only the last word of `api_logs`
    (or of `activityLogItems`) changes."""
    for pattern, replacement in _SINGULAR_RULES:
        result, count = pattern.subn(replacement, noun)
        if count:
            return result
    return noun


_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|-")


def snake(name: str) -> str:
    """`CountryCode` / `Sid` / `country-code` -> `country_code` / `sid`: Twilio's path parameters
    are CamelCase, the fields of its records snake_case."""
    return _HUMP.sub("_", name).lower()


_ID_SUFFIX = re.compile(r"^(?:(?P<prefix>external|lago)[_-]?)?(?P<noun>[A-Za-z0-9]+?)[_-]?(?:id|Id|ID)$")


def id_field_candidates(param: str) -> list[str]:
    """The record fields a path parameter may name, most literal first.

    `{id}` and `{activity_id}` name themselves; `{customer_id}` and `{petId}` name a record's
    `id`; `{external_customer_id}` names its `external_id`, as Lago spells client-chosen keys;
    `{Sid}` names `sid` (its snake_case spelling, last).
    """
    candidates = [param]
    match = _ID_SUFFIX.match(param)
    if match and match.group("noun"):
        prefix = match.group("prefix")
        candidates.append(f"{prefix.lower()}_id" if prefix else "id")
        if prefix:
            candidates.append(f"{prefix.lower()}Id")
    if snake(param) not in candidates:
        candidates.append(snake(param))
    return candidates


def _squash(text: str) -> str:
    return re.sub(r"[_\-]", "", snake(text))


def resource_key_candidates(param: str, collection: str) -> list[str]:
    """The record fields a path parameter named after its resource names: the parameter that
    follows `/customers` and is called `{customer}` holds a customer's `id` (Stripe);
    `{issue_number}` after `/issues` holds an issue's `number`, `{team_slug}` after `/teams` a
    team's `slug` (GitHub). `collection` is the literal segment before the parameter. Empty when
    the parameter is not named after that segment's noun."""
    noun = _squash(singular(collection))
    if not noun:
        return []
    name = snake(param)
    if _squash(name) == noun:
        return ["id"]
    head, _, tail = name.rpartition("_")
    if head and tail and noun.endswith(_squash(head)):
        return [tail]
    return []


def credential_field(name: str) -> bool:
    """Whether a body field's name says it holds a credential (`access_token`, `Client-Secret`,
    `apiKey`): compared without case, `_` or `-`, against `defaults.CREDENTIAL_FIELD_WORDS`.
    One rule for every place that hides credentials (recorded fixtures, drift samples)."""
    plain = re.sub(r"[^a-z0-9]", "", name.lower())
    return any(word in plain for word in defaults.CREDENTIAL_FIELD_WORDS)
