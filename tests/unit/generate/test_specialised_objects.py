"""An object's written gen (`nodes._specialise`, what a hot object runs) makes the same values
as its loop (`Obj.walk`, what a cold one runs): generated with every object written and with
none, every sampled schema of six documents gives the same values, pinned or not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver.contract.documents import load_for_serving
from mockserver.generate import RecordGenerator, nodes

from .test_generation_digest import DOCUMENTS, _schemas

STRIDE = {"twilio": 4, "stripe": 6}
PINS: list[dict[tuple[Any, ...], object] | None] = [
    None, {("id",): "pinned-1"}, {("data", 0, "id"): "pinned-2"}, {("activity_log", "activity_id"): "log-1"},
    {("created_at",): "2026-10-20T10:00:00Z", ("name",): "pinned-name"},
]


def values(document: dict[str, Any], name: str, after: int, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.setattr(nodes, "SPECIALISE_AFTER", after)
    gen = RecordGenerator(document, seed=0)  # its own plans: no object written before
    out = []
    for label, schema in _schemas(document)[::STRIDE.get(name, 1)]:
        for i, pins in enumerate(PINS):
            value = gen.generate(schema, key=(label, str(i)), pins=pins)
            out.append((label, i, json.dumps(value, ensure_ascii=False, default=repr)))  # key order too
    return out


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_written_objects_draw_as_the_loop(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    document, _ = load_for_serving(DOCUMENTS[name])
    walked = values(document, name, 10**9, monkeypatch)
    written = values(document, name, -1, monkeypatch)
    assert len(walked) == len(written)
    for a, b in zip(walked, written):
        assert a == b, a[:2]
