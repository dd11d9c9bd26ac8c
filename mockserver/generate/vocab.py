"""Word lists the generator draws from.

Why not call Faker per value: Faker's weighted pickers cost 100-250 µs per name on this machine
(more than a whole record's budget) and a Faker instance carries mutable RNG state that would need
per-thread care. So Faker is used as a *data source*: its en_US tables are read once at import, and
every draw goes through the per-call ``random.Random`` (deterministic, thread-safe by construction).
Faker is pinned in pyproject.toml, so these tables, and therefore the output, do not drift.

The billing vocabulary (resources, verbs, reasons) is what both target vendors (Lago, Sequence)
talk about; it keeps an activity log's type, path, payload, name and summary about the same thing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from faker.providers.company.en_US import Provider as _Company
from faker.providers.person.en_US import Provider as _Person

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
