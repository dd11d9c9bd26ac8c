"""Realistic value makers, chosen once per schema node from its name, format and example.

Why at compile time: deciding "this is an email", "this is an HTTP status that must fit the method"
means string matching on names and examples; doing it once per schema and keeping a closure makes
each generated value a couple of cheap calls. Formats are contracts and win over names; names win
over example shapes; the vendor's example is the fallback (it is the vendor's own realistic value).
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from . import vocab
from .runtime import (
    DATE_RE, DATETIME_RE, EMAIL_RE, HEX_RE, URL_RE, UUID_NAMES, UUID_RE, Ctx, Run, Theme, detect_style,
    external_prefix, fmt_date, fmt_datetime, key_styled, slug, styled, uuid_source, words,
)

Fn = Callable[[Run], Any]

PRIO_DRIVER, PRIO_PLAIN, PRIO_DEPENDENT, PRIO_CONTAINER = 0, 1, 2, 3  # generation order inside an object

_PERSON_WORDS = frozenset(("user", "person", "contact", "owner", "author", "actor", "member", "full", "display",
                           "recipient", "assignee", "creator", "admin"))
_COMPANY_WORDS = frozenset(("company", "organization", "organisation", "org", "business", "legal", "tenant"))
_URL_WORDS = frozenset(("url", "uri", "href", "link", "website", "homepage", "endpoint"))
_SENTENCE_WORDS = frozenset(("summary", "description", "message", "note", "notes", "comment", "details"))
_TENANT_RE = re.compile(r"^(organi[sz]ation|org|tenant|workspace|(?!customer|billing|bank|ledger)[a-z]*account)id$")
_CLIENT_RE = re.compile(r"^(\S+) (\S+) (v?)(\d+)\.(\d+)\.(\d+)$")
_SEMVER_RE = re.compile(r"^(v?)(\d+)\.(\d+)\.(\d+)$")


def is_datetime_example(ex: object) -> bool:
    return isinstance(ex, _dt.datetime) or (isinstance(ex, str) and bool(DATETIME_RE.match(ex)) and "T" in ex)


def is_date_example(ex: object) -> bool:
    return (isinstance(ex, _dt.date) and not isinstance(ex, _dt.datetime)) or (
        isinstance(ex, str) and bool(DATE_RE.match(ex)))


def is_created_name(ws: tuple[str, ...]) -> bool:
    """created_at / createdAt / creation_date / inserted_at: the object's birth, no later than its other times."""
    return "created" in ws or "creation" in ws or ws[:1] == ("inserted",)


def is_error_object(sibs: frozenset[str]) -> bool:
    """Error bodies couple status, message and code; their examples are kept rather than reinvented."""
    return "error" in sibs or "errors" in sibs


# --- strings --------------------------------------------------------------------------------------

