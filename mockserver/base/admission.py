"""Admission to a cache on the second sight of a key: what the replay layer and the verdict
cache keep.

Under a load that asks for a new id on every request, every reply is seen once: kept on its
first sight, each one costs a copy into the cache, an eviction, and pushes out an entry that
would have been asked for again. Noting only the key's hash the first time, and keeping the
entry the second time, costs one set operation per one-off request. Bounded: when `size`
hashes are noted, all are forgotten at once (cheaper than an LRU of hashes, and only delays
an admission). A hash collision merely admits an entry one sight early.
"""

from __future__ import annotations

from typing import Hashable


class SecondSight:
    def __init__(self, size: int) -> None:
        self.size = size
        self._seen: set[int] = set()

    def again(self, key: Hashable) -> bool:
        """True the second time `key` is offered (then forgotten), False the first time."""
        if self.first(key):
            return False
        self._seen.discard(hash(key))
        return True

    def first(self, key: Hashable) -> bool:
        """True, noting `key`, the first time it is offered; False, noting nothing, when it was
        seen already (its `again` is then True: that caller admits it)."""
        seen = self._seen
        digest = hash(key)
        if digest in seen:
            return False
        if len(seen) >= self.size:
            seen.clear()
        seen.add(digest)
        return True
