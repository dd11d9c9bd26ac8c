"""Compiled plan nodes: one per schema (and name context), immutable after compilation.

Why a plan: walking and merging schemas ($ref, allOf), reading constraints and choosing value makers
happens once; ``gen`` then only draws numbers. Nodes never mutate themselves during generation, so
one plan is safely shared by every thread.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections.abc import Callable
from typing import Any

from mockserver.adapters.stdlib_random import BY_GETRANDBITS, below

from . import pattern as _pattern
from .hints import PRIO_CONTAINER, PRIO_DRIVER, PRIO_PLAIN, Fn
from .runtime import (
    CREATED_MARGIN, FOLLOW_RATE, RECENT_MARGIN, UNSET, WINDOW_SECONDS, Ctx, Frame, Pin, Run, Theme, apply_pin, clone,
    fmt_date, fmt_datetime,
)

OPTIONAL_PRESENT = 0.85  # optional properties appear most of the time
NULL_RATE = 0.05  # optional nullable properties are null rarely
MAX_DEPTH = 8  # beyond this nesting, objects get only what they require
MAX_RECURSION = 3  # ... and so do recursive schemas after this many self-references
RECURSION_LIMIT = 32  # a schema with no finite value (a required self-reference) stops here, as null
SPECIALISE_AFTER = 16  # an object generated more often than this gets its gen written (_specialise)


class Node:
    """Base: ``gen(run, pin)`` returns a JSON value valid for the node's schema."""

    __slots__ = ("prio", "nullable", "settled", "cyclic", "rank", "null_cut")

    def __init__(self, prio: int = PRIO_PLAIN) -> None:
        self.prio = prio
        self.nullable = False  # may be null: the validator accepts null for the schema (Compiler.accepts_null)
        # set by `settle`, once the plan is complete:
        self.settled = False
        self.cyclic = False  # reaches a back-edge (Ref): generating it may recurse
        self.rank: float = math.inf  # nesting needed to end, when generation keeps to what is required
        self.null_cut = False  # cyclic and may be null: null where recursion must end

    def gen(self, run: Run, pin: Pin | None) -> Any:
        raise NotImplementedError


class Const(Node):
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        super().__init__(PRIO_DRIVER)
        self.value = value

    def gen(self, run: Run, pin: Pin | None) -> Any:
        return apply_pin(clone(self.value), pin)


class Enum(Node):
    __slots__ = ("choices", "scalar")

    def __init__(self, choices: tuple[Any, ...]) -> None:
        super().__init__(PRIO_DRIVER)  # generated first: an HTTP method drives the status and path
        self.choices = choices
        self.scalar = not any(isinstance(c, (dict, list)) for c in choices)  # nothing to copy

    def gen(self, run: Run, pin: Pin | None) -> Any:
        return apply_pin(clone(run.rng.choice(self.choices)), pin)

    def pick(self, run: Run) -> Any:
        """gen without a pin, for scalar choices (clone and apply_pin return them as they are)."""
        return run.rng.choice(self.choices)


class Examples(Node):
    """A field's own examples (generic documents): one of them per record, chosen by the record's
    RNG; in an array whose items came out as repeats, a generated value (`fallback`) instead."""

    __slots__ = ("values", "fallback")

    def __init__(self, values: tuple[Any, ...], fallback: Node) -> None:
        super().__init__(PRIO_PLAIN)
        self.values = values
        self.fallback = fallback

    def gen(self, run: Run, pin: Pin | None) -> Any:
        if run.retry >= len(self.values):
            return self.fallback.gen(run, pin)
        value = self.values[0] if len(self.values) == 1 else run.rng.choice(self.values)
        return apply_pin(clone(value), pin)