def string_hint(name: str | None, parent: tuple[str, ...], sibs: frozenset[str], schema: dict[str, Any],
                ctx: Ctx) -> tuple[Fn, int]:
    """Pick the maker for a string node, and its priority among its siblings."""
    ws = words(name)
    last = ws[-1] if ws else ""
    fmt = schema.get("format")
    ex = schema.get("example")
    ex_s = ex if isinstance(ex, str) else None

    if ex_s is not None and is_error_object(sibs):
        return (lambda run: ex_s), PRIO_PLAIN
    if ctx.vocab.roles:
        made = role_hint(ws, parent, sibs, fmt, ex_s)
        if made is not None:
            return made, PRIO_PLAIN
    if "trace" in ws or "span" in ws or last in ("hash", "digest", "checksum", "fingerprint", "etag"):
        n = len(ex_s) if ex_s and HEX_RE.match(ex_s) else (16 if "span" in ws else 32)
        upper = bool(ex_s and ex_s.isupper())
        return (lambda run: run.hex(n).upper() if upper else run.hex(n)), PRIO_PLAIN
    if fmt == "uuid" or last in ("id", "uuid", "guid"):
        return _id_hint(ws, fmt, ex_s, ctx), PRIO_PLAIN
    if fmt == "email" or last == "email":
        domain = ex_s.split("@", 1)[1] if ex_s and EMAIL_RE.match(ex_s) else None
        return (lambda run: run.email(domain)), PRIO_PLAIN
    if fmt in ("uri", "url", "uri-reference", "iri", "iri-reference") or last in _URL_WORDS or (
            last == "origin" and (ex_s is None or URL_RE.match(ex_s))):
        return _url_hint(ws, ex_s), PRIO_PLAIN
    if fmt == "hostname":
        return (lambda run: run.company_domain()), PRIO_PLAIN
    if fmt == "ipv4" or last == "ip" or ws[-2:] == ("ip", "address"):
        return (lambda run: ".".join(str(run.rng.randint(1, 223 if i == 0 else 254)) for i in range(4))), PRIO_PLAIN
    if fmt == "ipv6":
        return (lambda run: ":".join(run.hex(4) for _ in range(8))), PRIO_PLAIN
    if fmt in ("byte", "binary"):
        return (lambda run: base64.b64encode(run.rng.randbytes(12)).decode()), PRIO_PLAIN
    if fmt == "decimal":  # a number as text (Stripe's `unit_amount_decimal`), which SDKs parse as one
        return (lambda run: f"{run.rng.randint(0, 999999) / 100:.2f}"), PRIO_PLAIN
    if fmt == "password" or last in ("password", "secret", "token"):
        return (lambda run: run.alnum(24)), PRIO_PLAIN
    if last == "path" or last == "route":
        return _path_hint(ex_s), PRIO_DEPENDENT
    if last in ("client", "sdk") or ws[-2:] == ("user", "agent"):
        return _client_hint(ex_s), PRIO_PLAIN
    if last == "version":
        return _version_hint(ex_s), PRIO_PLAIN
    if last == "name" or last == "title" or last == "label":
        return _name_hint(ws, parent, ex_s, ctx), PRIO_PLAIN
    if last in _SENTENCE_WORDS:
        return summary, PRIO_PLAIN
    if last == "reason":
        reasons = ctx.vocab.reasons
        return (lambda run: run.rng.choice(reasons)), PRIO_PLAIN
    if last in ("verb", "action"):
        style = detect_style(ex_s, "snake")
        return (lambda run: styled(words(run.theme().verb), style)), PRIO_PLAIN
    if last in ("type", "kind", "category"):
        return _type_hint(ws, parent, ex_s, ctx), PRIO_PLAIN
    if last in ("origin", "source", "channel"):
        return _pick_styled(ctx.vocab.sources, ex_s, keep=0.6), PRIO_PLAIN
    if "currency" in ws:
        return (lambda run: run.rng.choice(vocab.CURRENCIES)), PRIO_PLAIN
    if last == "country" or ws[-2:] == ("country", "code"):
        return (lambda run: run.rng.choice(vocab.COUNTRIES)), PRIO_PLAIN
    if last in ("timezone", "tz") or ws[-2:] == ("time", "zone"):
        return (lambda run: run.rng.choice(vocab.TIMEZONES)), PRIO_PLAIN
    if last in ("locale", "language", "lang"):
        return (lambda run: run.rng.choice(vocab.LANGUAGES)), PRIO_PLAIN
    if last in ("phone", "mobile") or ws[-2:] == ("phone", "number"):
        return (lambda run: f"+1-{run.rng.randint(201, 989)}-{run.rng.randint(200, 999)}-"
                            f"{run.rng.randint(0, 9999):04d}"), PRIO_PLAIN
    if last == "code":
        if ex_s is not None and not re.fullmatch(r"[a-z0-9_]+", ex_s):
            return _str_mimicker(ex_s, None), PRIO_PLAIN
        return (lambda run: slug(run.theme().label(run))), PRIO_PLAIN
    if ex_s is not None:
        return _str_mimicker(ex_s, None), PRIO_PLAIN
    if ctx.vocab.roles:  # a fresh phrase per field: two fields of a record never read the same
        return (lambda run: run.title()), PRIO_PLAIN
    return (lambda run: run.theme().label(run)), PRIO_PLAIN


