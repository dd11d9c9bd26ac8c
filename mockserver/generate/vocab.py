"""Word lists the generator draws from.

Why not call Faker per value: Faker's weighted pickers cost 100-250 µs per name on this machine
(more than a whole record's budget) and a Faker instance carries mutable RNG state that would need
per-thread care. So Faker is used as a *data source*: its en_US tables are read once at import, and
every draw goes through the per-call ``random.Random`` (deterministic, thread-safe by construction).
Faker is pinned in pyproject.toml, so these tables, and therefore the output, do not drift.

A `Vocabulary` is what records talk about: resources, verbs, reasons, sources, tags. The billing
vocabulary (what Lago and Sequence talk about) keeps an activity log's type, path, payload, name
and summary about the same thing; it applies only to documents that say so
(`x-mock-vocabulary: billing` at the document's root, set by their overlays). Any other document
gets a generic vocabulary made from its own nouns (its schemas and collection paths), with no
vendor's words, and its own field examples first.
"""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from faker.providers.company.en_US import Provider as _Company
from faker.providers.internet.en_US import Provider as _Internet
from faker.providers.lorem.en_US import Provider as _Lorem
from faker.providers.person.en_US import Provider as _Person

from mockserver.base.pointer import local_refs

FIRST_NAMES: tuple[str, ...] = tuple(_Person.first_names)
FIRST_CUM: tuple[float, ...] = tuple(itertools.accumulate(_Person.first_names.values()))
LAST_NAMES: tuple[str, ...] = tuple(_Person.last_names)
LAST_CUM: tuple[float, ...] = tuple(itertools.accumulate(_Person.last_names.values()))
FIRST_NAME_SET: frozenset[str] = frozenset(FIRST_NAMES)
COMPANY_SUFFIXES: tuple[str, ...] = (
    tuple(s for s in _Company.company_suffixes if s != "and Sons") + ("Labs", "Technologies", "HQ"))


@dataclass(frozen=True, slots=True)
class Resource:
    """A billing object an activity can be about; drives coherent themed values."""

    snake: str  # billable_metric: payload wrapper key, entity type (BILLABLE_METRIC / BillableMetric)
    event: str  # activity-type prefix; Lago says billing_metric.created for a BillableMetric
    plural: str  # REST collection: /billable_metrics
    labels: tuple[str, ...]  # display names; () means "a company name"
    ident: str  # how the member path addresses one: code | uuid | external
    verbs: tuple[str, ...]  # past-tense verbs, most common first
    fields: tuple[str, ...]  # keys of a create/update payload


RESOURCES: tuple[Resource, ...] = (
    Resource("billable_metric", "billing_metric", "billable_metrics",
             ("Storage", "API Calls", "Seats", "Compute Hours", "Bandwidth", "Active Users", "Transactions",
              "Messages Sent", "Data Processed"),
             "code", ("created", "updated", "deleted"), ("name", "code", "aggregation_type", "field_name")),
    Resource("plan", "plan", "plans",
             ("Startup", "Growth", "Premium", "Enterprise", "Basic", "Pro Annual", "Team Monthly", "Scale"),
             "code", ("created", "updated", "deleted"),
             ("name", "code", "interval", "amount_cents", "amount_currency")),
    Resource("customer", "customer", "customers", (), "external", ("created", "updated", "deleted"),
             ("external_id", "name", "email", "currency", "country")),
    Resource("subscription", "subscription", "subscriptions",
             ("Premium Subscription", "Growth Subscription", "Enterprise Contract", "Startup Subscription"),
             "external", ("created", "started", "updated", "terminated"),
             ("external_customer_id", "plan_code", "external_id", "billing_time")),
    Resource("invoice", "invoice", "invoices", ("Monthly Invoice", "Annual Invoice", "One-off Invoice"),
             "uuid", ("created", "finalized", "voided", "paid"),
             ("external_customer_id", "currency", "total_amount_cents")),
    Resource("coupon", "coupon", "coupons",
             ("Black Friday 20%", "Startup Discount", "Welcome Offer", "Annual Prepay Discount", "Partner Referral"),
             "code", ("created", "updated", "deleted"), ("name", "code", "coupon_type", "amount_cents", "frequency")),
    Resource("credit_note", "credit_note", "credit_notes", ("Service Credit", "Refund", "Billing Correction"),
             "uuid", ("created", "voided"), ("invoice_id", "reason", "credit_amount_cents")),
    Resource("wallet", "wallet", "wallets", ("Prepaid Credits", "Promotional Credits", "Usage Credits"),
             "uuid", ("created", "updated", "terminated"),
             ("external_customer_id", "name", "rate_amount", "paid_credits", "currency")),
    Resource("add_on", "add_on", "add_ons",
             ("Onboarding Package", "Premium Support", "SSO Setup", "Implementation Fee"),
             "code", ("created", "updated", "deleted"), ("name", "code", "amount_cents", "amount_currency")),
    Resource("tax", "tax", "taxes", ("VAT France", "Sales Tax California", "GST Australia", "VAT Germany"),
             "code", ("created", "updated", "deleted"), ("name", "code", "rate")),
)

