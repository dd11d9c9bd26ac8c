"""CPU time per request, in-process: the ASGI app called directly (no sockets, no uvicorn).

    .venv/bin/python tests/benchmark/inprocess.py [--n 20000] [--tail 50000] [--only new]

Measures what the server's own code costs per request for the three workloads of `make bench`
(same id, a new id per request, no credentials), with the GC frozen after start-up as
`mockserver serve` does. Process CPU time is used, not wall time, so other load on the machine
matters less. `--tail` times each new-id request and reports the percentiles, the slowest
requests, and every generation-2 collection the GC ran (gc.callbacks), with the sizes of the
caches that could grow with new ids.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time

from mockserver.app import create_app
from mockserver.base.config import ServeConfig

PREFIX = "/api/v1/activity_logs/"
SAME = "bdc0eda6-ea52-4f72-a46a-94f47a89b546"
AUTH = [(b"host", b"127.0.0.1:4010"), (b"authorization", b"Bearer bench-key"), (b"accept", b"application/json")]
NOAUTH = [(b"host", b"127.0.0.1:4010"), (b"accept", b"application/json")]


def scope_for(path: str, headers: list) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "server": ("127.0.0.1", 4010), "client": ("127.0.0.1", 50000), "scheme": "http",
        "method": "GET", "root_path": "", "path": path, "raw_path": path.encode(), "query_string": b"",
        "headers": list(headers), "state": {},
    }


async def _receive() -> dict:
    return {"type": "http.request", "body": b"", "more_body": False}


class Sink:
    def __init__(self) -> None:
        self.status = 0
        self.body = b""

    async def __call__(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        else:
            self.body += message.get("body", b"")


def new_path(i: int, token: int = 1) -> str:
    return PREFIX + "%08x-0000-4000-8000-%012x" % (token, i)


async def one(app, path: str, headers: list) -> Sink:
    sink = Sink()
    await app(scope_for(path, headers), _receive, sink)
    return sink


async def lifespan(app) -> asyncio.Queue:
    """Start the app as uvicorn does (connexion builds its middleware stack on startup); put
    `{"type": "lifespan.shutdown"}` in the queue returned to stop it."""
    queue: asyncio.Queue = asyncio.Queue()
    await queue.put({"type": "lifespan.startup"})

    async def send(message):
        pass

    task = asyncio.get_running_loop().create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, queue.get, send))
    _running.add(task)
    await asyncio.sleep(0)
    return queue


_running: set = set()


async def measure(app, name: str, n: int, token: int) -> float:
    if name == "same":
        paths = [(PREFIX + SAME, AUTH)] * n
    elif name == "noauth":
        paths = [(PREFIX + SAME, NOAUTH)] * n
    else:
        paths = [(new_path(i, token), AUTH) for i in range(n)]
    expected = 401 if name == "noauth" else 200
    start = time.process_time()
    for path, headers in paths:
        sink = await one(app, path, headers)
    spent = time.process_time() - start
    assert sink.status == expected, (name, sink.status, sink.body[:300])
    return spent / n * 1e6


async def tail(app, n: int, token: int) -> None:
    pauses: list[tuple[int, float]] = []
    started: list[float] = []

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            pauses.append((info["generation"], (time.perf_counter() - started.pop()) * 1000))

    gc.callbacks.append(on_gc)
    walls, cpus = [], []
    try:
        for i in range(n):
            path = new_path(i, token)
            t0, c0 = time.perf_counter(), time.thread_time()
            await one(app, path, AUTH)
            cpus.append((time.thread_time() - c0) * 1000)
            walls.append((time.perf_counter() - t0) * 1000)
    finally:
        gc.callbacks.remove(on_gc)
    for name, times in (("wall", walls), ("thread CPU", cpus)):
        ordered = sorted(times)
        pct = lambda p: ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]  # noqa: E731
        print(f"{name} over {n} new ids: p50 {pct(50):.3f} ms  p99 {pct(99):.3f}  p99.9 {pct(99.9):.3f}  max {ordered[-1]:.1f}")
        print("  slowest:", ", ".join(f"#{i} {t:.1f}ms" for t, i in sorted(((t, i) for i, t in enumerate(times)), reverse=True)[:8]))
    by_gen: dict[int, list[float]] = {}
    for generation, ms in pauses:
        by_gen.setdefault(generation, []).append(ms)
    for generation, values in sorted(by_gen.items()):
        print(f"  gc gen{generation}: {len(values)} collections, max {max(values):.2f} ms, total {sum(values):.1f} ms")
    print(f"  gc counts now {gc.get_count()}, tracked objects {len(gc.get_objects())}, frozen {gc.get_freeze_count()}")


def sizes(app) -> None:
    engine = app.engine
    replay = app.replay[-1] if app.replay else None
    print(f"  replay entries {len(replay) if replay else '-'}; journal {len(engine.state.journal)};"
          f" records {engine.state.records.count()}")
    for name, validator in engine.validators.items():
        print(f"  validator {name}: {len(validator._cache)} cached verdicts")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--tail", type=int, default=0)
    parser.add_argument("--only", default="same,new,noauth")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    app = create_app(ServeConfig(quiet=True))
    gc.collect()  # as `mockserver serve` does, before uvicorn starts the app
    gc.freeze()
    running = await lifespan(app)
    for warm in range(200):  # build connexion's stack and warm the caches
        await one(app, new_path(warm, 0), AUTH)
        await one(app, PREFIX + SAME, AUTH)
        await one(app, PREFIX + SAME, NOAUTH)
    token = 2
    for name in args.only.split(","):
        results = []
        for _ in range(args.rounds):
            token += 1
            results.append(await measure(app, name, args.n, token))
        print(f"{name:7s} {min(results):7.1f} us/request CPU (min of {args.rounds}; all {', '.join(f'{r:.1f}' for r in results)})")
    if args.tail:
        await tail(app, args.tail, token + 100)
        sizes(app)
    await running.put({"type": "lifespan.shutdown"})
    await asyncio.gather(*_running)


if __name__ == "__main__":
    asyncio.run(main())
