"""Start-up time on a large document: the mock cold and warm against Prism (issue 15).

    .venv/bin/python tests/benchmark/startup.py [--spec FILE] [--get PATH] [--first PATH] [--starts N]

Each start is timed from process start to the first 200 on `--get` (polled every 10 ms, with
the credentials below); then one GET of `--first`, an operation not asked before, times the
first request of an operation after start-up. Servers start in turn, `--starts` rounds (5),
each on a free loopback port, pinned to core 0 when taskset is there:

  mock-cold   .venv/bin/python -m mockserver serve --spec FILE --port P --quiet, with an empty
              MOCKSERVER_CACHE_DIR (the first start of a document)
  mock-warm   the same with the cache the first start left (every later start)
  prism       prism mock FILE -p P -h 127.0.0.1 -v silent   (Prism installed by `make bench`)

Prints the median and the range (min-max) of each, in wall seconds and in CPU seconds (user +
system of the server's processes at its first 200, from /proc): on a machine others share, the
CPU figure is the one that holds still. Defaults: the Twilio document in
tests/data/specs, GET FetchBalance, first request FetchCall, basic auth. `--base DIR` adds
base-cold and base-warm, interleaved with the others: another checkout of the mock (a `git
archive` of a commit) run with this venv as `python -m mockserver` from DIR.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import REPO, BenchError, cpu_seconds, ensure_peers, free_port, group_pids, kill_group  # noqa: E402

ACCOUNT = "AC" + "a" * 32
SPEC = REPO / "tests/data/specs/twilio-api-v2010.json"
GET = f"/2010-04-01/Accounts/{ACCOUNT}/Balance.json"
FIRST = f"/2010-04-01/Accounts/{ACCOUNT}/Calls/CA{'b' * 32}.json"
AUTH = "Basic " + base64.b64encode(b"AC1:token").decode()


def status(port: int, path: str) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path, headers={"Authorization": AUTH})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status
    except OSError:
        return None


def timed_start(cmd: list[str], port: int, env: dict, get: str, first: str, cwd: Path = REPO
                ) -> tuple[float, float, float]:
    """Seconds to the first 200 on `get`, milliseconds of the first request to `first`, and the CPU
    seconds the server had spent by that first 200."""
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    start = time.perf_counter()
    proc = subprocess.Popen(pin + cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        while status(port, get) != 200:
            if proc.poll() is not None:
                raise SystemExit(f"{cmd[0]} exited with {proc.returncode} before answering")
            if time.perf_counter() - start > 120:
                raise SystemExit(f"{cmd[0]} did not answer 200 in 120 s")
            time.sleep(0.01)
        up = time.perf_counter() - start
        cpu = cpu_seconds(group_pids(proc.pid))
        before = time.perf_counter()
        code = status(port, first)
        first_ms = (time.perf_counter() - before) * 1000
        if code != 200:
            raise SystemExit(f"{first} answered {code}")
        return up, first_ms, cpu
    finally:
        kill_group(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=SPEC)
    parser.add_argument("--get", default=GET)
    parser.add_argument("--first", default=FIRST)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--servers", default="mock-cold,mock-warm,prism")
    parser.add_argument("--base", type=Path, help="another checkout of the mock to time beside this one")
    args = parser.parse_args()
    servers = args.servers.split(",") + (["base-cold", "base-warm"] if args.base else [])
    prism = None
    if "prism" in servers:
        ready, missing, _took = ensure_peers(["prism"])
        if "prism" not in ready:
            raise BenchError(f"Prism cannot run: {missing['prism']}")
        prism = ready["prism"]
    caches = {kind: Path(tempfile.mkdtemp(prefix=f"mockserver-startup-{kind}-")) for kind in ("mock", "base")}
    mock = [str(REPO / ".venv/bin/python"), "-m", "mockserver"]
    spec = args.spec.resolve()
    times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in servers}
    for _ in range(args.starts):
        for name in servers:
            port = free_port()
            kind, _, temperature = name.partition("-")
            cache = caches.get(kind, caches["mock"])
            root = args.base if kind == "base" else REPO
            env = dict(os.environ, MOCKSERVER_CACHE_DIR=str(cache))
            if name == "prism":
                cmd = [str(prism), "mock", str(spec), "-p", str(port), "-h", "127.0.0.1", "-v", "silent"]
            else:
                if temperature == "cold":
                    shutil.rmtree(cache, ignore_errors=True)
                cmd = [*mock, "serve", "--spec", str(spec), "--port", str(port), "--quiet"]
            times[name].append(timed_start(cmd, port, env, args.get, args.first, root.resolve()))
            up, first_ms, cpu = times[name][-1]
            print(f"{name:10} {up:.2f} s ({cpu:.2f} s CPU)  first request {first_ms:.1f} ms", flush=True)
    for cache in caches.values():
        shutil.rmtree(cache, ignore_errors=True)
    print(f"\n{args.spec.name}, {args.starts} starts each (median, min-max):")
    for name, runs in times.items():
        ups, firsts, cpus = [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]
        print(f"  {name:10} start-up {statistics.median(ups):.2f} s ({min(ups):.2f}-{max(ups):.2f}), "
              f"CPU {statistics.median(cpus):.2f} s ({min(cpus):.2f}-{max(cpus):.2f}); "
              f"first request {statistics.median(firsts):.1f} ms ({min(firsts):.1f}-{max(firsts):.1f})")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main())
