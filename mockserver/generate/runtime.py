"""Per-call state and the small value makers every plan node shares.

Why a per-call ``Run``: all randomness of one ``generate()`` call comes from one ``random.Random``
seeded from the record key, and all cross-field coherence (timestamps ordered inside an object, an
HTTP status that fits the method, a summary about the same resource as the type) is looked up in the
frames of that call. Nothing here is shared between calls, so the generator is thread-safe without
locks; the only shared data (``Ctx``) is built once and never mutated.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import random
import re
import time
import uuid
from math import floor
from typing import Any

from mockserver.adapters.stdlib_random import BY_GETRANDBITS, below, weighted

from . import vocab

WINDOW_SECONDS = 90 * 24 * 3600  # generated timestamps land within this span before the anchor
RECENT_MARGIN = 60  # a generated timestamp is at least this long before the anchor
CREATED_MARGIN = 600  # an object is created at least this long before the anchor
FOLLOW_RATE = 1 / 1800.0  # what is recorded about an object follows its creation by ~30 min
UNSET: Any = object()
# uuid4: the version nibble (4) and the RFC 4122 variant bits (10) set over 128 random bits
_UUID4_KEEP = ~(0xC000 << 48) & ~(0xF000 << 64)
_UUID4_SET = 0x8000 << 48 | 4 << 76
# a uuid's five groups of its 32 hex digits, taken in one call (five slices written out cost more)
_UUID_GROUPS = operator.itemgetter(slice(0, 8), slice(8, 12), slice(12, 16), slice(16, 20), slice(20, 32))

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^https?://[^\s/]+(/\S*)?$")
HEX_RE = re.compile(r"^(?=.*\d)(?=.*[a-fA-F])[0-9a-fA-F]{8,}$")
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_ALNUM_SIZE = float(len(_ALNUM))
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@functools.lru_cache(maxsize=8192)
def words(name: str | None) -> tuple[str, ...]:
    """'sequenceAccountId' / 'user_email' / 'billing_metric.created' -> lower-case word tuple.

    Cached: value makers split the same vocabulary and property names on every record."""
    if not name:
        return ()
    return tuple(w.lower() for w in _WORD_SPLIT.split(name) if w)


def stable_int(*parts: object) -> int:
    """A process-independent integer from parts (never ``hash()``, which is salted per process)."""
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:16], "big")


# --- styles: render words the way the vendor's example is written ------------------------------

def detect_style(example: object, default: str = "snake") -> str:
    """Name the casing convention of an example value so generated words can match it."""
    if not isinstance(example, str) or not example:
        return default
    if "." in example and re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", example):
        return "dotted"
    if re.fullmatch(r"[A-Z0-9]+(_[A-Z0-9]+)*", example) and any(c.isalpha() for c in example):
        return "constant"
    if " " in example:
        return "title" if all(w[:1].isupper() or not w[:1].isalpha() for w in example.split()) else "sentence"
    if re.fullmatch(r"[A-Z][a-zA-Z0-9]*", example):
        return "pascal"
    if re.fullmatch(r"[a-z][a-z0-9]*([A-Z][a-z0-9]*)+", example):
        return "camel"
    if "-" in example:
        return "kebab"
    return "snake"


def styled(ws: tuple[str, ...] | list[str], style: str) -> str:
    """Join lower-case words in a casing style (see ``detect_style``)."""
    if style == "constant":
        return "_".join(ws).upper()
    if style == "pascal":
        return "".join(w.capitalize() for w in ws)
    if style == "camel":
        return ws[0] + "".join(w.capitalize() for w in ws[1:]) if ws else ""
    if style == "title":
        return " ".join(w.capitalize() for w in ws)
    if style == "sentence":
        return " ".join(ws).capitalize()
    if style == "kebab":
        return "-".join(ws)
    return "_".join(ws)


def key_styled(snake_key: str, style: str) -> str:
    """Render a snake_case key in the document's key style (camel for Sequence, snake for Lago)."""
    return styled(snake_key.split("_"), "camel") if style == "camel" else snake_key


def slug(label: str) -> str:
    """'Black Friday 20%' -> 'black_friday_20': the code a vendor derives from a display name."""
    return "_".join(words(label)) or "item"


# --- shared, immutable context --------------------------------------------------------------------