_TITLE_ROLE = frozenset(("title", "subject", "headline", "summary", "heading", "caption"))
_PROSE_ROLE = frozenset(("body", "description", "content", "text", "message", "comment", "comments", "note",
                         "notes", "details", "bio", "about", "excerpt", "instructions", "remarks"))
_TAG_ROLE = frozenset(("tag", "tags", "keyword", "keywords", "label", "labels", "category", "categories",
                       "topic", "topics"))
_LOGIN_ROLE = frozenset(("username", "login", "handle", "nickname", "screenname"))
_PICTURE_ROLE = frozenset(("avatar", "picture", "photo", "headshot", "gravatar"))
_IMAGE_ROLE = frozenset(("image", "thumbnail", "logo", "icon", "cover", "banner"))
_ROLE_FORMATS = frozenset((None, "email", "uri", "url"))


def role_hint(ws: tuple[str, ...], parent: tuple[str, ...], sibs: frozenset[str], fmt: str | None,
              ex_s: str | None) -> Fn | None:
    """A generic document's string by the role its name gives it: one person per object (name,
    email, login and avatar agree), a short title, prose, a tag word. None: no role, the other
    hints decide (formats they know, ids, codes, dates...)."""
    if fmt not in _ROLE_FORMATS or not ws:
        return None
    last = ws[-1]
    if fmt == "email" or last == "email":
        domain = ex_s.split("@", 1)[1] if ex_s and EMAIL_RE.match(ex_s) else None
        return lambda run: run.person_email(domain)
    picture = _PICTURE_ROLE.intersection(ws) or _IMAGE_ROLE.intersection(ws)
    if picture and (fmt is not None or last in _PICTURE_ROLE or last in _IMAGE_ROLE or last in _URL_WORDS):
        emails = any(words(s)[-1:] == ("email",) for s in sibs)
        if "avatar" in ws or "gravatar" in ws or (_PICTURE_ROLE.intersection(ws) and (
                emails or _PERSON_WORDS.intersection(parent))):  # the object's person's face
            return lambda run: "https://i.pravatar.cc/150?u={}.{}".format(
                *(p.lower() for p in run.record_person()))
        return lambda run: f"https://picsum.photos/seed/{run.hex(10)}/640/480"  # a picture of the thing
    if fmt is not None:
        return None
    if last in _LOGIN_ROLE or ws[-2:] == ("screen", "name"):
        return lambda run: run.login()
    if last == "name":
        qualifiers = set(ws[:-1])
        if "first" in qualifiers or "given" in qualifiers:
            return lambda run: run.record_person()[0]
        if qualifiers & {"last", "family", "surname"}:
            return lambda run: run.record_person()[1]
        if qualifiers & _COMPANY_WORDS or (not qualifiers and "customer" in parent):
            return None
        if not qualifiers and _TAG_ROLE.intersection(parent):  # a Tag's name is a word
            return lambda run: run.word()
        emails = any(words(s)[-1:] == ("email",) for s in sibs)
        if qualifiers & _PERSON_WORDS or (not qualifiers and (_PERSON_WORDS.intersection(parent) or emails)):
            return lambda run: " ".join(run.record_person())
        return lambda run: run.title()
    if last in _TITLE_ROLE:
        return lambda run: run.title()
    if last in _PROSE_ROLE:
        if "error" in parent or "errors" in parent or is_error_object(sibs):
            return None  # an error's message says what went wrong (http/error fields fill it), not prose
        return lambda run: run.prose()
    if last in _TAG_ROLE:
        return lambda run: run.word()
    return None