ALL_VERBS: frozenset[str] = frozenset(v for r in RESOURCES for v in r.verbs)
ACTOR_TYPES: tuple[str, ...] = ("user", "user", "user", "api_key", "system", "integration")
TARGET_TYPES: tuple[str, ...] = ("customer", "sequence_user", "subscription", "invoice", "integration")
CATEGORY_TYPES: tuple[str, ...] = ("notification", "user_action", "system_event", "integration_sync", "billing_run")
SOURCES: tuple[str, ...] = ("api", "api", "dashboard", "system", "integration")

REASONS: tuple[str, ...] = (
    "New billing cycle started", "Customer requested a plan change", "Payment received",
    "Manual adjustment by the finance team", "Scheduled renewal", "Usage threshold reached",
    "Contract amended", "Duplicate record cleanup", "Requested via the API", "Trial period ended",
    "Customer churned", "Pricing update rolled out",
)
SUMMARY_TEMPLATES: dict[str, tuple[str, ...]] = {
    "created": ("A new {res} was created for customer {company}", "A new {res} was created",
                "{Res} {ident} was created"),
    "updated": ("{Res} {ident} was updated", "{Res} details were updated for customer {company}"),
    "deleted": ("{Res} {ident} was deleted", "{Res} {ident} was removed by {person}"),
}
SUMMARY_DEFAULT: tuple[str, ...] = ("{Res} {ident} was {verb}", "{Res} was {verb} for customer {company}")

CURRENCIES: tuple[str, ...] = ("USD", "USD", "EUR", "EUR", "GBP", "CAD", "AUD", "CHF")
COUNTRIES: tuple[str, ...] = ("US", "US", "FR", "GB", "DE", "CA", "NL", "ES", "AU")
TIMEZONES: tuple[str, ...] = ("UTC", "Europe/Paris", "America/New_York", "America/Los_Angeles", "Europe/London")
LANGUAGES: tuple[str, ...] = ("en", "en", "fr", "de", "es", "nl")
SDK_LANGUAGES: tuple[str, ...] = ("Ruby", "Python", "Node", "Go", "Java", "PHP")
URL_TLDS: tuple[str, ...] = ("com", "com", "io", "co", "dev")
META_VALUES: dict[str, tuple[str, ...]] = {  # small key/value tags as found in "metadata" arrays and maps
    "source": ("web", "api", "csv_import", "partner_portal"),
    "region": ("eu-west-1", "us-east-1", "us-west-2", "ap-southeast-1"),
    "plan_tier": ("startup", "growth", "enterprise"),
    "team": ("billing", "finance", "sales", "revops"),
    "channel": ("web", "email", "sales", "self_serve"),
    "environment": ("production", "sandbox"),
    "campaign": ("q4-promo", "spring-launch", "partner-referral"),
    "cost_center": ("CC-1001", "CC-2040", "CC-3107"),
}
META_KEYS: tuple[str, ...] = tuple(META_VALUES)
FIELD_NAMES: tuple[str, ...] = ("gb", "requests", "seats", "hours", "messages", "transactions", "users")
UA_TEMPLATES: tuple[str, ...] = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
)
HTTP_REASONS: dict[int, tuple[str, str]] = {
    400: ("Bad Request", "bad_request"), 401: ("Unauthorized", "unauthorized"),
    404: ("Not Found", "object_not_found"), 405: ("Method Not Allowed", "not_allowed"),
    422: ("Unprocessable Entity", "validation_errors"), 429: ("Too Many Requests", "too_many_requests"),
    500: ("Internal Server Error", "internal_error"),
}