class Ctx:
    """Everything that depends only on (document, seed, anchor): built once, read by all threads."""

    def __init__(self, seed: int, anchor_ts: int, key_style: str, id_key: str,
                 vocabulary: vocab.Vocabulary = vocab.BILLING) -> None:
        self.vocab = vocabulary
        self.seed = seed
        self.anchor_ts = anchor_ts
        self.key_style = key_style
        self.id_key = id_key
        rng = random.Random(stable_int("population", seed))
        # A small recurring population: audit logs show the same team members and customers again.
        self.people: tuple[tuple[str, str], ...] = tuple(_fresh_person(rng) for _ in range(12))
        self.companies: tuple[str, ...] = tuple(_fresh_company(rng) for _ in range(10))
        self.org_domain = f"{_ascii(self.companies[0].split()[0].split('-')[0])}.{rng.choice(vocab.URL_TLDS)}"
        # the role makers' words, less the document's own names (read per value: filtered once here)
        avoid = vocabulary.avoid
        self.prose_words = tuple(w for w in vocab.PROSE_WORDS if w not in avoid)
        self.tag_words = tuple(w for w in vocab.TAG_WORDS if w not in avoid) or vocab.TAG_WORDS

    def stable_uuid(self, *parts: object) -> str:
        """Same value for every record of this generator: tenant-level ids (organization, account)."""
        return str(uuid.UUID(int=stable_int("tenant", self.seed, *parts), version=4))


if BY_GETRANDBITS:
    def pick(rng: random.Random, seq: Any) -> Any:
        """rng.choice(seq): the same draws (adapters/stdlib_random.below), in one Python frame
        rather than three; the makers that run per record pick with it."""
        n = len(seq)
        if not n:
            raise IndexError("Cannot choose from an empty sequence")
        return seq[below(rng.getrandbits, n.bit_length(), n)]
else:  # pragma: no cover  (a Python whose Random draws an index otherwise)
    def pick(rng: random.Random, seq: Any) -> Any:
        return rng.choice(seq)


def _fresh_person(rng: random.Random) -> tuple[str, str]:
    random = rng.random
    return weighted(random, vocab.FIRST_NAMES, vocab.FIRST_CUM), weighted(random, vocab.LAST_NAMES, vocab.LAST_CUM)


def _fresh_company(rng: random.Random) -> str:
    random = rng.random
    a = weighted(random, vocab.LAST_NAMES, vocab.LAST_CUM)
    if random() < 0.3:
        return f"{a}-{weighted(random, vocab.LAST_NAMES, vocab.LAST_CUM)}"
    return f"{a} {pick(rng, vocab.COMPANY_SUFFIXES)}"


@functools.lru_cache(maxsize=4096)  # names and companies come from the vocabulary's word lists
def _ascii(s: str) -> str:
    return "".join(c for c in s.lower() if "a" <= c <= "z") or "acme"


# --- per-call state -------------------------------------------------------------------------------

class Pin:
    """A node of the pins trie: ``value`` forced here, or ``kids`` forced further down."""

    __slots__ = ("value", "kids")

    def __init__(self, value: Any = UNSET, kids: dict[Any, Pin] | None = None) -> None:
        self.value: Any = value
        self.kids: dict[Any, Pin] = {} if kids is None else kids


def build_pins(pins: dict[tuple[Any, ...], object] | None) -> Pin | None:
    """Turn {('a', 'b'): v} into a trie so each object only looks at its own keys."""
    if not pins:
        return None
    if len(pins) == 1:  # a reply's one pinned id: the chain built from its leaf up
        for path, value in pins.items():
            node = Pin(value)
            for part in reversed(path):
                node = Pin(UNSET, {part: node})
            return node
    root = Pin()
    for path, value in pins.items():
        node = root
        for part in path:
            kid = node.kids.get(part)
            if kid is None:  # (setdefault would build a Pin on every step, kept or not)
                kid = node.kids[part] = Pin()
            node = kid
        node.value = value
    return root


def apply_pin(value: Any, pin: Pin | None) -> Any:
    """Force pinned values into an already generated value (for nodes without native pin support)."""
    if pin is None:
        return value
    if pin.value is not UNSET:
        return pin.value
    for k, kp in pin.kids.items():
        if isinstance(k, int):
            if not isinstance(value, list):
                value = []
            while len(value) <= k:
                value.append(None)
            value[k] = apply_pin(value[k], kp)
        else:
            if not isinstance(value, dict):
                value = {}
            value[k] = apply_pin(value.get(k), kp)
    return value


class Theme:
    """What one record (or one array element) is about: a resource and what happened to it."""

    __slots__ = ("res", "verb", "fields", "_label", "_ident", "_company")

    def __init__(self, rng: random.Random, resources: tuple[vocab.Resource, ...],
                 res: vocab.Resource | None = None) -> None:
        if res is not None:  # a record's own resource: drawing nothing keeps its other values as they were
            self.res, self.verb = res, res.verbs[0]
        else:
            self.res = pick(rng, resources)
            self.verb = self.res.verbs[0] if rng.random() < 0.5 else pick(rng, self.res.verbs)
        self.fields: dict[str, Any] = {}  # payload field values, shared by request and response bodies
        self._label: str | None = None
        self._ident: str | None = None
        self._company: str | None = None

    def company(self, run: Run) -> str:
        if self._company is None:
            self._company = run.company()
        return self._company

    def label(self, run: Run) -> str:
        if self._label is None:
            if self.res.labels:
                self._label = pick(run.rng, self.res.labels)
            else:  # a generic document's records are named by role, never after a schema
                self._label = run.title() if run.ctx.vocab.roles else self.company(run)
        return self._label

    def ident(self, run: Run) -> str:
        """How an API path or a summary names this object: its code, uuid or external id."""
        if self._ident is None:
            kind = self.res.ident
            if kind == "code":
                self._ident = slug(self.label(run))
            elif kind == "external":
                self._ident = run.external_id(self.res.snake)
            else:
                self._ident = run.uuid()
        return self._ident


