"""An object's written gen (`nodes._specialise`, what a hot object runs) makes the same values
as its loop (`Obj.walk`, what a cold one runs): generated with every object written and with
none, every sampled schema of six documents gives the same values, pinned or not."""

from __future__ import annotations

import json
import random
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



@pytest.mark.parametrize("example", [
    {"lago_id": "1a901a90-1a90-1a90-1a90-1a901a901a90", "plan_id": "1a901a90-1a90-1a90-1a90-1a901a901a90"},
    {"plan_id": [None, "1A901A90-1A90-1A90-1A90-1A901A901A90"], "n": 3},
    ["1a901a90-1a90-1a90-1a90-1a901a901a90", "2024-01-02", "1a901a90-1a90-1a90-1a90-1a901a901a90"],
])
@pytest.mark.parametrize("logged", ["c3d1c3a5-5f6e-4b8a-9d0e-1f2a3b4c5d6e", "not-a-uuid", None])
def test_written_makers_in_a_mimicked_example_draw_as_their_calls(
        example: Any, logged: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mimicked example's display writes its uuids in place (hints._display, `written`): it
    gives what calling each maker gives, the logged resource's id where a sibling holds one."""
    from mockserver.generate import hints
    from mockserver.generate.runtime import Ctx, Frame, Run

    written = hints.mimicker(example, None)
    display = hints._display
    monkeypatch.setattr(hints, "_display", lambda parts, keyed: display(
        [(k, v, (lambda run, m=m: m(run))) for k, v, m in parts], keyed))  # every maker called
    called = hints.mimicker(example, None)
    ctx = Ctx(0, 1_790_000_000, "snake", "lago_id")
    for seed in range(200):
        out = []
        for make in (written, called):
            run = Run(random.Random(seed), ctx)
            frame = Frame("activitylog", run.root_theme)
            if logged is not None:
                frame.values.update({"activity_type": "x", "resource_id": logged})
            run.frames.append(frame)
            out.append((make(run), run.rng.random()))
        assert out[0] == out[1], seed