def _id_hint(ws: tuple[str, ...], fmt: str | None, ex_s: str | None, ctx: Ctx) -> Fn:
    norm = "".join(ws)
    if _TENANT_RE.match(norm):  # the mock serves one organization: its id is the same in every record
        value = ctx.stable_uuid(norm)
        return lambda run: value
    if fmt != "uuid" and ex_s and not UUID_RE.match(ex_s):
        if ex_s.isdigit():
            n = len(ex_s)
            return lambda run: str(run.rng.randint(10 ** (n - 1), 10 ** n - 1))
        noun = ws[-2] if len(ws) >= 2 and ws[-2] != "external" else None
        if noun is None:
            return lambda run: run.external_id(run.theme().res.snake)
        prefix = external_prefix(noun)
        return lambda run: prefix + run.alnum(12)
    owner = "".join(ws[:-1])
    if owner:  # activityLogId inside an activity log's item is that log's id
        uuid_only = fmt == "uuid"

        def fk(run: Run) -> str:
            v = run.ancestor_id(owner, uuid_only)
            return v if v is not None else run.uuid()

        def skip(run: Run) -> None:  # a pinned id's draws, without its text
            if run.ancestor_id(owner, uuid_only) is None:
                run.skip_uuid()

        def written(ns: dict[str, Any], name: str) -> str:  # fk in a written gen (nodes._specialise)
            ns[f"{name}_OWNER"], ns[f"{name}_ONLY"] = owner, uuid_only
            ns.update(UUID_NAMES)
            return (f"(v if (v := run.ancestor_id({name}_OWNER, {name}_ONLY)) is not None "
                    f"else {uuid_source('getrandbits')})")
        fk.skip = skip  # type: ignore[attr-defined]
        fk.written = written  # type: ignore[attr-defined]
        return fk
    return new_uuid


def new_uuid(run: Run) -> str:
    """A fresh uuid: `Run.uuid` as a maker, written in place in a written gen."""
    return run.uuid()


def _new_uuid_written(ns: dict[str, Any], name: str) -> str:
    ns.update(UUID_NAMES)
    return uuid_source("getrandbits")


new_uuid.written = _new_uuid_written  # type: ignore[attr-defined]


def _url_hint(ws: tuple[str, ...], ex_s: str | None) -> Fn:
    ex_host = urlsplit(ex_s).netloc if ex_s and URL_RE.match(ex_s) else None
    origin = ws[-1:] == ("origin",)

    def url(run: Run) -> str:
        rng = run.rng
        host = ex_host if ex_host and rng.random() < 0.6 else f"app.{run.company_domain()}"
        if origin:
            return f"https://{host}/"
        th = run.theme()
        return f"https://{host}/{th.res.plural}/{th.ident(run)}"
    return url


def _path_hint(ex_s: str | None) -> Fn:
    m = re.match(r"^(/api)?(/v\d+)?", ex_s or "")
    prefix = m.group(0) if m else ""

    def path(run: Run) -> str:
        th = run.theme()
        method = str(run.sibling("method") or "").lower()
        base = f"{prefix}/{th.res.plural}"
        if method in ("put", "patch", "delete") or (not method and run.rng.random() < 0.5):
            return f"{base}/{th.ident(run)}"
        return base
    return path


def _client_hint(ex_s: str | None) -> Fn:
    m = _CLIENT_RE.match(ex_s or "")
    if m is None:
        return lambda run: run.rng.choice(vocab.UA_TEMPLATES).format(v=run.rng.randint(118, 131))
    vendor, _lang, v, major, minor = m.group(1), m.group(2), m.group(3), int(m.group(4)), int(m.group(5))

    def client(run: Run) -> str:  # "Lago Ruby v1.26.0" -> "Lago Python v1.22.3"
        rng = run.rng
        return (f"{vendor} {rng.choice(vocab.SDK_LANGUAGES)} {v}{major}."
                f"{rng.randint(max(0, minor - 8), minor + 4)}.{rng.randint(0, 9)}")
    return client


def _version_hint(ex_s: str | None) -> Fn:
    m = _SEMVER_RE.match(ex_s or "")
    if m:
        v, major, minor = m.group(1), int(m.group(2)), int(m.group(3))
        return lambda run: f"{v}{major}.{run.rng.randint(max(0, minor - 5), minor + 2)}.{run.rng.randint(0, 9)}"
    value = ex_s or "v1"  # API versions are a constant of the deployment
    return lambda run: value


