"""Deterministic, realistic records for OpenAPI 3.0.3 schemas.

    gen = RecordGenerator(document, seed=0)
    gen.generate(schema, key=("findActivityLog", "abc"), pins={("activity_log", "activity_id"): "abc"})

Why this shape:
* Deterministic: every value of a call comes from one ``random.Random`` seeded by SHA-256 over a
  canonical JSON encoding of (key, seed), and "now" is a fixed ``anchor``; so a record depends on
  nothing but its inputs (not the clock, not ``hash()`` salting, not the process or machine).
* Fast: a schema is compiled once into a plan of nodes (see ``nodes``/``compiler``) and cached by
  identity; generating is then a walk over the plan drawing numbers.
* Thread-safe: plans are immutable, per-call state lives in a ``Run`` object, and Faker is only used
  as a word list (no shared Faker RNG); the plan cache and the compiler are guarded by one lock.
* Realistic: value makers are chosen from formats, property names and the vendor's own examples
  (see ``hints``), and fields of one record agree (a type, path, payload and summary about the same
  resource; ``created_at`` not after the other timestamps of its object).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import _random
import random
import threading
from collections import OrderedDict
from typing import Any

from mockserver.base.defaults import GENERATOR_PLANS_KEPT
from mockserver.http.reply import compact_encoder

from . import vocab
from .compiler import Compiler
from .nodes import Node
from .runtime import UNSET, Ctx, Run, build_pins, words

__all__ = ["DEFAULT_ANCHOR", "RecordGenerator"]

DEFAULT_ANCHOR = _dt.datetime(2026, 11, 1, tzinfo=_dt.UTC)
KEY_HEADS_KEPT = 1024  # primed hashes of keys' heads (operation, status) a generator keeps


# The canonical encoding of a record's key, built once (`json.dumps` builds an encoder per call).
_canonical = compact_encoder(ensure_ascii=True, default=str)


class RecordGenerator:
    """Generates JSON values valid against schemas of one OpenAPI 3.0.3 document."""

    def __init__(self, document: dict[str, Any], *, seed: int = 0, anchor: _dt.datetime = DEFAULT_ANCHOR) -> None:
        """document: the whole OpenAPI 3.0.3 dict, used to resolve local $refs ('#/components/schemas/X')."""
        if anchor.tzinfo is None:
            anchor = anchor.replace(tzinfo=_dt.UTC)
        self.document = document
        self.seed = seed
        self.anchor = anchor
        key_style, id_key = _sniff_conventions(document)
        self._ctx = Ctx(seed, int(anchor.timestamp()), key_style, id_key, vocab.for_document(document))
        self._compiler = Compiler(document, self._ctx)
        self._plans: OrderedDict[int, tuple[dict[str, Any], Node]] = OrderedDict()
        self._lock = threading.Lock()
        self._heads: dict[tuple[Any, ...], Any] = {}  # a key's head -> its primed SHA-256 (_seed_for)
        self._tail = '"],' + str(seed) + "]"  # what follows a key's last part in its canonical text

    @property
    def examples_first(self) -> bool:
        """Whether this document's own examples come before generated values (not a vendor's)."""
        return self._ctx.vocab.examples_first

    def generate(self, schema: dict[str, Any], *, key: tuple[str, ...],
                 pins: dict[tuple[str, ...], object] | None = None) -> object:
        """Return a JSON-compatible value valid against `schema`.

        key: what makes this record unique, e.g. ('findActivityLog', 'abc'); the RNG is seeded from a
             stable hash (SHA-256 over a canonical encoding of (key, seed)), never hash() or the clock.
        pins: values forced at property paths, e.g. {('activity_log', 'activity_id'): 'abc'}; an int
             path element addresses an array item. Pinned optional properties are always present;
             pinning a field leaves the other fields as they were without the pin (except fields derived
             from it, e.g. an item's activityLogId follows a pinned log id, and except when the pin
             forces in an optional property the record would otherwise not have had).
        """
        node = self._plan(schema)
        pin = build_pins(pins)
        if pin is not None and pin.value is not UNSET:
            return pin.value
        run = Run(_seeded(self._seed_for(key)), self._ctx)
        return node.gen(run, pin)

    def _seed_for(self, key: tuple[Any, ...]) -> int:
        """SHA-256 over the canonical encoding of (key, seed), as an integer. Keys of one reply
        share all but their last part (operation, status): the hash of that common head is
        kept, primed, and only the last part is hashed per call (the same bytes, so the same
        integer as `_canonical([list(key), seed])` gives)."""
        last = key[-1] if key else None
        if type(last) is str and _plain(last):
            head = key[:-1]
            primed = self._heads.get(head, _NOT_KEPT)
            if primed is _NOT_KEPT:
                primed = self._prime(head)
            if primed is not None:
                sha = primed.copy()
                sha.update((last + self._tail).encode("ascii"))
                return int.from_bytes(sha.digest(), "big")
        canonical = _plain_key(key, self.seed) or _canonical([list(key), self.seed])
        return int.from_bytes(hashlib.sha256(canonical.encode("ascii")).digest(), "big")

    def _prime(self, head: tuple[Any, ...]) -> Any:
        """The SHA-256 of the canonical text up to a key's last part, or None where that text is
        not `_plain_key`'s (a part the JSON encoder would write otherwise, a seed not an int)."""
        if type(self.seed) is not int or not all(type(part) is str and _plain(part) for part in head):
            primed = None
        else:
            primed = hashlib.sha256(("[[" + "".join('"' + part + '",' for part in head) + '"').encode("ascii"))
        if len(self._heads) >= KEY_HEADS_KEPT:  # heads with a counter in them (crud's) come and go
            self._heads.clear()
        self._heads[head] = primed
        return primed

    def _plan(self, schema: dict[str, Any]) -> Node:
        """The compiled plan for ``schema``, compiled on first use (identity-keyed LRU)."""
        sid = id(schema)
        entry = self._plans.get(sid)  # a plan compiled before: no lock (OrderedDict's C methods are atomic)
        if entry is not None and entry[0] is schema:
            try:
                self._plans.move_to_end(sid)
            except KeyError:  # another thread evicted it meanwhile: it stays usable for this call
                pass
            return entry[1]
        with self._lock:
            entry = self._plans.get(sid)
            if entry is not None and entry[0] is schema:
                self._plans.move_to_end(sid)
                return entry[1]
            # Compiling under the lock: the compiler's memo table and recursion stack are shared state,
            # and compilation happens once per schema, so serializing it costs nothing in steady state.
            node = self._compiler.plan(schema)
            self._plans[sid] = (schema, node)  # holding the schema keeps its id from being reused
            if len(self._plans) > GENERATOR_PLANS_KEPT:
                self._plans.popitem(last=False)
            return node