class Frame:
    """One object being generated: its values so far (for sibling lookups) and its timeline."""

    __slots__ = ("entity", "values", "created", "theme", "person")

    def __init__(self, entity: str, theme: Theme) -> None:
        self.entity = entity
        self.values: dict[str, Any] = {}
        self.created: int | None = None
        self.theme = theme
        self.person: tuple[str, str] | None = None  # whom this object's name, email, login are of


class Run:
    """State of one generate() call."""

    __slots__ = ("rng", "ctx", "frames", "depth", "recursion", "elem", "root_theme", "retry")

    def __init__(self, rng: random.Random, ctx: Ctx) -> None:
        self.rng = rng
        self.ctx = ctx
        self.frames: list[Frame] = []
        self.depth = 0
        self.recursion = 0  # self-references followed so far (recursive schemas)
        self.elem = False  # set by arrays: the next object is a new element and gets its own theme
        self.root_theme = Theme(rng, ctx.vocab.resources)
        self.retry = 0  # set by arrays: how many items in a row came out as repeats

    # context lookups
    def theme(self) -> Theme:
        return self.frames[-1].theme if self.frames else self.root_theme

    def sibling(self, token: str) -> Any:
        """Value of an already generated sibling whose name contains ``token`` (e.g. 'method')."""
        frames = self.frames
        if frames:
            values = frames[-1].values
            for k in values:  # (keys alone: most are passed over)
                if token in k.lower():
                    return values[k]
        return None

    def ancestor_id(self, entity: str, uuid_only: bool = False) -> str | None:
        """The id of an enclosing object named ``entity``: activityLogId inside an activity log
        (`uuid_only`: only an id that is a uuid, for a field of format uuid)."""
        frames = self.frames
        i = len(frames) - 1
        while i > 0:  # the enclosing frames, innermost first (no range, no list copy: it runs per id field)
            i -= 1
            frame = frames[i]
            if frame.entity == entity:
                v = frame.values.get("id")
                return v if isinstance(v, str) and (not uuid_only or UUID_RE.match(v)) else None
        return None

    # value makers
    def uuid(self) -> str:
        """str(uuid.UUID(int=bits, version=4)), without building the object (it runs per id field;
        a written object writes `uuid_source` in place, the same text)."""
        return "-".join(_UUID_GROUPS((self.rng.getrandbits(128) & _UUID4_KEEP | _UUID4_SET)  # (skip_uuid's draw)
                                     .to_bytes(16, "big").hex()))

    def skip_uuid(self) -> None:
        """The draw of `uuid`, for a value that is pinned (drawn, so the rest stays as it was)."""
        self.rng.getrandbits(128)

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def alnum(self, n: int) -> str:
        # rng.choices(_ALNUM, k=n), the same draws (it is `population[floor(random() * len)]`),
        # without its argument handling on every external id (math.floor: int() is slower)
        random = self.rng.random
        return "".join([_ALNUM[floor(random() * _ALNUM_SIZE)] for _ in range(n)])

    def external_id(self, noun: str) -> str:
        return external_prefix(noun) + self.alnum(12)

    def person(self) -> tuple[str, str]:
        rng = self.rng
        return pick(rng, self.ctx.people) if rng.random() < 0.75 else _fresh_person(rng)

    def company(self) -> str:
        rng = self.rng
        return pick(rng, self.ctx.companies) if rng.random() < 0.7 else _fresh_company(rng)

    def email(self, domain: str | None = None) -> str:
        """first.last@domain: team members share the organization's domain (the example's, if any)."""
        first, last = self.person()
        rng = self.rng
        if rng.random() < 0.15:  # a contractor or a customer's address
            domain = self.company_domain()
        elif domain is None:
            domain = self.ctx.org_domain
        local = f"{_ascii(first)}.{_ascii(last)}" if rng.random() < 0.8 else f"{_ascii(first)[0]}{_ascii(last)}"
        return f"{local}@{domain}"

    # makers by role (generic documents, see hints.role_hint)
    def record_person(self) -> tuple[str, str]:
        """The one person of the object being generated: its name, email, login and avatar agree."""
        frame = self.frames[-1] if self.frames else None
        if frame is None:
            return self.person()
        if frame.person is None:
            frame.person = _fresh_person(self.rng) if self.rng.random() < 0.6 else self.person()
        return frame.person

    def person_email(self, domain: str | None = None) -> str:
        """The object's person's address, at a free-mail, company or example.* domain."""
        rng = self.rng
        if domain is None:
            roll = rng.random()
            domain = (rng.choice(vocab.FREE_EMAIL_DOMAINS) if roll < 0.35 else
                      rng.choice(vocab.EXAMPLE_DOMAINS) if roll < 0.5 else
                      f"{_ascii(_fresh_company(rng).split()[0].split('-')[0])}.{rng.choice(vocab.URL_TLDS)}")
        return f"{self.login(rng.randrange(4))}@{domain}"

    def login(self, shape: int | None = None) -> str:
        """jane.doe, jdoe, jane_doe or jane.doe42: made from the object's person."""
        first, last = (_ascii(part) for part in self.record_person())
        shape = self.rng.randrange(4) if shape is None else shape
        return (f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}",
                f"{first}{last}{self.rng.randint(1, 99)}")[shape]

    def word(self) -> str:
        """One lower-case word a person would tag with; none of the document's own names."""
        return self.rng.choice(self.ctx.tag_words)

    def title(self) -> str:
        """A short Title Case phrase: 'Balanced Client-Server Workforce', 'Adaptive Matrix'."""
        avoid = self.ctx.vocab.avoid
        rng = self.rng
        for _ in range(8):
            ws = [rng.choice(part) for part in vocab.TITLE_WORDS]
            if rng.random() < 0.4:
                del ws[1]
            text = re.sub(r"(?:^|(?<=[ -]))[a-z]", lambda m: m.group(0).upper(), " ".join(ws))
            if text.lower() not in avoid and not any(w.lower() in avoid for w in ws):
                return text
        return text

    def prose(self) -> str:
        """One to three sentences of plain words (Faker's lorem, en_US)."""
        rng = self.rng
        pool = self.ctx.prose_words
        return " ".join(" ".join(rng.choices(pool, k=rng.randint(5, 12))).capitalize() + "."
                        for _ in range(rng.randint(1, 3)))

    def company_domain(self) -> str:
        name = self.company()
        return f"{_ascii(name.split()[0].split('-')[0])}.{pick(self.rng, vocab.URL_TLDS)}"

    def timestamp(self, created: bool = False) -> int:
        """Epoch seconds in the recent past; inside an object with a creation time, not before it."""
        anchor = self.ctx.anchor_ts
        frame = self.frames[-1] if self.frames else None
        if frame is not None and frame.created is not None:
            if created:
                return frame.created
            # Things recorded about an object happen shortly after it was created, never after "now".
            return min(anchor - 1, frame.created + int(self.rng.expovariate(FOLLOW_RATE)))
        return anchor - self.rng.randrange(RECENT_MARGIN, WINDOW_SECONDS)


