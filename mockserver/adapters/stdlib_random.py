"""How CPython's `random.Random` draws an index, for drawing the same one without its frames.

`Random.choice(seq)` is `seq[self._randbelow(len(seq))]` and `randrange(a, b)` is
`a + self._randbelow(b - a)`, and `choices(population, cum_weights=cum)` bisects `cum` at
`random() * total`; for `random.Random` itself `_randbelow` is the private
`_randbelow_with_getrandbits`: `k = n.bit_length()`, then `getrandbits(k)` until the draw is
below `n`. Generation draws so for every record (generate/: a written object's enums and
times, a theme's resource), where three Python frames per draw cost more than the draw; it
writes the same steps in place, and only where `BY_GETRANDBITS` finds `random.Random`'s
`_randbelow` still that function (`check()`, run by the adapter tests, proves the draws are the
same). None of this is public: CPython may change how it draws (it did before 3.2).
"""

from __future__ import annotations

import random
import sys
from bisect import bisect
from collections.abc import Callable, Sequence
from typing import Any

from mockserver.adapters import broken

TESTED = "Python 3.11-3.13 (requires-python >=3.11 in pyproject.toml)"

# random.Random draws an index as `below` does (else callers use rng.choice / rng.randrange)
BY_GETRANDBITS: bool = getattr(random.Random, "_randbelow", None) is getattr(
    random.Random, "_randbelow_with_getrandbits", object())


def below(getrandbits: object, k: int, n: int) -> int:
    """`Random._randbelow_with_getrandbits(n)` from a Random's `getrandbits`, with `k` the
    bit length of `n` (computed once by the caller, per sequence)."""
    r = getrandbits(k)  # type: ignore[operator]
    while r >= n:
        r = getrandbits(k)  # type: ignore[operator]
    return r


def weighted(random: Callable[[], float], population: Sequence[Any], cum_weights: Sequence[float]) -> Any:
    """`Random.choices(population, cum_weights=cum_weights)[0]` from a Random's `random`: one
    draw, bisected (what choices does for each of its k), without building a list of one."""
    return population[bisect(cum_weights, random() * (cum_weights[-1] + 0.0), 0, len(population) - 1)]


def check() -> None:
    """Raise `AdapterBroken` when random.Random no longer draws an index as `below` does."""
    version = "Python %d.%d" % sys.version_info[:2]
    if not BY_GETRANDBITS:
        raise broken("random", TESTED, f"{version}: Random._randbelow is not _randbelow_with_getrandbits",
                     "stdlib_random")
    for n in (1, 2, 3, 7, 8, 11, 100, 1000, 7775400):
        ours, theirs = random.Random(n), random.Random(n)
        seq = range(n)
        mine = [below(ours.getrandbits, n.bit_length(), n) for _ in range(50)]
        mine += [5 + below(ours.getrandbits, n.bit_length(), n) for _ in range(50)]
        drawn = [theirs.choice(seq) for _ in range(50)] + [theirs.randrange(5, 5 + n) for _ in range(50)]
        if mine != drawn or ours.random() != theirs.random():
            raise broken("random", TESTED, f"{version}: Random.choice/randrange draw otherwise for n={n}",
                         "stdlib_random")
    cum = (1.0, 3.0, 3.5, 9.0, 10.0)
    ours, theirs = random.Random(7), random.Random(7)
    if [weighted(ours.random, "abcde", cum) for _ in range(50)] != \
            [theirs.choices("abcde", cum_weights=cum)[0] for _ in range(50)]:
        raise broken("random", TESTED, f"{version}: Random.choices draws otherwise", "stdlib_random")