def _plain(part: str) -> bool:
    """Whether JSON writes the string as itself between quotes: printable ASCII without a quote
    or backslash (every key a reply builds; a record id may hold anything)."""
    return part.isascii() and part.isprintable() and '"' not in part and "\\" not in part


def _plain_key(key: tuple[Any, ...], seed: int) -> str | None:
    """The canonical encoding of a key of plain strings (`_plain`), written directly; None
    otherwise (any other key goes through the encoder)."""
    for part in key:
        if type(part) is not str or not _plain(part):
            return None
    if type(seed) is not int:
        return None
    return '[["' + '","'.join(key) + '"],' + str(seed) + "]" if key else "[[]," + str(seed) + "]"


_NOT_KEPT = object()
_new_random = random.Random.__new__
_seed_c = _random.Random.seed


def _seeded(seed: int) -> random.Random:
    """random.Random(seed), the same state, without Random.__init__'s and Random.seed's Python
    layers (they only dispatch on the seed's type: an int goes straight to the C seeding)."""
    rng = _new_random(random.Random)
    _seed_c(rng, seed)
    rng.gauss_next = None
    return rng


def _sniff_conventions(document: dict[str, Any]) -> tuple[str, str]:
    """(key style, id key) of the document: keys of made-up objects follow the vendor's habits.

    snake_case vs camelCase is the majority of declared property names; the id key is the first key of
    a free-form object example when it is an id ('lago_id' in Lago's activity_object), else 'id'.
    """
    snake = camel = 0
    id_key: str | None = None
    stack: list[Any] = [((document.get("components") or {}).get("schemas") or {})]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                for name in props:
                    if "_" in name:
                        snake += 1
                    elif name != name.lower():
                        camel += 1
            ex = node.get("example")
            if id_key is None and not props and isinstance(ex, dict) and ex:
                first = next(iter(ex))
                if isinstance(first, str) and words(first)[-1:] == ("id",) and "_" in first:
                    id_key = first
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return ("camel" if camel > snake else "snake"), (id_key or "id")
