"""CPU time to generate one record for a new id, alone: what `stages/reply_builder` asks the
generator for on `findActivityLog` (the new-id workload of `make bench`), without the request
around it.

    .venv/bin/python tests/benchmark/generation.py [--n 3000] [--rounds 5]

Process time per record, min of the rounds, after 500 records of warm-up (hot objects are
written by then, `generate/nodes._specialise`) and with the GC frozen, as `mockserver serve`
freezes it after start-up.
"""

from __future__ import annotations

import argparse
import gc
import time

from mockserver.app import build_engine
from mockserver.base.config import ServeConfig


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    engine = build_engine(ServeConfig(quiet=True))
    op = next(o for o in engine.operations() if o.operation_id == "findActivityLog")
    responder = engine.responder
    for i in range(500):
        responder.generated(op, f"warm-{i}")
    gc.freeze()
    per_record = []
    for r in range(args.rounds):
        start = time.process_time()
        for i in range(args.n):
            responder.generated(op, f"id-{r}-{i}")
        per_record.append((time.process_time() - start) / args.n * 1e6)
    print(f"generate  {min(per_record):.1f} us/record CPU (min of {args.rounds}; all "
          + ", ".join(f"{t:.1f}" for t in per_record) + ")")


if __name__ == "__main__":
    main()
