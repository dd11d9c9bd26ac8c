"""The parts behind a new-id reply, judged side by side in-process: `make bench`'s `parts` part.

    .venv/bin/python tests/benchmark/parts.py [--n 2000]

On Lago's activity log (the load's workload), for `--n` records the mock generates for new ids:

- the JSON encoder: the mock's (`http.reply.encode_json`, the standard library's C encoder
  built once) against orjson, in µs per record, and how many records each writes to the same
  bytes as the mock;
- the validator: openapi-core as a newcomer calls it (`OpenAPI.validate_response`, which finds
  the path and operation again), openapi-core's schema validator on the document's schema, and
  the mock's own (`ResponseValidator.violations` on a reply it has not seen: whatever it puts
  behind openapi-core's interface), in µs per record, with the verdicts they gave.

Process CPU time, best of `--rounds`. Prints a markdown table (bench.py puts it in results.md).
"""

from __future__ import annotations

import argparse
import time
from typing import Any, Callable


def best_us(fn: Callable[[Any], Any], values: list, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for value in values:
            fn(value)
        best = min(best, time.process_time() - start)
    return best / len(values) * 1e6


def rows(n: int, rounds: int) -> list[tuple[str, str, float, str]]:
    """(part, candidate, µs per record, what it gave) for each candidate."""
    from openapi_core.testing import MockRequest, MockResponse
    from openapi_core.validation.schemas import oas30_read_schema_validators_factory

    from mockserver.app import build_engine
    from mockserver.base.config import ServeConfig
    from mockserver.http.reply import encode_json

    engine = build_engine(ServeConfig(quiet=True))
    op = next(o for o in engine.operations() if o.operation_id == "findActivityLog")
    values = [engine.responder.generated(op, f"{i:08x}-0000-4000-8000-{i:012x}") for i in range(n)]
    bodies = [encode_json(v) for v in values]
    out: list[tuple[str, str, float, str]] = []

    out.append(("JSON encoder", "the mock's (json's C encoder, built once)", best_us(encode_json, values, rounds), "the bytes served"))
    try:
        import orjson
    except ImportError:
        out.append(("JSON encoder", "orjson", float("nan"), "not installed"))
    else:
        same = sum(orjson.dumps(v) == b for v, b in zip(values, bodies))
        out.append(("JSON encoder", f"orjson {orjson.__version__}", best_us(orjson.dumps, values, rounds),
                    f"{same} of {n} byte-identical"))

    validator = engine.validators[op.api]
    status, media = op.success.status, op.success.media_type
    openapi = validator._openapi
    path = validator._server_path + "/activity_logs/x"

    def full(body: bytes) -> bool:
        try:
            openapi.validate_response(MockRequest(validator._host, "get", path),
                                      MockResponse(body, status_code=status, content_type=media))
        except Exception:  # any of openapi-core's errors: invalid
            return False
        return True

    spec = openapi.spec
    schema = spec / "paths" / op.path / op.method / "responses" / op.success.doc_key / "content" / media / "schema"
    plain = oas30_read_schema_validators_factory.create(spec, schema)

    def on_document(body: bytes) -> bool:
        import json
        try:
            plain.validate(json.loads(body))
        except Exception:  # openapi-core's InvalidSchemaValue
            return False
        return True

    def mock(body: bytes) -> bool:
        return not validator._validate(op, status, media, body)

    for name, fn in (("openapi-core `validate_response` (finds the operation per call)", full),
                     ("openapi-core schema validator on the document's schema", on_document),
                     ("the mock's (openapi-core's interface, what it puts behind it)", mock)):
        valid = sum(map(fn, bodies))
        out.append(("validator", name, best_us(fn, bodies, rounds), f"{valid} of {n} valid"))
    return out


def table(n: int = 2000, rounds: int = 3) -> list[str]:
    lines = ["| part | candidate | µs per record | result |", "|---|---|---:|---|"]
    for part, name, us, note in rows(n, rounds):
        lines.append(f"| {part} | {name} | {us:.1f} | {note} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("\n".join(table(args.n, args.rounds)))


if __name__ == "__main__":
    main()