class Str(Node):
    """A string from a hint maker, then fitted to minLength/maxLength/pattern."""

    __slots__ = ("fn", "min_len", "max_len", "patterns", "example", "checked")

    def __init__(self, fn: Fn, prio: int, min_len: int, max_len: int | None, patterns: tuple[str, ...],
                 example: Any) -> None:
        super().__init__(prio)
        self.fn = fn
        self.min_len = min_len
        self.max_len = max_len
        self.patterns = tuple(_compile_pattern(p) for p in patterns)
        self.example = example if isinstance(example, str) else None
        self.checked = bool(min_len or max_len is not None or self.patterns)

    def gen(self, run: Run, pin: Pin | None) -> Any:
        value = self.fn(run)
        if not self.checked:
            return value
        fitted = self._fit_length(value, run)
        if self._ok(fitted):
            return fitted
        if self.example is not None and self._ok(self.example):
            return self.example
        for regex in self.patterns:
            if regex is None:
                continue
            for _ in range(12):
                candidate = _pattern.generate(regex.pattern, run.rng)
                if candidate is not None and self._ok(candidate):
                    return candidate
        return fitted  # best effort: the pattern is beyond the supported subset

    def _fit_length(self, value: str, run: Run) -> str:
        if len(value) < self.min_len:
            value += run.alnum(self.min_len - len(value))
        if self.max_len is not None and len(value) > self.max_len:
            cut = value[: self.max_len]
            if run.ctx.vocab.roles and " " in cut and value[self.max_len] != " ":  # whole words: 'Popular inside'
                whole = cut[: cut.rfind(" ")]
                cut = whole if len(whole.rstrip(" _-.,")) >= max(self.min_len, 1) else cut
            value = cut
            trimmed = value.rstrip(" _-.,")  # 'welcome_offer' cut at 8 reads better as 'welcome'
            if len(trimmed) >= self.min_len:
                value = trimmed
        return value

    def _ok(self, value: str) -> bool:
        if len(value) < self.min_len or (self.max_len is not None and len(value) > self.max_len):
            return False
        return all(r is None or r.search(value) for r in self.patterns)


def _compile_pattern(p: str) -> re.Pattern[str] | None:
    try:
        return re.compile(p)
    except re.error:
        return None


class DateTime(Node):
    """A timestamp (or date) in the recent past; creation fields anchor their object's timeline."""

    __slots__ = ("created", "date_only")

    def __init__(self, created: bool, date_only: bool) -> None:
        super().__init__(PRIO_PLAIN)
        self.created = created
        self.date_only = date_only

    def gen(self, run: Run, pin: Pin | None) -> Any:
        ts = run.timestamp(self.created)
        return fmt_date(ts) if self.date_only else fmt_datetime(ts)

    def make(self, run: Run) -> str:  # gen, as a maker (it takes no pin)
        ts = run.timestamp(self.created)
        return fmt_date(ts) if self.date_only else fmt_datetime(ts)


class Int(Node):
    __slots__ = ("fn", "lo", "hi", "mult")

    def __init__(self, fn: Fn | None, prio: int, lo: int | None, hi: int | None, mult: float | None) -> None:
        super().__init__(prio)
        self.fn = fn
        self.lo, self.hi, self.mult = lo, hi, mult

    def gen(self, run: Run, pin: Pin | None) -> Any:
        lo, hi = self.lo, self.hi
        v = self.fn(run) if self.fn is not None else None
        if v is None or (lo is not None and v < lo) or (hi is not None and v > hi):
            a = lo if lo is not None else (hi - 100 if hi is not None and hi < 1 else 1)
            b = hi if hi is not None else a + (1000 if a >= 1 else 100)
            v = run.rng.randint(a, min(b, a + 10**6)) if a <= b else a
        m = self.mult
        if m:
            v = _snap_int(v, m, lo, hi)
        return v