def _name_hint(ws: tuple[str, ...], parent: tuple[str, ...], ex_s: str | None, ctx: Ctx) -> Fn:
    if ws[-1] != "name":
        return lambda run: run.theme().label(run)
    if "first" in ws or "given" in ws:
        return lambda run: run.person()[0]
    if "last" in ws or "family" in ws or "surname" in ws:
        return lambda run: run.person()[1]
    qualifiers = set(ws[:-1])
    if qualifiers & _COMPANY_WORDS or (not qualifiers and "customer" in parent):
        return lambda run: run.theme().company(run)
    if qualifiers & _PERSON_WORDS or (not qualifiers and _PERSON_WORDS.intersection(parent)):
        return lambda run: " ".join(run.person())
    if ex_s:
        ex_words = ex_s.split()
        if len(ex_words) >= 2 and ex_words[-1].lower() in ctx.vocab.all_verbs:  # "Invoice Created"
            return lambda run: styled(words(run.theme().res.snake) + (run.theme().verb,), "title")
        if len(ex_words) == 2 and ex_words[0] in vocab.FIRST_NAME_SET:
            return lambda run: " ".join(run.person())
    return lambda run: run.theme().label(run)


def _type_hint(ws: tuple[str, ...], parent: tuple[str, ...], ex_s: str | None, ctx: Ctx) -> Fn:
    style = detect_style(ex_s, "snake")
    qualifiers = set(ws[:-1])
    if style == "dotted":  # billing_metric.created
        return lambda run: f"{run.theme().res.event}.{run.theme().verb}"
    if "actor" in parent or "actor" in qualifiers:
        return _pick_styled(ctx.vocab.actor_types, None, keep=0.0, style=style)
    if "target" in parent or "target" in qualifiers:
        return _pick_styled(ctx.vocab.target_types, ex_s, keep=0.4, style=style)
    if qualifiers & {"resource", "entity", "object", "item", "subject", "model"} or (
            not qualifiers and parent and not ctx.vocab.roles):  # a generic record's `type` is no schema's name
        return lambda run: _styled_name(run.theme().res.snake, style)
    return _pick_styled(ctx.vocab.category_types, ex_s, keep=0.6, style=style)


@functools.lru_cache(maxsize=4096)
def _styled_name(snake: str, style: str) -> str:
    """A vocabulary resource's name in a casing style, rendered once per (name, style)."""
    return styled(words(snake), style)


def _pick_styled(choices: tuple[str, ...], ex_s: str | None, keep: float, style: str | None = None) -> Fn:
    """The example most of the time (it is the common case), else a sibling word in the same casing."""
    st = style or detect_style(ex_s, "snake")
    rendered = tuple(styled(words(c), st) for c in choices)

    def pick(run: Run) -> str:
        if ex_s is not None and run.rng.random() < keep:
            return ex_s
        return run.rng.choice(rendered)
    return pick


def summary(run: Run) -> str:
    """A short sentence about the record's theme: 'A new invoice was created for customer Acme Inc'."""
    th = run.theme()
    words_of = run.ctx.vocab
    templates = words_of.summary_templates.get(th.verb, words_of.summary_default)
    template = run.rng.choice(templates)
    res = " ".join(words(th.res.snake))
    return template.format(res=res, Res=res.capitalize(), verb=th.verb,
                           ident=th.ident(run) if "{ident}" in template else "",
                           company=th.company(run) if "{company}" in template else "",
                           person=" ".join(run.person()) if "{person}" in template else "")


# --- numbers --------------------------------------------------------------------------------------

def int_hint(name: str | None, sibs: frozenset[str], schema: dict[str, Any]) -> tuple[Fn | None, int]:
    """Maker for an integer, or None for "uniform within bounds"; bounds are enforced by the node."""
    ws = words(name)
    last = ws[-1] if ws else ""
    ex = schema.get("example")
    ex_i = ex if isinstance(ex, int) and not isinstance(ex, bool) else None
    if ex_i is not None and (is_error_object(sibs) or (last == "status" and 100 <= ex_i <= 599 and "http" not in ws)):
        return (lambda run: ex_i), PRIO_PLAIN
    if "status" in ws and ("http" in ws or "code" in ws or "response" in ws):
        return http_status, PRIO_DEPENDENT
    if "cents" in ws or "amount" in ws:
        return (lambda run: run.rng.randrange(5, 5000) * 100), PRIO_PLAIN
    if last in ("count", "quantity", "units", "retries", "attempts", "size"):
        return (lambda run: run.rng.randint(0, 50)), PRIO_PLAIN
    if last == "year":
        return (lambda run: _dt.datetime.fromtimestamp(run.ctx.anchor_ts, _dt.UTC).year - run.rng.randint(0, 2)), \
            PRIO_PLAIN
    if last in ("percent", "percentage"):
        return (lambda run: run.rng.randint(0, 100)), PRIO_PLAIN
    if last in ("ms", "duration", "latency", "elapsed"):
        return (lambda run: run.rng.randint(5, 1500)), PRIO_PLAIN
    if ex_i is not None:
        return (lambda run: around_int(ex_i, run)), PRIO_PLAIN
    return None, PRIO_PLAIN