# Words by role, for documents without a vendor's vocabulary. Faker's tables again (pinned), with
# no billing term in them, so a generic document never talks billing.
_BILLING_TERMS = re.compile("|".join(re.escape(term) for term in sorted({
    *(label.lower() for r in RESOURCES for label in r.labels), *(r.snake for r in RESOURCES),
    "billing", "invoice", "subscription", "billable", "coupon", "wallet", "enterprise", "startup"})), re.IGNORECASE)
PROSE_WORDS: tuple[str, ...] = tuple(
    w for w in _Lorem.word_list if w.isalpha() and w.islower() and not _BILLING_TERMS.search(w))
TITLE_WORDS: tuple[tuple[str, ...], ...] = tuple(
    tuple(w for w in words if not _BILLING_TERMS.search(w)) for words in _Company.catch_phrase_words)
TAG_WORDS: tuple[str, ...] = (  # what people file things under: single lower-case words
    "work", "personal", "ideas", "travel", "urgent", "reading", "family", "health", "shopping", "meeting",
    "project", "research", "design", "recipes", "music", "books", "fitness", "learning", "home", "garden",
    "writing", "followup", "review", "planning", "weekend", "goals", "photos", "movies", "career", "budget",
    "events", "school", "science", "history", "art", "cooking", "coffee", "running", "ops", "frontend",
    "backend", "mobile", "security", "docs", "hiring", "support", "marketing", "sales", "legal", "inbox")
FREE_EMAIL_DOMAINS: tuple[str, ...] = tuple(_Internet.free_email_domains)
EXAMPLE_DOMAINS: tuple[str, ...] = ("example.com", "example.org", "example.net")


VOCABULARY_KEY = "x-mock-vocabulary"  # at a document's root: the name of its vocabulary


@dataclass(frozen=True)
class Vocabulary:
    """The domain words of one document's records."""

    name: str
    resources: tuple[Resource, ...]
    reasons: tuple[str, ...]
    summary_templates: dict[str, tuple[str, ...]]
    summary_default: tuple[str, ...]
    actor_types: tuple[str, ...]
    target_types: tuple[str, ...]
    category_types: tuple[str, ...]
    sources: tuple[str, ...]
    meta_values: dict[str, tuple[str, ...]]
    examples_first: bool  # a field's own example before any hint (generic documents)
    # values by a field's role (title, prose, tags, one person per object); the billing vocabulary
    # keeps its own makers, whose output the bundled contracts' tests pin
    roles: bool = False
    # lower-case strings no generated word may be: the document's schema names and their words,
    # its enum values (a tag `draft` beside a status `draft` reads as the same field twice)
    avoid: frozenset[str] = frozenset()
    all_verbs: frozenset[str] = field(init=False)
    meta_keys: tuple[str, ...] = field(init=False)
    by_entity: dict[str, Resource] = field(init=False)  # 'specialevent': the special_event resource

    def __post_init__(self) -> None:
        object.__setattr__(self, "all_verbs", frozenset(v for r in self.resources for v in r.verbs))
        object.__setattr__(self, "meta_keys", tuple(self.meta_values))
        object.__setattr__(self, "by_entity", {r.snake.replace("_", ""): r for r in self.resources})