def _snap_int(v: int, m: float, lo: int | None, hi: int | None) -> int:
    """Nearest multiple of m inside [lo, hi]; m may be fractional (0.5 -> every integer works)."""
    if float(m).is_integer():
        step = int(m)
    else:  # smallest integer that is a multiple of m
        step = next((k for k in range(1, 1000) if (k / m).is_integer()), 1)
    down = (v // step) * step
    up = down if down == v else down + step
    for cand in (up, down, up + step, down - step):
        if (lo is None or cand >= lo) and (hi is None or cand <= hi):
            return cand
    return up


class Num(Node):
    __slots__ = ("fn", "lo", "hi", "lo_strict", "hi_strict", "mult")

    def __init__(self, fn: Fn | None, lo: float | None, hi: float | None, lo_strict: bool, hi_strict: bool,
                 mult: float | None) -> None:
        super().__init__(PRIO_PLAIN)
        self.fn = fn
        self.lo, self.hi, self.lo_strict, self.hi_strict, self.mult = lo, hi, lo_strict, hi_strict, mult

    def _inside(self, v: float) -> bool:
        lo, hi = self.lo, self.hi
        if lo is not None and (v < lo or (self.lo_strict and v == lo)):
            return False
        return not (hi is not None and (v > hi or (self.hi_strict and v == hi)))

    def gen(self, run: Run, pin: Pin | None) -> Any:
        rng = run.rng
        lo = self.lo if self.lo is not None else (self.hi - 1000.0 if self.hi is not None and self.hi < 0 else 0.0)
        hi = self.hi if self.hi is not None else lo + 1000.0
        if self.mult:
            return self._multiple(rng.random(), lo, hi)
        v = self.fn(run) if self.fn is not None else None
        if v is None or not self._inside(v):
            v = round(rng.uniform(lo, hi), 2)
            if not self._inside(v):
                v = (lo + hi) / 2.0
        return float(v)

    def _multiple(self, u: float, lo: float, hi: float) -> float | int:
        m = self.mult
        assert m is not None
        k_lo, k_hi = math.ceil(lo / m), math.floor(hi / m)
        if k_hi < k_lo:
            k_hi = k_lo
        k = k_lo + int(u * (k_hi - k_lo + 1)) if k_hi > k_lo else k_lo
        for cand_k in (k, k_lo, k_hi, *range(k_lo, min(k_hi, k_lo + 50) + 1)):
            for v in (float(cand_k * m), round(cand_k * m, 10)):
                if self._inside(v) and _is_multiple(v, m):
                    return v
        return float(k * m)


def _is_multiple(v: float, m: float) -> bool:
    """Same test jsonschema's multipleOf applies (float quotient for float divisors)."""
    if isinstance(m, float):
        q = v / m
        return int(q) == q
    return v % m == 0


class Bool(Node):
    __slots__ = ()

    def gen(self, run: Run, pin: Pin | None) -> Any:
        return run.rng.random() < 0.5


class FreeForm(Node):
    """An object (or anything) without declared properties: a small plausible dict from a maker."""

    __slots__ = ("fn",)

    def __init__(self, fn: Fn) -> None:
        super().__init__(PRIO_CONTAINER)
        self.fn = fn

    def gen(self, run: Run, pin: Pin | None) -> Any:
        return apply_pin(self.fn(run), pin)


def _signature(value: Any) -> Any:
    """A hashable stand-in for a generated value, to tell repeats apart (scalars as themselves)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return (type(value), value)
    return json.dumps(value, sort_keys=True, default=str)


class Arr(Node):
    __slots__ = ("item", "lo", "hi", "pick_lo", "pick_hi", "unique", "empty_bias")

    def __init__(self, item: Node, lo: int, hi: int | None, unique: bool, empty_bias: float) -> None:
        super().__init__(PRIO_CONTAINER)
        self.item = item
        self.lo, self.hi = lo, hi
        self.pick_lo = max(lo, 1)  # default 1-3 items
        self.pick_hi = max(self.pick_lo, min(hi if hi is not None else self.pick_lo + 2, self.pick_lo + 2))
        self.unique = unique
        self.empty_bias = empty_bias  # vendor example is [] (e.g. metadata): mostly empty

    def gen(self, run: Run, pin: Pin | None) -> Any:
        rng = run.rng
        if run.depth > MAX_DEPTH:
            n = self.lo
        elif run.recursion:  # inside a recursive schema: keep trees small
            n = rng.randint(self.lo, max(self.lo, 1)) if run.recursion < MAX_RECURSION else self.lo
        elif self.lo == 0 and self.empty_bias and rng.random() < self.empty_bias:
            n = 0
        else:
            n = rng.randint(self.pick_lo, self.pick_hi)
        kids = pin.kids if pin is not None else None
        if kids:
            want = max((k + 1 for k in kids if isinstance(k, int)), default=0)
            n = max(n, want if self.hi is None else min(want, self.hi))
        out: list[Any] = []
        seen: set[Any] = set()
        item = self.item
        for i in range(n):
            kp = kids.get(i) if kids else None
            # Items are distinct where the schema allows: `["Invoice", "Invoice", "Invoice"]`
            # reads as a bug. A few more tries, then a shorter array beats a repeat, unless
            # `minItems` needs the repeat (and `uniqueItems` does not forbid it).
            for attempt in range(10 if self.unique else 4):
                run.elem, run.retry = True, attempt
                if attempt:  # a repeat: what the item is about (its theme) is drawn again
                    run.frames.append(Frame(run.frames[-1].entity if run.frames else "", Theme(rng, run.ctx.vocab.resources)))
                v = item.gen(run, kp)
                if attempt:
                    run.frames.pop()
                run.elem, run.retry = False, 0
                if kp is not None and kp.value is not UNSET:
                    v = kp.value
                sig = _signature(v)
                if sig not in seen:
                    seen.add(sig)
                    break
            else:
                if self.unique or len(out) >= self.lo:
                    continue
            out.append(v)
        return out


class Prop:
    """One property of an object node."""

    __slots__ = ("name", "node", "required")

    def __init__(self, name: str, node: Node, required: bool) -> None:
        self.name, self.node, self.required = name, node, required


class Obj(Node):
    """An object with declared properties (and/or an additionalProperties schema)."""

    __slots__ = ("entity", "props", "order", "steps", "names", "reorder", "extra", "extra_keys", "min_props", "max_props",
                 "created_names", "time_names", "closed", "fast", "calls")

    def __init__(self, entity: str, props: list[Prop], extra: Node | None, extra_keys: Callable[[Run], str],
                 min_props: int, max_props: int | None, closed: bool) -> None:
        super().__init__(PRIO_CONTAINER)
        self.entity = entity
        self.props = tuple(props)
        self.order = tuple(sorted(range(len(props)), key=lambda i: props[i].node.prio))
        # (name, node, required, maker) in drawing order; `maker` is a plain string's value maker,
        # called directly (Str.gen would only call it: the string has no length or pattern to fit)
        self.steps = tuple((props[i].name, props[i].node, props[i].required, _direct(props[i].node))
                           for i in self.order)
        self.names = tuple(p.name for p in props)
        self.reorder = self.order != tuple(range(len(props)))
        self.extra = extra  # additionalProperties schema node, if any
        self.extra_keys = extra_keys
        self.min_props, self.max_props = min_props, max_props
        self.closed = closed
        self.created_names = tuple(p.name for p in props if isinstance(p.node, DateTime) and p.node.created)
        self.time_names = tuple(p.name for p in props if isinstance(p.node, DateTime) and not p.node.created)
        self.fast: Callable[[Run, Pin | None], Any] | None = None  # `gen`, written for this node (_specialise)
        self.calls = 0  # generated so far by `walk`

    def gen(self, run: Run, pin: Pin | None) -> Any:
        fast = self.fast
        if fast is not None:
            return fast(run, pin)
        self.calls += 1
        if self.calls > SPECIALISE_AFTER:  # a hot object: written once (compiling it is not free)
            fast = self.fast = _specialise(self, run.ctx)
            return fast(run, pin)
        return self.walk(run, pin)

    def walk(self, run: Run, pin: Pin | None) -> Any:
        """`gen` as a loop over the steps: what a cold object runs (its written form, `_specialise`,
        makes the same draws in the same order; test_specialised_objects checks they agree)."""
        rng = run.rng
        kids = pin.kids if pin is not None else None
        frames = run.frames
        vocabulary = run.ctx.vocab
        theme = Theme(rng, vocabulary.resources) if run.elem else (frames[-1].theme if frames else run.root_theme)
        distinct = vocabulary.roles
        if distinct:  # a generic document's note is about notes: its URLs say /notes
            own = vocabulary.by_entity.get(self.entity)
            if own is not None and theme.res is not own:
                theme = Theme(rng, (), own)
        run.elem = False
        frame = Frame(self.entity, theme)
        if self.created_names:
            frame.created = self._created(run, kids)
        frames.append(frame)
        run.depth += 1
        recursion = run.recursion
        deep = run.depth > MAX_DEPTH or recursion >= MAX_RECURSION
        present_p = OPTIONAL_PRESENT * 0.5 ** recursion if recursion else OPTIONAL_PRESENT
        values = frame.values
        random = rng.random
        try:
            # (name, node, required) in drawing order, unpacked once per property rather than
            # read through `self.props[i]` and three attributes: this loop runs per field
            for name, node, required, maker in self.steps:
                kp = kids.get(name) if kids else None
                if not required:
                    present = random() < present_p and not deep
                    if kp is None:
                        if not present:
                            continue
                        if node.nullable and random() < NULL_RATE:
                            values[name] = None
                            continue
                elif deep and node.null_cut and kp is None:  # the recursion ends here
                    values[name] = None
                    continue
                if kp is None and maker is not None:
                    value = maker(run)
                    if distinct and isinstance(value, str) and isinstance(node, Str):
                        value = _unlike_siblings(value, node, run, kp, values)
                    values[name] = value
                elif kp is not None and kp.value is not UNSET:
                    node.gen(run, None)  # still drawn, so pinning one field leaves the others unchanged
                    values[name] = kp.value
                else:
                    value = node.gen(run, kp)
                    if distinct and isinstance(value, str) and isinstance(node, Str):
                        value = _unlike_siblings(value, node, run, kp, values)
                    values[name] = value
            if self.extra is not None and not deep:
                self._extras(run, values)
        finally:
            frames.pop()
            run.depth -= 1
        if self.max_props is not None and len(values) > self.max_props:
            self._trim(values)
        if self.reorder:  # declared order; then any additional property, in drawing order
            out = {n: values[n] for n in self.names if n in values}
            if len(out) < len(values):
                out.update((k, v) for k, v in values.items() if k not in out)
        else:
            out = values
        if kids:
            for k, kp in kids.items():
                if k not in self.names:
                    out[k] = apply_pin(out.get(k), kp)
        return out

    def _created(self, run: Run, kids: dict[Any, Pin] | None) -> int:
        """The object's creation time: before every other timestamp in it, pinned ones included."""
        anchor = run.ctx.anchor_ts
        if kids:
            for name in self.created_names:
                ts = _pinned_ts(kids.get(name))
                if ts is not None:
                    return ts
            others = [t for t in (_pinned_ts(kids.get(n)) for n in self.time_names) if t is not None]
            if others:
                return min(others) - run.rng.randrange(0, 600)
        return anchor - run.rng.randrange(CREATED_MARGIN, WINDOW_SECONDS)

    def _extras(self, run: Run, values: dict[str, Any]) -> None:
        rng = run.rng
        if self.props:  # declared shape plus an open map: extra keys are the exception
            want = max(0, self.min_props - len(values))
        else:
            want = max(self.min_props, rng.randint(1, 3))
        if self.max_props is not None:
            want = min(want, self.max_props - len(values))
        assert self.extra is not None
        for _ in range(want * 3):
            if want <= 0:
                break
            key = self.extra_keys(run)
            if key in values or key in self.names:
                continue
            values[key] = self.extra.gen(run, None)
            want -= 1

    def _trim(self, values: dict[str, Any]) -> None:
        required = {p.name for p in self.props if p.required}
        for k in [k for k in reversed(list(values)) if k not in required]:
            if len(values) <= (self.max_props or 0):
                break
            del values[k]


def _gen_of(node: Node, ctx: Ctx) -> Callable[[Run, Pin | None], Any]:
    """`node.gen`; a nested object's written form itself where it is hot too (one call less:
    a hot object's parent is written first, one call before it)."""
    if type(node) is Obj:
        if node.fast is None and node.calls >= SPECIALISE_AFTER:
            node.fast = _specialise(node, ctx)
        if node.fast is not None:
            return node.fast
    return node.gen


def _pinned(run: Run, kp: Pin, values: dict[str, Any], gen: Callable[[Run, Pin | None], Any],
            skip: Callable[[Run], None] | None, unlike: Str | None) -> Any:
    """A pinned property's value in a written gen: its pinned value, drawn as if generated
    (`skip`: the maker's draws alone), or generated under the pins below it."""
    if kp.value is not UNSET:
        if skip is not None:
            skip(run)
        else:
            gen(run, None)  # still drawn, so pinning one field leaves the others unchanged
        return kp.value
    value = gen(run, kp)
    if unlike is not None and isinstance(value, str):
        value = _unlike_siblings(value, unlike, run, kp, values)
    return value


def _inline(node: Node, i: int, ns: dict[str, Any], timeline: bool) -> str | None:
    """An expression for `node.gen(run, None)` where it is a draw or two written in place (what
    `Run.timestamp` and `Enum.pick` do: keep them alike), else None. `timeline`: the object has
    a creation time (`frame.created` is set, and the object's frame is the innermost)."""
    kind = type(node)
    if kind is Enum and node.scalar:
        ns[f"C{i}"] = node.choices
        return f"C{i}[{_index(len(node.choices))}]" if BY_GETRANDBITS and node.choices else f"rng.choice(C{i})"
    if kind is DateTime:
        fmt = "fmt_date" if node.date_only else "fmt_datetime"
        if timeline and node.created:
            return f"{fmt}(frame.created)"
        if timeline:  # recorded shortly after the object's creation, never after "now"
            return f"{fmt}(min(ANCHOR - 1, frame.created + int(rng.expovariate(FOLLOW_RATE))))"
        return f"{fmt}(ANCHOR - {_randrange(RECENT_MARGIN, WINDOW_SECONDS)})"
    return None


def _index(n: int) -> str:
    """Source for the index `rng.choice` draws from `n` items (n > 0), written in place: the
    steps of `adapters/stdlib_random.below` with the bit length counted here, once; the loop
    runs only when the first draw is too large."""
    k = n.bit_length()
    return f"(r if (r := getrandbits({k})) < {n} else below(getrandbits, {k}, {n}))"


def _randrange(start: int, stop: int) -> str:
    """Source for `rng.randrange(start, stop)` (start < stop), drawn as it draws."""
    if not BY_GETRANDBITS:
        return f"rng.randrange({start}, {stop})"
    return f"({start} + {_index(stop - start)})"


_NO_PINS: dict[Any, Pin] = {}  # the kids of no pin (never written)


def _specialise(obj: Obj, ctx: Ctx) -> Callable[[Run, Pin | None], Any]:
    """`Obj.walk` for one object node, as Python source compiled once: its property names, makers
    and what each step checks (optional, nullable, ends a recursion, pinned) written as straight
    code, so a hot record's properties cost no loop over tuples of flags. The same draws in the
    same order as `walk`: per property in drawing order, an optional one draws its presence (even
    when pinned), then its null, then its value; a pinned one still draws its value.
    `ctx`: the generator's, the only one a plan is run with."""
    distinct = ctx.vocab.roles  # a generic document's strings differ from their siblings'
    ns: dict[str, Any] = {"Theme": Theme, "Frame": Frame, "UNSET": UNSET, "NO_PINS": _NO_PINS, "obj": obj,
                          "apply_pin": apply_pin, "unlike": _unlike_siblings, "NULL_RATE": NULL_RATE,
                          "pinned": _pinned, "below": below,
                          "MAX_DEPTH": MAX_DEPTH, "MAX_RECURSION": MAX_RECURSION,
                          "OPTIONAL_PRESENT": OPTIONAL_PRESENT, "ENTITY": obj.entity,
                          "fmt_datetime": fmt_datetime, "fmt_date": fmt_date, "ANCHOR": ctx.anchor_ts,
                          "FOLLOW_RATE": FOLLOW_RATE, "NAME_SET": frozenset(obj.names)}
    out = ["def gen(run, pin):",
           "    rng = run.rng",
           "    getrandbits = rng.getrandbits",
           "    kids = pin.kids if pin is not None else NO_PINS",
           "    frames = run.frames",
           "    theme = Theme(rng, run.ctx.vocab.resources) if run.elem else "
           "(frames[-1].theme if frames else run.root_theme)"]
    if distinct:  # a generic document's note is about notes: its URLs say /notes
        out += ["    own = run.ctx.vocab.by_entity.get(ENTITY)",
                "    if own is not None and theme.res is not own:",
                "        theme = Theme(rng, (), own)"]
    out += ["    run.elem = False",
            "    frame = Frame(ENTITY, theme)"]
    if obj.created_names:  # no time of it pinned: the creation time is one draw (Obj._created)
        pinned = " or ".join(f"{n!r} in kids" for n in obj.created_names + obj.time_names)
        out += [f"    if kids and ({pinned}):",
                "        frame.created = obj._created(run, kids)",
                "    else:",
                f"        frame.created = ANCHOR - {_randrange(CREATED_MARGIN, WINDOW_SECONDS)}"]
    out += ["    frames.append(frame)",
            "    run.depth += 1",
            "    recursion = run.recursion",
            "    deep = run.depth > MAX_DEPTH or recursion >= MAX_RECURSION",
            "    present_p = OPTIONAL_PRESENT * 0.5 ** recursion if recursion else OPTIONAL_PRESENT",
            "    values = frame.values",
            "    random = rng.random",
            "    get = kids.get",
            "    try:"]
    for i, (name, node, required, maker) in enumerate(obj.steps):
        ns[f"G{i}"], ns[f"X{i}"], ns[f"M{i}"] = _gen_of(node, ctx), node, maker
        n = repr(name)
        unlike = distinct and isinstance(node, Str)

        def store(call: str, pin: str, pad: str) -> list[str]:
            if not unlike:
                return [f"{pad}values[{n}] = {call}"]
            return [f"{pad}value = {call}",
                    f"{pad}if isinstance(value, str):",
                    f"{pad}    value = unlike(value, X{i}, run, {pin}, values)",
                    f"{pad}values[{n}] = value"]

        def call() -> str:
            written = getattr(maker, "written", None)  # a maker that writes itself in place (hints)
            return _inline(node, i, ns, bool(obj.created_names)) or \
                (written(ns, f"M{i}") if written is not None else
                 f"M{i}(run)" if maker is not None else f"G{i}(run, None)")

        def make(pad: str) -> list[str]:
            return store(call(), "None", pad)

        def none_if(condition: str, pad: str) -> list[str]:
            """None where `condition` holds, else the value made (at indent `pad`)."""
            return [f"{pad}if {condition}:", f"{pad}    values[{n}] = None", f"{pad}else:", *make(pad + " " * 4)]

        out.append(f"        kp = get({n})")
        out.append("        if kp is None:")
        if not required:
            out.append("            if random() < present_p and not deep:")
            if node.nullable and not unlike:
                out.append(f"                values[{n}] = None if random() < NULL_RATE else {call()}")
            elif node.nullable:
                out += none_if("random() < NULL_RATE", " " * 16)
            else:
                out += make(" " * 16)
        elif node.null_cut:  # the recursion ends here
            out += none_if("deep", " " * 12)
        else:
            out += make(" " * 12)
        out.append("        else:")
        if not required:
            out.append("            random()  # its presence, drawn as when it is not pinned")
        ns[f"S{i}"] = getattr(maker, "skip", None)  # a maker's draws without its value, where it has them
        out.append(f"            values[{n}] = pinned(run, kp, values, G{i}, S{i}, {f'X{i}' if unlike else None})")
    if not obj.steps:
        out.append("        pass")
    if obj.extra is not None:
        out += ["        if not deep:",
                "            obj._extras(run, values)"]
    out += ["    finally:",
            "        frames.pop()",
            "        run.depth -= 1"]
    if obj.max_props is not None:
        out += [f"    if len(values) > {obj.max_props!r}:",
                "        obj._trim(values)"]
    if obj.reorder:  # declared order; then any additional property, in drawing order
        always = {name for name, _, req, _ in obj.steps if req}  # always drawn (and kept by _trim)
        lead = []
        for name in obj.names:
            if name not in always:
                break
            lead.append(f"{name!r}: values[{name!r}]")
        out.append("    out = {" + ", ".join(lead) + "}")
        for name in obj.names[len(lead):]:
            if name in always:
                out.append(f"    out[{name!r}] = values[{name!r}]")
            else:
                out += [f"    if {name!r} in values:",
                        f"        out[{name!r}] = values[{name!r}]"]
        out += ["    if len(out) < len(values):",
                "        out.update((k, v) for k, v in values.items() if k not in out)"]
    else:
        out.append("    out = values")
    out += ["    if kids:",
            "        for k, kp in kids.items():",
            "            if k not in NAME_SET:",
            "                out[k] = apply_pin(out.get(k), kp)",
            "    return out"]
    exec(compile("\n".join(out) + "\n", f"<Obj.gen {obj.entity or 'object'}>", "exec"), ns)
    return ns["gen"]


def _direct(node: Node) -> Callable[[Run], Any] | None:
    """What `node.gen(run, None)` does, as one call, where that is only its maker: a string with
    nothing to fit, a scalar enum, a timestamp, a free-form object (no pin to apply). None otherwise."""
    kind = type(node)
    if kind is Str:
        return node.fn if not node.checked else None
    if kind is Enum:
        return node.pick if node.scalar else None
    if kind is DateTime:
        return node.make
    if kind is FreeForm:
        return node.fn
    return None


def _unlike_siblings(value: str, node: Str, run: Run, pin: Pin | None, values: dict[str, Any]) -> str:
    """A generated string that no other field of its object already holds (a generic document's
    title that is its body reads as a bug); drawn again a few times, else kept."""
    for _ in range(4):
        if not any(value == other for other in values.values()):
            break
        value = node.gen(run, pin)
    return value


def _pinned_ts(pin: Pin | None) -> int | None:
    if pin is None or not isinstance(pin.value, str):
        return None
    try:
        dt = _dt.datetime.fromisoformat(pin.value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_dt.UTC)
    return int(dt.timestamp())


class OneOf(Node):
    """oneOf/anyOf: one branch, chosen by the record's RNG (or the `preferred` one); discriminator
    value set to match it. Deep in a recursion, a branch that recurses gives way to the branch
    that ends soonest (`escape`, set by `settle`)."""

    __slots__ = ("options", "disc_prop", "disc_values", "preferred", "escape", "checks", "drops", "poisons")

    def __init__(self, options: list[Node], disc_prop: str | None, disc_values: list[str | None],
                 preferred: int | None = None) -> None:
        super().__init__(PRIO_CONTAINER)
        self.options = tuple(options)
        self.disc_prop = disc_prop
        self.disc_values = tuple(disc_values)
        self.preferred = preferred
        self.escape: int | None = None
        # a oneOf whose options overlap: each option's validity check, and for (chosen, other)
        # the properties the other requires and the chosen does not, and one the chosen leaves
        # open and the other types otherwise (Compiler._exactly_one)
        self.checks: tuple[Callable[[Any], bool], ...] = ()
        self.drops: tuple[tuple[tuple[str, ...], ...], ...] = ()
        self.poisons: tuple[tuple[tuple[str, Any] | None, ...], ...] = ()

    def gen(self, run: Run, pin: Pin | None) -> Any:
        if self.preferred is not None:
            i = self.preferred
        else:
            i = run.rng.randrange(len(self.options))
            if self.escape is not None and self.options[i].cyclic \
                    and (run.recursion >= MAX_RECURSION or run.depth > MAX_DEPTH):
                i = self.escape
        value = self.options[i].gen(run, pin)
        if self.checks:
            i, value = self._exactly_one(run, pin, i, value)
        if self.disc_prop is not None and isinstance(value, dict) and self.disc_values[i] is not None:
            value[self.disc_prop] = self.disc_values[i]
        return value

    def _exactly_one(self, run: Run, pin: Pin | None, i: int, value: Any) -> tuple[int, Any]:
        """A value only option `i` accepts: a property another option requires (and `i` does not)
        is dropped, or one it types otherwise (and `i` leaves open) added; else each other option
        in turn (GitHub's event payload: every object is a `public-event`, so only a value no
        other option accepts is one)."""
        first = i
        n = len(self.options)
        for step in range(n):
            if step:
                i = (first + step) % n
                value = self.options[i].gen(run, pin)
            for _ in range(3):
                others = [j for j, valid in enumerate(self.checks) if j != i and valid(value)]
                if not others:
                    return i, value
                if not isinstance(value, dict):
                    break
                changed = False
                for j in others:
                    drop = next((key for key in self.drops[i][j] if key in value), None)
                    poison = self.poisons[i][j]
                    if drop is not None:  # the other option lacks a property it requires now
                        del value[drop]
                        changed = True
                    elif poison is not None and poison[0] not in value:  # ... or has one of another type
                        value[poison[0]] = poison[1]
                        changed = True
                if not changed:
                    break
        return first, self.options[first].gen(run, pin)


class Refused(Node):
    """A schema with `not`: values of the rest of the schema, drawn again while the `not`
    schema accepts them (`accepts`: openapi-core's validator for it)."""

    __slots__ = ("inner", "accepts")

    def __init__(self, inner: Node, accepts: Callable[[Any], bool]) -> None:
        super().__init__(inner.prio)
        self.inner = inner
        self.accepts = accepts

    def gen(self, run: Run, pin: Pin | None) -> Any:
        value = self.inner.gen(run, pin)
        for _ in range(8):
            if not self.accepts(value):
                break
            value = self.inner.gen(run, pin)
        return value


class Ref(Node):
    """A back-edge of a recursive schema: resolved through the plan table at generation time."""

    __slots__ = ("table", "key")

    def __init__(self, table: dict[Any, Node], key: Any) -> None:
        super().__init__(PRIO_CONTAINER)
        self.table = table
        self.key = key

    def target(self) -> Node:
        return self.table[self.key]

    def gen(self, run: Run, pin: Pin | None) -> Any:
        if run.recursion >= RECURSION_LIMIT:
            return None  # only a schema with no finite value gets here (its rank is infinite)
        run.recursion += 1
        try:
            return self.table[self.key].gen(run, pin)
        finally:
            run.recursion -= 1


def _children(node: Node) -> tuple[Node, ...]:
    """The nodes a node generates from; a Ref's is its target (the back-edge)."""
    if isinstance(node, Obj):
        return tuple(p.node for p in node.props) + ((node.extra,) if node.extra is not None else ())
    if isinstance(node, Arr):
        return (node.item,)
    if isinstance(node, OneOf):
        return node.options
    if isinstance(node, Examples):
        return (node.fallback,)
    if isinstance(node, Refused):
        return (node.inner,)
    if isinstance(node, Ref):
        return (node.target(),)
    return ()


def _rank(node: Node) -> float:
    """How many levels generation needs at least to end, keeping to required properties, the
    fewest items, the escaping branch and null where `null_cut` allows (what a deep run does);
    infinite where it cannot end."""
    if isinstance(node, Obj):
        return 1 + max((0 if p.node.null_cut else p.node.rank for p in node.props if p.required), default=0)
    if isinstance(node, Arr):
        return 0 if node.lo == 0 else 1 + node.item.rank
    if isinstance(node, OneOf):
        return 1 + min((o.rank for o in node.options), default=0)
    if isinstance(node, Ref):
        return node.target().rank
    if isinstance(node, Refused):
        return node.inner.rank
    return 0


def settle(root: Node) -> None:
    """Find how generation leaves every cycle of a complete plan: which nodes may recurse
    (`cyclic`: they reach a Ref), how deep each goes at least before it ends (`rank`), which
    recursive nodes may end as null (`null_cut`, where the validator accepts null) and which
    branch of a recursive oneOf/anyOf ends soonest (`escape`). Nodes of plans settled before
    keep what they have: a node's plan never changes once compiled."""
    order: list[Node] = []  # children before parents, along the edges that are not back-edges
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen or node.settled:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if not isinstance(node, Ref):
            stack.extend((child, False) for child in _children(node))
    for node in order:  # the graph without back-edges is acyclic: one pass in this order
        node.cyclic = isinstance(node, Ref) or any(c.cyclic for c in _children(node))
    for node in order:
        target = node.target() if isinstance(node, Ref) else node
        node.null_cut = node.cyclic and target.nullable
    for _ in range(len(order) + 1):  # ranks fall to a fixed point (Bellman-Ford over back-edges)
        changed = False
        for node in order:
            rank = _rank(node)
            if rank < node.rank:
                node.rank, changed = rank, True
        if not changed:
            break
    for node in order:
        if isinstance(node, OneOf) and node.cyclic:
            node.escape = min(range(len(node.options)), key=lambda i: node.options[i].rank)
        node.settled = True