def number_hint(name: str | None, schema: dict[str, Any]) -> Fn | None:
    ws = words(name)
    ex = schema.get("example")
    if ws and ws[-1] in ("percent", "percentage", "rate"):
        return lambda run: round(run.rng.uniform(0, 100), 2)
    if set(ws) & {"amount", "price", "cost", "total", "balance"}:
        return lambda run: round(run.rng.uniform(1, 2000), 2)
    if isinstance(ex, (int, float)) and not isinstance(ex, bool):
        return lambda run: round(float(ex) * run.rng.uniform(0.5, 1.5), 2)
    return None


def http_status(run: Run) -> int:
    """Mostly success, shaped by the sibling HTTP method; sometimes the client errors an API sees."""
    rng = run.rng
    method = str(run.sibling("method") or "").lower()
    if rng.random() < 0.88:
        if method == "post":
            return 200 if rng.random() < 0.8 else 201
        if method == "delete":
            return 200 if rng.random() < 0.7 else 204
        return 200
    return rng.choice((400, 401, 404, 404, 422, 422, 422, 429, 500))


def around_int(ex: int, run: Run) -> int:
    if ex == 0:
        return run.rng.randint(0, 10)
    lo, hi = sorted((ex // 2, ex * 2))
    return run.rng.randint(lo, hi)


# --- free-form objects ----------------------------------------------------------------------------

def freeform_hint(name: str | None, schema: dict[str, Any]) -> Fn:
    """A small plausible dict for an object schema without properties."""
    ws = words(name)
    ex = schema.get("example")
    if isinstance(ex, str) and ex.lstrip().startswith("{"):
        try:
            ex = json.loads(ex)
        except ValueError:
            pass
    # Logged HTTP exchanges: about the record's resource and consistent with its method and status;
    # wrapped ({"billable_metric": {...}}) or flat like the vendor's example.
    wrapped = not isinstance(ex, dict) or (len(ex) == 1 and isinstance(next(iter(ex.values())), dict))
    if "response" in ws or "result" in ws:
        return lambda run: response_payload(run, wrapped)
    if ws and (ws[-1] in ("body", "payload", "params", "parameters") or "request" in ws):
        return lambda run: request_payload(run, wrapped)
    if isinstance(ex, dict) and ex:
        return mimicker(ex, None)
    if ws and ws[-1] in ("metadata", "meta", "tags", "labels", "attributes", "properties", "extra", "custom"):
        return meta_dict
    return record_dict


def meta_dict(run: Run) -> dict[str, Any]:
    rng = run.rng
    words_of = run.ctx.vocab
    keys = rng.sample(words_of.meta_keys, rng.randint(1, 2))
    return {key_styled(k, run.ctx.key_style): rng.choice(words_of.meta_values[k]) for k in keys}


def record_dict(run: Run) -> dict[str, Any]:
    """{id, a couple of themed fields}: what an untyped 'object' field usually carries."""
    th = run.theme()
    style = run.ctx.key_style
    out: dict[str, Any] = {key_styled(run.ctx.id_key, style): run.uuid()}
    for f in th.res.fields[:2]:
        out[key_styled(f, style)] = field_value(f, run, th)
    return out


def request_payload(run: Run, wrapped: bool = True) -> dict[str, Any]:
    """{"billable_metric": {"name": ..., "code": ...}} for a create, a partial one for an update, {} for delete."""
    th = run.theme()
    rng = run.rng
    method = str(run.sibling("method") or "post").lower()
    if method == "delete":
        return {}
    fields = th.res.fields
    if method in ("put", "patch"):
        fields = fields[: rng.randint(1, len(fields))]
    style = run.ctx.key_style
    body = {key_styled(f, style): field_value(f, run, th) for f in fields}
    return {key_styled(th.res.snake, style): body} if wrapped else body


def response_payload(run: Run, wrapped: bool = True) -> dict[str, Any]:
    """The body the API answered with, consistent with the sibling status code."""
    th = run.theme()
    style = run.ctx.key_style
    status = run.sibling("status")
    if isinstance(status, int) and status >= 400:
        error, code = vocab.HTTP_REASONS.get(status, ("Error", "error"))
        body: dict[str, Any] = {"status": status, "error": error, "code": code}
        if status == 422:
            body[key_styled("error_details", style)] = {key_styled(th.res.fields[0], style): ["value_already_exist"]}
        return body
    if status == 204:
        return {}
    record: dict[str, Any] = {key_styled(run.ctx.id_key, style): run.uuid()}
    for f in th.res.fields:
        record[key_styled(f, style)] = field_value(f, run, th)
    record[key_styled("created_at", style)] = fmt_datetime(run.timestamp(created=True))
    return {key_styled(th.res.snake, style): record} if wrapped else record


def field_value(key: str, run: Run, th: Theme) -> Any:
    """Value of a billing payload field, the same for the request and the response of one record."""
    if key not in th.fields:
        th.fields[key] = _new_field_value(key, run, th)
    return th.fields[key]


def _new_field_value(key: str, run: Run, th: Theme) -> Any:
    rng = run.rng
    if key == "name":
        return th.label(run)
    if key == "code":
        return slug(th.label(run))
    if key == "email":
        return run.email(run.company_domain())
    if key == "external_id":
        return th.ident(run) if th.res.ident == "external" else run.external_id(th.res.snake)
    if key == "external_customer_id":
        return run.external_id("customer")
    if key == "plan_code":
        return rng.choice(("startup", "growth", "premium", "enterprise"))
    if key.endswith("_id"):
        return run.uuid()
    if key.endswith("_cents"):
        return rng.randrange(5, 5000) * 100
    if "currency" in key:
        return rng.choice(vocab.CURRENCIES)
    if key == "country":
        return rng.choice(vocab.COUNTRIES)
    choices = _FIELD_CHOICES.get(key)
    if choices:
        return rng.choice(choices)
    if key in ("rate_amount", "paid_credits"):
        return f"{rng.choice((1, 5, 10, 20, 100, 500))}.0"
    return th.label(run)


_FIELD_CHOICES: dict[str, tuple[str, ...]] = {
    "interval": ("monthly", "monthly", "yearly", "weekly", "quarterly"),
    "aggregation_type": ("count_agg", "sum_agg", "max_agg", "unique_count_agg", "latest_agg"),
    "field_name": vocab.FIELD_NAMES,
    "billing_time": ("calendar", "anniversary"),
    "coupon_type": ("fixed_amount", "percentage"),
    "frequency": ("once", "recurring", "forever"),
    "rate": ("20.0", "19.0", "10.0", "8.25", "5.5"),  # tax rates, percent
    "reason": ("duplicated_charge", "product_unsatisfactory", "order_change", "order_cancellation", "other"),
}


# --- regenerate an example by its look ------------------------------------------------------------

def mimicker(value: Any, key: str | None) -> Callable[[Run], Any]:
    """A maker of values with the same keys and shapes as the vendor's example, fresh values
    (uuid-shaped -> new uuid, etc.). The example is the document's, the same on every call, so
    which kind of value each of its leaves is (a uuid, a date, a number...) is decided here, at
    compile time, and the maker only draws: deciding it per call, with the regexes, cost about a
    sixth of generating an activity log."""
    if value is None:
        return lambda run: None
    if isinstance(value, bool):
        return lambda run: run.rng.random() < 0.5
    if isinstance(value, int):
        return lambda run: around_int(value, run)
    if isinstance(value, float):
        return lambda run: round(value * run.rng.uniform(0.5, 1.5), 2)
    if isinstance(value, _dt.datetime):
        return lambda run: fmt_datetime(run.timestamp())
    if isinstance(value, _dt.date):
        return lambda run: fmt_date(run.timestamp())
    if isinstance(value, str):
        return _str_mimicker(value, key)
    if isinstance(value, list):
        return _display([(None, v, mimicker(v, key)) for v in value], keyed=False)
    if isinstance(value, dict):
        return _display([(k, v, mimicker(v, k)) for k, v in value.items()], keyed=True)
    return lambda run: value


def _display(parts: list[tuple[Any, Any, Callable[[Run], Any]]], keyed: bool) -> Callable[[Run], Any]:
    """A maker of the dict (`keyed`) or list of `parts` (key, example, maker), written as one
    display (`{K0: F0(run), ...}`, compiled once): the makers are called in order, as a loop over
    them would, without the loop; an example's null is written in place, and so is a maker that
    writes itself (`written`, as in nodes._specialise: a uuid)."""
    ns: dict[str, Any] = {}
    items = []
    draws = False  # a written maker draws from `getrandbits`, bound once per call
    for i, (k, example, maker) in enumerate(parts):
        ns[f"K{i}"], ns[f"F{i}"] = k, maker
        written = getattr(maker, "written", None)
        draws = draws or (written is not None and example is not None)
        item = "None" if example is None else written(ns, f"F{i}") if written is not None else f"F{i}(run)"
        items.append(f"K{i}: {item}" if keyed else item)
    source = ("{" + ", ".join(items) + "}") if keyed else ("[" + ", ".join(items) + "]")
    if not draws:
        return eval(compile("lambda run: " + source, "<mimicker>", "eval"), ns)
    exec(compile(f"def make(run):\n    getrandbits = run.rng.getrandbits\n    return {source}\n", "<mimicker>",
                 "exec"), ns)
    return ns["make"]


def _logged_id(run: Run) -> str | None:
    """The logged resource's id, where a sibling holds one (activity_object.lago_id is it)."""
    same = run.sibling("resource_id") or run.sibling("entity_id")
    return same if isinstance(same, str) and UUID_RE.match(same) else None


def _str_mimicker(s: str, key: str | None) -> Callable[[Run], str]:
    if UUID_RE.match(s):
        upper = s.isupper()

        def uuid_like(run: Run) -> str:
            if key is not None and key == run.ctx.id_key:
                same = _logged_id(run)
                if same is not None:
                    return same
            return run.uuid().upper() if upper else run.uuid()

        def written(ns: dict[str, Any], name: str) -> str:  # uuid_like in a written display (_display)
            ns.update(UUID_NAMES)
            ns[f"{name}_KEY"], ns["logged_id"] = key, _logged_id
            fresh = uuid_source("getrandbits") + (".upper()" if upper else "")
            if key is None:
                return fresh
            return f"(s if {name}_KEY == run.ctx.id_key and (s := logged_id(run)) is not None else {fresh})"
        uuid_like.written = written  # type: ignore[attr-defined]
        return uuid_like
    if DATETIME_RE.match(s) and "T" in s:
        return lambda run: fmt_datetime(run.timestamp())
    if DATE_RE.match(s):
        return lambda run: fmt_date(run.timestamp())
    if EMAIL_RE.match(s):
        domain = s.split("@", 1)[1]
        return lambda run: run.email(domain)
    if HEX_RE.match(s):
        size = len(s)
        return (lambda run: run.hex(size).upper()) if s.isupper() else (lambda run: run.hex(size))
    if s.isdigit():
        if len(s) >= 19:
            return lambda run: s
        low, high = 10 ** (len(s) - 1), 10 ** len(s) - 1
        return lambda run: str(run.rng.randint(low, high))
    ws = words(key)
    if ws and ws[-1] == "name":
        return lambda run: run.theme().label(run)
    if ws and ws[-1] == "code":
        return lambda run: slug(run.theme().label(run))
    return lambda run: s