BILLING = Vocabulary("billing", RESOURCES, REASONS, SUMMARY_TEMPLATES, SUMMARY_DEFAULT, ACTOR_TYPES, TARGET_TYPES,
                     CATEGORY_TYPES, SOURCES, META_VALUES, examples_first=False)

GENERIC_REASONS: tuple[str, ...] = (
    "Requested by the user", "Scheduled update", "Manual correction", "Imported from a file",
    "Requested via the API", "Duplicate removed", "Expired", "Updated by an administrator")
GENERIC_SUMMARIES: dict[str, tuple[str, ...]] = {
    "created": ("A new {res} was created", "{Res} {ident} was created"),
    "updated": ("{Res} {ident} was updated", "{Res} details were updated"),
    "deleted": ("{Res} {ident} was deleted", "{Res} {ident} was removed by {person}"),
}
GENERIC_SOURCES: tuple[str, ...] = ("api", "api", "web", "mobile", "system", "import")
GENERIC_META: dict[str, tuple[str, ...]] = {
    "source": ("web", "api", "csv_import", "mobile"),
    "region": ("eu-west-1", "us-east-1", "us-west-2", "ap-southeast-1"),
    "channel": ("web", "email", "mobile", "partner"),
    "environment": ("production", "staging"),
}
_NOT_NOUNS = re.compile(r"(?i)(response|request|error|errors|problem|list|page|paginated|result|results|input|"
                        r"output|body|payload|params|query|dto|meta|links)$")


