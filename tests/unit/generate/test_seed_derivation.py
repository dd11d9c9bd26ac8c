"""A record's seed, derived from a primed hash of its key's head (issue 27), is the same integer
as the definition gives: SHA-256 over the canonical JSON of (key, seed)."""

from __future__ import annotations

import hashlib
import json

import pytest

from mockserver.generate import RecordGenerator

KEYS = [
    ("findActivityLog", "200", "bdc0eda6-ea52-4f72-a46a-94f47a89b546"),
    ("findActivityLog", "200", "id-1"),
    ("findActivityLog", "404", ""),
    ("one",),
    (),
    ("op", "200", 'quote"d'),
    ("op", "200", "back\\slash"),
    ("op", "200", "caf\u00e9"),
    ("op", "200", "tab\there"),
    ('he"ad', "200", "id"),
    ("op", 7, "id"),
    ("op", "200", 7),
    ("crud", "new", "3", "0"),
]


def definition(key: tuple, seed: object) -> int:
    text = json.dumps([list(key), seed], separators=(",", ":"), ensure_ascii=True, default=str)
    return int.from_bytes(hashlib.sha256(text.encode("ascii")).digest(), "big")


@pytest.mark.parametrize("seed", [0, 42])
def test_seed_is_the_hash_of_the_canonical_key(seed: int) -> None:
    gen = RecordGenerator({}, seed=seed)
    for _ in range(2):  # the second time from the kept heads
        for key in KEYS:
            assert gen._seed_for(key) == definition(key, seed), key


def test_kept_heads_are_bounded() -> None:
    gen = RecordGenerator({}, seed=0)
    for n in range(5000):
        assert gen._seed_for(("crud", "new", str(n), "0")) == definition(("crud", "new", str(n), "0"), 0)
    assert len(gen._heads) <= 1024