def external_prefix(noun: str) -> str:
    """'sub_' of 'subscription': how an external id (`Run.external_id`) of a noun starts."""
    return f"{noun.replace('_', '')[:3]}_"


def uuid_source(getrandbits: str) -> str:
    """`Run.uuid` as an expression for written source, drawing from `getrandbits` (an expression
    for the Random's getrandbits): a maker written in place saves its two calls per id field.
    Its namespace needs `UUID_NAMES`."""
    return f'"-".join(UUID_GROUPS(({getrandbits}(128) & UUID4_KEEP | UUID4_SET).to_bytes(16, "big").hex()))'


UUID_NAMES = {"UUID4_KEEP": _UUID4_KEEP, "UUID4_SET": _UUID4_SET, "UUID_GROUPS": _UUID_GROUPS}


@functools.lru_cache(maxsize=4096)
def _day(days: int) -> str:
    """'YYYY-MM-DD' of a day since the epoch: generated timestamps fall on a few dozen days, so
    strftime runs once per day rather than per value."""
    return time.strftime("%Y-%m-%d", time.gmtime(days * 86400))


_MINUTES = tuple(f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60))
_SECONDS = tuple(f"{s:02d}Z" for s in range(60))


def fmt_datetime(ts: int) -> str:
    """time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts)), the same text, from a day's cached
    date and tables of minutes and seconds (UTC has no leap seconds in gmtime)."""
    days, second = divmod(ts, 86400)
    minute, second = divmod(second, 60)
    return f"{_day(days)}T{_MINUTES[minute]}{_SECONDS[second]}"


def fmt_date(ts: int) -> str:
    return _day(ts // 86400)


def clone(value: Any) -> Any:
    """Copy JSON containers taken from the schema so callers can't mutate the document through them."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value