def document_nouns(document: dict[str, Any]) -> tuple[str, ...]:
    """What a document is about, in snake_case: its object schemas' names, then the collections its paths
    address items of (`/special-events/{eventId}`: special_event; not actions such as `/login`)."""
    from mockserver.base.names import singular

    nouns: list[str] = []
    for name, schema in ((document.get("components") or {}).get("schemas") or {}).items():
        is_object = isinstance(schema, dict) and (schema.get("type") == "object" or "properties" in schema)
        if is_object and not _NOT_NOUNS.search(str(name)):  # records, not their scalar fields
            nouns.append(str(name))
    for path in (document.get("paths") or {}):
        parts = [part for part in str(path).split("/") if part]
        nouns += [singular(part) for part, after in zip(parts, parts[1:])
                  if not part.startswith("{") and after.startswith("{")]
    seen: dict[str, None] = {}
    for noun in nouns:
        snake = "_".join(re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", noun.replace("-", "_"))).lower()
        if snake and not snake.isdigit():
            seen.setdefault(snake, None)
    return tuple(seen)[:24] or ("item",)


def generic_vocabulary(document: dict[str, Any]) -> Vocabulary:
    """A vocabulary from the document's own nouns, with no vendor's words. Its resources are what
    the document answers with (a request-only `NotePatch` is no resource), each with its
    collection's own plural where a path names one (`/people`), and no display names: a record's
    labels are made by its fields' roles, never from a schema's name."""
    collections = _collections(document)
    answered = _answered_schemas(document)
    nouns = list(collections) or [noun for noun in document_nouns(document) if noun in answered] \
        or list(document_nouns(document))
    resources = tuple(
        Resource(noun, noun, collections.get(noun) or plural(noun), (), "uuid", ("created", "updated", "deleted"),
                 ("name",))
        for noun in nouns)
    targets = tuple(r.snake for r in resources[:5])
    return Vocabulary("generic", resources, GENERIC_REASONS, GENERIC_SUMMARIES, ("{Res} {ident} was {verb}",),
                      ("user", "user", "api_key", "system"), targets,
                      ("notification", "user_action", "system_event"), GENERIC_SOURCES, GENERIC_META,
                      examples_first=True, roles=True, avoid=_avoided(document))


def _snake(noun: str) -> str:
    return "_".join(re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", noun.replace("-", "_"))).lower()


# English plurals that no ending rule makes (a REST collection's noun, most common first).
IRREGULAR_PLURALS: dict[str, str] = {
    "person": "people", "child": "children", "man": "men", "woman": "women", "mouse": "mice", "goose": "geese",
    "foot": "feet", "tooth": "teeth", "leaf": "leaves", "knife": "knives", "life": "lives", "wife": "wives",
    "half": "halves", "shelf": "shelves", "wolf": "wolves", "analysis": "analyses", "criterion": "criteria",
    "index": "indices", "matrix": "matrices", "vertex": "vertices", "quiz": "quizzes", "datum": "data",
    "medium": "media", "cactus": "cacti", "crisis": "crises", "thesis": "theses", "series": "series",
    "species": "species", "sheep": "sheep", "fish": "fish", "news": "news", "info": "info",
}
_IRREGULAR_SINGULARS: dict[str, str] = {many: one for one, many in IRREGULAR_PLURALS.items()}


def plural(noun: str) -> str:
    """English plural of a snake_case noun's last word, for a collection no path names."""
    from mockserver.base.names import singular

    head, _, last = noun.rpartition("_")
    if last in _IRREGULAR_SINGULARS or singular(last) != last:  # already a plural (`cvss_severities`)
        return noun
    if last in IRREGULAR_PLURALS:
        return f"{head}_{IRREGULAR_PLURALS[last]}" if head else IRREGULAR_PLURALS[last]
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", noun):
        return noun + "es"
    return noun + "s"


def _collections(document: dict[str, Any]) -> dict[str, str]:
    """{singular noun: the path segment that names its collection}: `/special-events/{id}` gives
    special_event: special-events, the plural as the document spells it. Only segments that
    address items (followed by a parameter): `/login` is an action, not a collection."""
    from mockserver.base.names import singular

    out: dict[str, str] = {}
    for path in (document.get("paths") or {}):
        parts = [part for part in str(path).split("/") if part]
        for part, after in zip(parts, parts[1:]):
            if not part.startswith("{") and after.startswith("{"):
                head, _, last = _snake(part).rpartition("_")
                one = _IRREGULAR_SINGULARS.get(last)
                noun = (f"{head}_{one}" if head else one) if one else _snake(singular(part))
                out.setdefault(noun, part)
    return out


def _refs(node: Any, found: set[str]) -> None:
    found.update(name for kind, name in local_refs(node) if kind == "schemas")


def _answered_schemas(document: dict[str, Any]) -> frozenset[str]:
    """snake_case names of the schemas some response reaches (through $refs, transitively)."""
    schemas = (document.get("components") or {}).get("schemas") or {}
    found: set[str] = set()
    for item in (document.get("paths") or {}).values():
        for op in (item.values() if isinstance(item, dict) else ()):
            if isinstance(op, dict):
                _refs(op.get("responses"), found)
    _refs((document.get("components") or {}).get("responses"), found)
    todo = list(found)
    while todo:
        more: set[str] = set()
        _refs(schemas.get(todo.pop()), more)
        todo += [name for name in more - found]
        found |= more
    return frozenset(_snake(name) for name in found)


def _avoided(document: dict[str, Any]) -> frozenset[str]:
    """Schema names (as written, spaced and snake_case) and their words, and every enum string."""
    out: set[str] = set()
    for name in ((document.get("components") or {}).get("schemas") or {}):
        ws = _snake(str(name)).split("_")
        out.update((str(name).lower(), " ".join(ws), "_".join(ws), *ws))
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            enum = item.get("enum")
            if isinstance(enum, list):
                out.update(v.lower() for v in enum if isinstance(v, str))
            stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, (dict, list)))
    return frozenset(out)


VOCABULARIES = {"billing": BILLING}


def for_document(document: dict[str, Any]) -> Vocabulary:
    """The vocabulary a document names at its root, else a generic one from its own nouns."""
    named = document.get(VOCABULARY_KEY)
    if named in VOCABULARIES:
        return VOCABULARIES[named]
    if named is not None:
        logging.getLogger("mockserver").warning(
            "warning: %s: %r is no vocabulary (known: %s); a generic one is used",
            VOCABULARY_KEY, named, ", ".join(sorted(VOCABULARIES)))
    return generic_vocabulary(document)
