"""Best-effort strings matching a schema ``pattern``.

Why: a realistic hint value rarely matches a vendor's pattern (``^[A-Z]{3}$``), and the example may
be absent; walking the parsed regex gives a matching string for the common subset (literals, classes,
ranges, repeats, groups, alternation, anchors). Look-arounds and backreferences beyond captured groups
are skipped, and the caller re-checks the result, so an unsupported pattern degrades, it doesn't lie.
"""

from __future__ import annotations

import random
import re
import string
from functools import lru_cache
from typing import Any

from mockserver.adapters.regex import constants as _c, parse as parse_regex  # re's private parser

_PRINTABLE = string.ascii_letters + string.digits + "-_"
_CATEGORIES = {
    _c.CATEGORY_DIGIT: string.digits,
    _c.CATEGORY_NOT_DIGIT: string.ascii_letters + "-_",
    _c.CATEGORY_SPACE: " ",
    _c.CATEGORY_NOT_SPACE: _PRINTABLE,
    _c.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    _c.CATEGORY_NOT_WORD: "-. ",
}
MAX_REPEAT = 8  # cap for * and + so generated values stay short


@lru_cache(maxsize=256)
def _parsed(pattern: str) -> Any:
    return parse_regex(pattern)


def generate(pattern: str, rng: random.Random) -> str | None:
    """A string for ``pattern``, or None if it can't be parsed."""
    try:
        parsed = _parsed(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    groups: dict[int, str] = {}
    return _emit(parsed, rng, groups)


def _class_chars(items: list[tuple[Any, Any]]) -> str:
    chars: list[str] = []
    negate = False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            chars.append(chr(av))
        elif op is _c.RANGE:
            lo, hi = av
            chars.extend(chr(c) for c in range(lo, min(hi, lo + 200) + 1))
        elif op is _c.CATEGORY:
            chars.extend(_CATEGORIES.get(av, _PRINTABLE))
    if negate:
        excluded = set(chars)
        return "".join(c for c in _PRINTABLE if c not in excluded) or "~"
    return "".join(chars) or "x"


def _emit(parsed: Any, rng: random.Random, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, av in parsed:
        if op is _c.LITERAL:
            out.append(chr(av))
        elif op is _c.NOT_LITERAL:
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != av]))
        elif op is _c.ANY:
            out.append(rng.choice(_PRINTABLE))
        elif op is _c.IN:
            out.append(rng.choice(_class_chars(av)))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) or getattr(_c, "POSSESSIVE_REPEAT", None) is op:
            lo, hi, sub = av
            hi = min(hi, max(lo, MAX_REPEAT)) if hi is not _c.MAXREPEAT else max(lo, min(lo + 3, MAX_REPEAT))
            out.extend(_emit(sub, rng, groups) for _ in range(rng.randint(lo, hi)))
        elif op is _c.SUBPATTERN:
            gid, _add, _del, sub = av
            text = _emit(sub, rng, groups)
            if gid is not None:
                groups[gid] = text
            out.append(text)
        elif op is _c.BRANCH:
            _unused, branches = av
            out.append(_emit(rng.choice(branches), rng, groups))
        elif op is _c.GROUPREF:
            out.append(groups.get(av, ""))
        elif getattr(_c, "ATOMIC_GROUP", None) is op:
            out.append(_emit(av, rng, groups))
        # AT (anchors), ASSERT, ASSERT_NOT: nothing to emit
    return "".join(out)
