"""The encoders built once give json.dumps's bytes (reply bodies, generator seeds)."""

from __future__ import annotations

import json

import pytest

from mockserver.http.reply import compact_encoder, encode_json

VALUES = [
    {"a": [1, None, "é\n\x01\u2028\"\\", 1.5e20, 1e-7, 0.1, -0.0, 2**70, True, False], "b": {}, "c": []},
    [["findActivityLog", "200", "ünïcode id"], 0],
    "a bare string", 5, None, 1.25, {"tuple": (1, 2)}, {"nan": float("nan"), "inf": float("-inf")},
]


@pytest.mark.parametrize("value", VALUES)
def test_compact_encoders_write_what_json_dumps_writes(value) -> None:
    assert encode_json(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    seeds = compact_encoder(ensure_ascii=True, default=str)
    assert seeds(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=True, default=str)


def test_what_json_cannot_encode_still_fails() -> None:
    with pytest.raises(TypeError):
        encode_json({"when": object()})
