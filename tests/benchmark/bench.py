"""`make bench`: the mock against Prism, WireMock, Mockoon, Specmatic and a bare-ASGI ceiling.

What it does, in one session (`--parts`, default all four: load, startup, workers, parts):

1. installs what is missing: the peers (npm, pinned in PEERS, into the ignored `.bench/`, one
   by one), wrk (Debian's package; needs root), py-spy (PyPI, into the venv; `--profile` only).
   Every peer is optional: one that cannot be installed (no Node, no Java 17, npm failing) or
   that does not start is named in the results with the reason, and the bench goes on;
2. load: starts every server pinned to core 0 (`taskset -c 0`), each on a free loopback port,
   several times in turn, timing process start -> first 200 (polled); the last start stays up;
   drives them with wrk pinned to core 1, interleaved: for each round, for each workload, every
   server in turn (the order rotates between rounds), a fixed duration and connection count;
   reports the median over the rounds of requests/s, p50 and p99, the status counts, the
   server's CPU time, start-up time and peak RSS (VmHWM), the ratios mock/<every other server>
   and one sample reply per server and workload (status, body);
3. startup: process start -> first 200 on the largest file in tests/data/specs/ (picked by size
   at run time), polling a GET derived from the document (the first GET with a 200 and no
   required query/header/cookie parameter, path parameters from examples, credentials for its
   security): the mock cold (empty MOCKSERVER_CACHE_DIR) and warm (the next start, same cache),
   and every selected peer that loads OpenAPI (not WireMock, which has no OpenAPI import);
4. workers (scale-out): the mock with `--workers 1, 2, 4, 8`, as many of them as the machine
   has cores for (the others are named as needing more cores), on the new-id and same-id
   workloads, when `mockserver serve --help` has the flag (otherwise a note). With at least
   2N cores, N workers get cores 0..N-1 and wrk the rest (one wrk thread per core, at most N);
   with fewer, as on 2 cores, the server and wrk share every core, unpinned (`scale_plan`);
5. parts: the JSON encoder and the validator behind a new-id reply, side by side in-process
   (tests/benchmark/parts.py); the ASGI server is judged in the load, as `ceiling-granian`;
6. prints the report and overwrites `tests/benchmark/results.md` (`--results` elsewhere).

Workloads (Lago `findActivityLog`):
  same    GET <prefix>/<one id> with a bearer token, over and over
  new     GET <prefix>/<a fresh id on every request> with a bearer token
  noauth  GET <prefix>/<one id> without credentials (the contract says 401; peers that ignore
          credentials answer what they answer, and the results count it)

Servers (BENCH_SERVERS / --servers, any subset, in this order by default):
  mock          .venv/bin/mockserver serve --port P --quiet    (as users start it)
  prism         prism mock openapi/lago.yaml -p P              (Prism's defaults: info log)
  prism-silent  the same with -v silent                        (no log, like the mock's --quiet)
  wiremock      wiremock --root-dir tests/benchmark/wiremock   (one hand-written mapping whose
                response template echoes the id into a fixed activity-log body; journal
                bounded to 1000 like the mock's)
  mockoon       mockoon-cli start --data openapi/lago.yaml     (imports the document; serves its
                examples; --disable-log-to-file)
  specmatic     specmatic stub openapi/lago.yaml --noConsoleLog (schema-generated bodies)
  ceiling       tests/benchmark/ceiling_app.py: fixed bytes, uvicorn with the mock's settings
  ceiling-granian  the same app under granian (a Rust HTTP server, one worker; pip-installed
                into the venv at GRANIAN_VERSION when missing): the ASGI server judged as a part

`--profile` instead records the mock with py-spy while wrk drives `same`, then `new`, and
writes the top frames to `tests/benchmark/profile.md` (raw stacks stay in `.bench/`).

Settings come from flags or the environment (flag wins): BENCH_DURATION (s, default 10),
BENCH_ROUNDS (3), BENCH_CONNECTIONS (50), BENCH_WARMUP (s, 2), BENCH_STARTS (3),
BENCH_JVM_WARMUP (s, 30: more for WireMock and Specmatic, whose JIT warms up under load),
BENCH_SERVERS (all of the above), BENCH_PARTS (load,startup,workers), BENCH_RETRIES (2),
BENCH_MAX_SECONDS (1800), BENCH_PROFILE_DURATION (s, 15), BENCH_MOCK_ROOT (another checkout
of the mock to measure, e.g. a `git archive` of a commit; default this one) with
BENCH_MOCK_LABEL (how the results name it). A quick look at a subset:
  BENCH_SERVERS=mock,wiremock BENCH_PARTS=load BENCH_DURATION=2 BENCH_ROUNDS=1 make bench
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
WORK = REPO / ".bench"  # ignored by git: Prism, logs, raw profiles
LOGS = WORK / "logs"
LUA = HERE / "requests.lua"
CEILING = HERE / "ceiling_app.py"
RESULTS = HERE / "results.md"
PROFILE_RESULTS = HERE / "profile.md"


@dataclass(frozen=True)
class Peer:
    """Another mock server, installed from npm into `.bench/` at a pinned version."""
    package: str
    version: str
    bin: str  # its command in .bench/node_modules/.bin
    min_node: tuple[int, int]
    min_java: int | None = None  # for the ones that bundle a jar


# Every version runs on Node 20 (this machine's and Debian's) and Java 17 (Debian 12's).
PEERS = {
    # 5.15 and later declare `node >= 24.14`; 5.14.2 is the newest for Node 18.20+/20.
    "prism": Peer("@stoplight/prism-cli", "5.14.2", "prism", (18, 20)),
    # The npm package bundles wiremock-standalone-3.13.2.jar (Java 11+) and runs it with `java -jar`.
    "wiremock": Peer("wiremock", "3.13.2", "wiremock", (18, 0), 11),
    # Declares `node >= 18`, as do all its dependencies.
    "mockoon": Peer("@mockoon/cli", "9.9.0", "mockoon-cli", (18, 0)),
    # Bundles specmatic.jar, compiled for Java 17 (class files version 61).
    "specmatic": Peer("specmatic", "2.55.1", "specmatic", (18, 0), 17),
}
PY_SPY_VERSION = "0.4.3"
GRANIAN_VERSION = "2.8.9"  # the ceiling under another ASGI server (`ceiling-granian`); not a dependency of the mock

SERVER_CORE, LOAD_CORE = "0", "1"
SAME_ID = "bdc0eda6-ea52-4f72-a46a-94f47a89b546"  # the document's example id: neither seeded nor an example record
CANDIDATE_PREFIXES = ("/api/v1/activity_logs", "/activity_logs")  # Prism and Specmatic drop the servers' base path
WORKLOADS = ("same", "new", "noauth")
PARTS = ("load", "startup", "workers", "parts")
SCALE_WORKERS = (1, 2, 4, 8)  # the worker counts of the scale-out part, capped at the machine's cores
SCALE_WORKLOADS = ("new", "same")
WORKLOAD_TITLES = {
    "same": "(a) same id, bearer",
    "new": "(b) new id per request, bearer",
    "noauth": "(c) no credentials",
}
ALL_SERVERS = ("mock", "prism", "prism-silent", "wiremock", "mockoon", "specmatic", "ceiling", "ceiling-granian")
PEER_OF = {"prism": "prism", "prism-silent": "prism", "wiremock": "wiremock", "mockoon": "mockoon",
           "specmatic": "specmatic"}  # server -> the npm peer it runs
BEARER = {"Authorization": "Bearer bench-key"}
CALM_BUDGET = 45.0  # seconds, over the whole run, spent waiting for a quiet server core


class BenchError(Exception):
    """A problem the user can act on: printed as one message, exit status 1."""


# --------------------------------------------------------------------------- settings


def env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise BenchError(f"{name}={raw!r} is not a number") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark the mock against Prism, WireMock, Mockoon, Specmatic "
                                            "and a bare ASGI ceiling.")
    p.add_argument("--duration", type=float, default=env_number("BENCH_DURATION", 10),
                   help="seconds per measured wrk run (BENCH_DURATION, default 10)")
    p.add_argument("--rounds", type=int, default=int(env_number("BENCH_ROUNDS", 3)),
                   help="interleaved rounds; the median is reported (BENCH_ROUNDS, default 3)")
    p.add_argument("--connections", type=int, default=int(env_number("BENCH_CONNECTIONS", 50)),
                   help="wrk connections (BENCH_CONNECTIONS, default 50)")
    p.add_argument("--warmup", type=float, default=env_number("BENCH_WARMUP", 2),
                   help="seconds of unrecorded load per server and workload first (BENCH_WARMUP, default 2)")
    p.add_argument("--jvm-warmup", type=float, default=env_number("BENCH_JVM_WARMUP", 30),
                   help="seconds of more unrecorded load, spread over the workloads, for the peers that run on the "
                        "JVM (WireMock, Specmatic), whose JIT compiler warms up under load (BENCH_JVM_WARMUP, default 30)")
    p.add_argument("--starts", type=int, default=int(env_number("BENCH_STARTS", 3)),
                   help="timed start-ups per server (BENCH_STARTS, default 3)")
    p.add_argument("--servers", default=os.environ.get("BENCH_SERVERS") or ",".join(ALL_SERVERS),
                   help=f"comma-separated subset of {','.join(ALL_SERVERS)}")
    p.add_argument("--parts", default=os.environ.get("BENCH_PARTS") or ",".join(PARTS),
                   help=f"comma-separated subset of {','.join(PARTS)}: the load on every server, start-up on the "
                        "largest document in tests/data/specs/, the mock's --workers 1, 2, 4, 8 as the cores allow (BENCH_PARTS)")
    p.add_argument("--startup-doc", type=Path, default=os.environ.get("BENCH_STARTUP_DOC") or None,
                   help="document for the start-up part (BENCH_STARTUP_DOC; default: the largest file in "
                        "tests/data/specs/)")
    p.add_argument("--max-other", type=float, default=env_number("BENCH_MAX_OTHER", 0.2),
                   help="re-run a measurement when more than this share of the server's core went to other "
                        "processes during it (BENCH_MAX_OTHER, default 0.2)")
    p.add_argument("--retries", type=int, default=int(env_number("BENCH_RETRIES", 2)),
                   help="at most this many re-runs of a noisy measurement; the least noisy is kept (default 2)")
    p.add_argument("--max-seconds", type=float, default=env_number("BENCH_MAX_SECONDS", 1800),
                   help="no new round or re-run once the whole bench would pass this many seconds (default 1800)")
    p.add_argument("--results", type=Path, default=RESULTS, help="where to write the results (markdown)")
    p.add_argument("--profile", action="store_true",
                   help="profile the mock with py-spy under workloads same and new instead")
    p.add_argument("--profile-duration", type=float, default=env_number("BENCH_PROFILE_DURATION", 15),
                   help="seconds of py-spy sampling per workload (default 15)")
    p.add_argument("--mock-root", type=Path, default=Path(os.environ.get("BENCH_MOCK_ROOT") or REPO),
                   help="checkout whose mockserver, openapi/ and fixtures/ are measured (default: this one)")
    args = p.parse_args(argv)
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = [s for s in args.servers if s not in ALL_SERVERS]
    if unknown or not args.servers:
        p.error(f"--servers: unknown {unknown}; choose from {', '.join(ALL_SERVERS)}")
    if args.duration < 1 or args.rounds < 1 or args.connections < 1 or args.starts < 1:
        p.error("duration, rounds, connections and starts must be at least 1")
    args.parts = [x.strip() for x in args.parts.split(",") if x.strip()]
    if not args.parts or set(args.parts) - set(PARTS):
        p.error(f"--parts: choose from {', '.join(PARTS)}")
    args.mock_root = args.mock_root.resolve()
    return args


# --------------------------------------------------------------------------- tools


def run_quiet(cmd: list[str], timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def first_line(cmd: list[str]) -> str:
    try:
        out = run_quiet(cmd, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "?"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise BenchError("wrk is not installed, and installing it needs root: "
                         "run `sudo apt-get install -y wrk` (Debian/Ubuntu), then `make bench` again")
    if not shutil.which("apt-get"):
        raise BenchError("wrk is not installed and there is no apt-get: install wrk 4.x by hand")
    print("bench: installing wrk (apt-get install -y wrk) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = run_quiet(["apt-get", "install", "-y", "wrk"], timeout=600, env=env)
    if result.returncode != 0:  # a fresh machine has no package lists yet
        run_quiet(["apt-get", "update"], timeout=600, env=env)
        result = run_quiet(["apt-get", "install", "-y", "wrk"], timeout=600, env=env)
    found = shutil.which("wrk")
    if result.returncode != 0 or not found:
        raise BenchError(f"apt-get install -y wrk failed:\n{result.stderr.strip()[-2000:]}")
    return found


def node_version() -> tuple[int, ...] | None:
    if not shutil.which("node"):
        return None
    text = first_line(["node", "--version"]).lstrip("v")
    try:
        return tuple(int(x) for x in text.split(".")[:3])
    except ValueError:
        return None


def on_jvm(server: str) -> bool:
    return server in PEER_OF and PEERS[PEER_OF[server]].min_java is not None


def java_major() -> int | None:
    if not shutil.which("java"):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', first_line(["java", "-version"]))
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


def installed_version(peer: Peer) -> str | None:
    with contextlib.suppress(OSError, ValueError, KeyError):
        return json.loads((WORK / "node_modules" / peer.package / "package.json").read_text())["version"]
    return None


def ensure_peers(names: list[str]) -> tuple[dict[str, Path], dict[str, str], dict[str, float]]:
    """Installs the pinned npm peers that are missing into .bench/. Returns their commands, why
    the others cannot run (each peer is optional), and how long each install took."""
    ready, missing, took = {}, {}, {}
    node, java = node_version(), java_major()
    todo = []
    for name in names:
        peer = PEERS[name]
        if node is None:
            missing[name] = "`node` is not on PATH (install Node.js 18.20+ and npm)"
        elif node[:2] < peer.min_node:
            missing[name] = (f"needs Node.js >= {'.'.join(map(str, peer.min_node))}, found "
                             f"{'.'.join(map(str, node))}")
        elif peer.min_java and (java or 0) < peer.min_java:
            missing[name] = (f"needs Java {peer.min_java}+ on PATH, found "
                             f"{'no `java`' if java is None else f'Java {java}'}")
        elif installed_version(peer) != peer.version or not (WORK / "node_modules" / ".bin" / peer.bin).exists():
            todo.append(name)
    if todo and not shutil.which("npm"):
        missing.update({n: "not installed in .bench/ and `npm` is not on PATH" for n in todo})
        todo = []
    WORK.mkdir(exist_ok=True)
    for name in todo:  # one at a time, so that one that fails keeps no other out
        peer = PEERS[name]
        spec = f"{peer.package}@{peer.version}"
        print(f"bench: installing {name} (npm install --prefix .bench {spec}) ...", flush=True)
        t0 = time.monotonic()
        try:
            result = run_quiet(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(WORK), spec], timeout=900)
            output = (result.stderr or result.stdout).strip()
        except subprocess.TimeoutExpired:
            output = "npm install did not finish within 900 s"
        took[name] = time.monotonic() - t0
        got = installed_version(peer)
        if got != peer.version:
            missing[name] = f"`npm install {spec}` failed (found {got or 'nothing'}): {output[-600:]}"
    for name in names:
        if name not in missing:
            ready[name] = WORK / "node_modules" / ".bin" / PEERS[name].bin
    return ready, missing, took


def ensure_py_spy() -> Path:
    py_spy = Path(sys.executable).parent / "py-spy"
    if py_spy.exists():
        return py_spy
    print(f"bench: installing py-spy into the venv (pip install py-spy=={PY_SPY_VERSION}) ...", flush=True)
    result = run_quiet([sys.executable, "-m", "pip", "install", "--quiet", f"py-spy=={PY_SPY_VERSION}"], timeout=600)
    if result.returncode != 0 or not py_spy.exists():
        raise BenchError(f"pip install py-spy failed:\n{result.stderr.strip()[-2000:]}")
    return py_spy


def ensure_granian() -> None:
    """granian in the venv, for the `ceiling-granian` server (BenchError when it cannot be had)."""
    if (Path(sys.executable).parent / "granian").exists():
        return
    print(f"bench: installing granian into the venv (pip install granian=={GRANIAN_VERSION}) ...", flush=True)
    result = run_quiet([sys.executable, "-m", "pip", "install", "--quiet", f"granian=={GRANIAN_VERSION}"], timeout=600)
    if result.returncode != 0 or not (Path(sys.executable).parent / "granian").exists():
        raise BenchError(f"pip install granian=={GRANIAN_VERSION} failed: {result.stderr.strip()[-400:]}")


def pinning() -> tuple[list[str], list[str], str]:
    """taskset prefixes for servers and load, and a note on what was done."""
    cores = os.cpu_count() or 1
    if not shutil.which("taskset"):
        return [], [], "not pinned: taskset is missing (util-linux)"
    if cores < 2:
        return [], [], f"not pinned: only {cores} core"
    return (["taskset", "-c", SERVER_CORE], ["taskset", "-c", LOAD_CORE],
            f"servers on core {SERVER_CORE} (taskset -c {SERVER_CORE}), wrk on core {LOAD_CORE} (taskset -c {LOAD_CORE})")


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stat_fields(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3 onwards), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = stat_fields(entry)
        if fields is not None and int(fields[2]) == pgid:  # field 5 of stat: pgrp
            pids.append(int(entry))
    return pids


def cpu_split(pids: list[int]) -> tuple[float, float]:
    """(user, system) CPU seconds of these processes, all threads."""
    ticks = os.sysconf("SC_CLK_TCK")
    user = system = 0
    for pid in pids:
        fields = stat_fields(pid)
        if fields is None:
            continue
        user, system = user + int(fields[11]), system + int(fields[12])
    return user / ticks, system / ticks


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each thread of the process."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    stat = f.read()
                fields = stat[stat.rindex(")") + 2:].split()
                out[int(tid)] = (int(fields[11]) + int(fields[12])) / ticks
    return out


def cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_split(pids))


def core_busy_seconds(core: str) -> float:
    """CPU time the core spent running processes (anyone's) or stolen by the hypervisor, from
    /proc/stat: user + nice + system + steal. Interrupt time is left out: under load it is
    mostly the benchmark's own loopback traffic."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith(f"cpu{core} "):
                v = [int(x) for x in line.split()[1:]] + [0] * 8
                return (v[0] + v[1] + v[2] + v[7]) / os.sysconf("SC_CLK_TCK")
    return 0.0


def wait_for_calm(limit: float, budget: float, window: float = 0.5) -> float:
    """Wait (at most `budget` seconds) until the server core is busy less than `limit` of the
    time with nothing of ours running on it; returns the seconds waited."""
    t0 = time.monotonic()
    while True:
        b0, w0 = core_busy_seconds(SERVER_CORE), time.monotonic()
        time.sleep(window)
        share = (core_busy_seconds(SERVER_CORE) - b0) / (time.monotonic() - w0)
        waited = time.monotonic() - t0
        if share <= limit or waited >= budget:
            return waited


def status_kib(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class Server:
    name: str
    cmd: list[str]
    cwd: Path
    env: dict[str, str]
    shown: str  # the command as a user would type it
    prefixes: tuple[str, ...] = ("/api/v1/activity_logs",)
    probe_suffix: str = f"/{SAME_ID}"  # start() polls GET <prefix><probe_suffix> until a 200
    probe_headers: dict[str, str] = field(default_factory=lambda: dict(BEARER))
    port: int = 0
    proc: subprocess.Popen | None = None
    prefix: str = ""  # the one that answered 200
    other_prefixes: dict[str, int | None] = field(default_factory=dict)  # the others, and what they answered
    starts: list[float] = field(default_factory=list)
    start_cpu: list[float] = field(default_factory=list)  # CPU seconds of the server at each first 200
    peak_rss_kib: int | None = None
    rss_kib: int | None = None
    nprocs: int = 0

    @property
    def log_path(self) -> Path:
        return LOGS / f"{self.name}.log"

    def start(self, pin: list[str], timeout: float = 120, settle: float = 30) -> None:
        """Starts the server and polls until a 200; gives up after `timeout` seconds, or `settle`
        seconds after its first answer that was not a 200 (it is up but will not serve that URL)."""
        self.port = free_port()
        argv = pin + [a.replace("{port}", str(self.port)) for a in self.cmd]
        log = self.log_path.open("a")  # append: truncating it later is safe
        log.write(f"\n=== {' '.join(argv)}\n")
        log.flush()
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = t0 + timeout
        answered = None  # when it first answered something else than a 200
        while True:
            for prefix in self.prefixes:
                status = probe_status(self.port, prefix + self.probe_suffix, self.probe_headers)
                if status is not None and answered is None:
                    answered = time.perf_counter()
                if status == 200:
                    self.starts.append(time.perf_counter() - t0)
                    self.start_cpu.append(cpu_seconds(group_pids(self.proc.pid)))
                    self.prefix = prefix
                    self.other_prefixes = {p: probe_status(self.port, p + self.probe_suffix, self.probe_headers)
                                           for p in self.prefixes if p != prefix}
                    return
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with status {self.proc.returncode} before answering; "
                                 f"its log ({self.log_path.relative_to(REPO)}) says:\n{tail(self.log_path)}")
            now = time.perf_counter()
            if now > deadline or (answered is not None and now > answered + settle):
                replies = "; ".join(reply_text(self.port, p + self.probe_suffix, self.probe_headers) for p in self.prefixes)
                raise BenchError(f"{self.name} did not answer 200 on GET {' or '.join(p + self.probe_suffix for p in self.prefixes)} "
                                 f"within {now - t0:.0f} s (it answered: {replies}); "
                                 f"its log ({self.log_path.relative_to(REPO)}) says:\n{tail(self.log_path)}")
            time.sleep(0.01)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            code = self.proc.returncode if self.proc else None
            raise BenchError(f"{self.name} died (exit status {code}); its log ({self.log_path.relative_to(REPO)}) says:\n"
                             f"{tail(self.log_path)}")

    def pids(self) -> list[int]:
        return group_pids(self.proc.pid) if self.alive() else []

    def sample_memory(self) -> None:
        pids = self.pids()
        self.nprocs = len(pids)
        hwm = [status_kib(p, "VmHWM") for p in pids]
        rss = [status_kib(p, "VmRSS") for p in pids]
        self.peak_rss_kib = sum(x for x in hwm if x) or None
        self.rss_kib = sum(x for x in rss if x) or None

    def trim_log(self, limit: int = 20 << 20) -> None:
        with contextlib.suppress(OSError):
            if self.log_path.stat().st_size > limit:
                os.truncate(self.log_path, 0)

    def stop(self) -> None:
        if self.proc is None:
            return
        kill_group(self.proc)
        self.proc = None


def kill_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers of the group, if any
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)


def tail(path: Path, lines: int = 15) -> str:
    """The lines of the last start's log that say what went wrong, else its last lines."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    last = text[text.rfind("\n=== ") + 1:].splitlines()[1:]  # after the command line start() wrote
    last = [ln.strip() for ln in last if ln.strip()]
    hits = [i for i, ln in enumerate(last) if re.search(r"(?i)\b(error|could not|cannot|exception|failed|invalid)", ln)]
    if not hits:
        return "\n".join(last[-lines:])
    picked = dict.fromkeys(last[j] for i in hits[:4] for j in range(i, min(i + 3, len(last))))  # each with 2 lines after
    return "\n".join(picked)


def probe_status(port: int, path: str, headers: dict[str, str]) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp.status
    except (OSError, http.client.HTTPException):
        return None


def reply_text(port: int, path: str, headers: dict[str, str]) -> str:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = " ".join(resp.read()[:300].decode("utf-8", "replace").split())
        conn.close()
    except (OSError, http.client.HTTPException) as exc:
        return f"{path}: nothing ({exc.__class__.__name__})"
    return f"{path}: {resp.status} `{body[:120]}`"


def sample_reply(port: int, path: str, auth: bool) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Accept": "application/json"}
    if auth:
        headers.update(BEARER)
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    # Whitespace folded: some peers pretty-print, and the body shows in a table row.
    return {"status": resp.status, "bytes": len(body), "body": " ".join(body[:400].decode("utf-8", "replace").split())[:160],
            "content_type": resp.getheader("content-type"),
            "violations": resp.getheader("sl-violations") or "; ".join(  # what Prism or Specmatic found wrong
                f"{h}: {resp.getheader(h)}" for h in ("x-specmatic-result", "x-specmatic-type") if resp.getheader(h))}


LAGO = "openapi/lago.yaml"
# The commands as a user types them, for the results (S is the document, P the port).
SHOWN = {
    "prism": "prism mock S -p P -h 127.0.0.1",
    "prism-silent": "prism mock S -p P -h 127.0.0.1 -v silent",
    "wiremock": ("wiremock --port P --bind-address 127.0.0.1 --root-dir tests/benchmark/wiremock --disable-banner "
                 "--max-request-journal-entries 1000"),
    "mockoon": "mockoon-cli start --data S --port P --hostname 127.0.0.1 --disable-log-to-file",
    "specmatic": "specmatic stub S --port P --host 127.0.0.1 --noConsoleLog",
    "ceiling": ".venv/bin/python tests/benchmark/ceiling_app.py --port P  (uvicorn, 1 process)",
    "ceiling-granian": (".venv/bin/granian --interface asgi --http 1 --no-ws --workers 1 --port P "
                        "ceiling_app:app  (in tests/benchmark/)"),
}


def make_server(args: argparse.Namespace, name: str, bins: dict[str, Path], doc: str | None = None,
                extra: list[str] | None = None, label: str | None = None) -> Server:
    """The server `name` on Lago's document (doc None: as the load runs it) or on `doc`; `extra`
    flags for the mock; `label` names it in the results (default: name)."""
    root = args.mock_root
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    spec = doc or LAGO
    shown = SHOWN.get(name, "").replace(" S ", f" {Path(spec).name if doc else spec} ")
    if name == "mock":
        if root != REPO:  # measure another checkout: its package first on the path
            env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
        venv_bin = REPO / ".venv" / "bin"
        mockserver = venv_bin / "mockserver" if (venv_bin / "mockserver").exists() else Path(sys.executable).parent / "mockserver"
        flags = (["--spec", doc] if doc else []) + (extra or [])
        shown = " ".join([".venv/bin/mockserver serve", *(["--spec", Path(doc).name] if doc else []), *(extra or []),
                          "--port P --quiet"])
        return Server(label or name, [str(mockserver), "serve", *flags, "--port", "{port}", "--quiet"], root, env, shown)
    if name == "ceiling":
        return Server(name, [sys.executable, str(CEILING), "--port", "{port}"], REPO, env, shown)
    if name == "ceiling-granian":
        granian = Path(sys.executable).parent / "granian"
        return Server(name, [str(granian), "--interface", "asgi", "--http", "1", "--no-ws", "--workers", "1",
                             "--log-level", "warning", "--host", "127.0.0.1", "--port", "{port}", "ceiling_app:app"],
                      HERE, env, shown)
    cmd = {
        "prism": ["mock", spec, "-p", "{port}", "-h", "127.0.0.1"],
        "prism-silent": ["mock", spec, "-p", "{port}", "-h", "127.0.0.1", "-v", "silent"],
        # The open-source WireMock has no OpenAPI import: it serves the one hand-written mapping.
        "wiremock": ["--port", "{port}", "--bind-address", "127.0.0.1", "--root-dir", str(HERE / "wiremock"),
                     "--disable-banner", "--max-request-journal-entries", "1000"],
        "mockoon": ["start", "--data", spec, "--port", "{port}", "--hostname", "127.0.0.1", "--disable-log-to-file"],
        "specmatic": ["stub", spec, "--port", "{port}", "--host", "127.0.0.1", "--noConsoleLog"],
    }[name]
    if doc and name == "specmatic":  # on a start-up its console log says why a document did not load
        cmd.remove("--noConsoleLog")
        shown = shown.replace(" --noConsoleLog", "")
    # Run from .bench/ (document by absolute path): Specmatic writes build/reports/ into its working folder.
    cmd = [str(root / a) if a == spec else a for a in cmd]
    return Server(label or name, [str(bins[PEER_OF[name]]), *cmd], WORK, env, shown, prefixes=CANDIDATE_PREFIXES)


# --------------------------------------------------------------------------- wrk


UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def to_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * UNIT[m.group(2)]


@dataclass
class Run:
    server: str
    workload: str
    round: int
    rps: float
    p50: float
    p99: float
    requests: int
    seconds: float
    non2xx: int
    statuses: dict[str, int]
    socket_errors: str
    server_cpu: float
    core_busy: float  # the server core's busy time over the run, whoever used it
    kept: bool = True

    @property
    def other_share(self) -> float:
        """Share of the server's core used by anything but the server (other processes, kernel)."""
        return max(0.0, self.core_busy - self.server_cpu) / self.seconds if self.seconds else 0.0

    @property
    def cpu_share(self) -> float:
        return self.server_cpu / self.seconds if self.seconds else 0.0

    @property
    def per_cpu_second(self) -> float:
        return self.requests / self.server_cpu if self.server_cpu else 0.0


def parse_wrk(text: str) -> dict:
    def grab(pattern: str, default=None):
        m = re.search(pattern, text, re.M)
        return m.group(1) if m else default

    rps = grab(r"^Requests/sec:\s+([\d.]+)")
    p50, p99 = grab(r"^\s+50%\s+(\S+)"), grab(r"^\s+99%\s+(\S+)")
    done = re.search(r"^\s+(\d+) requests in ([\d.]+)(\w+),", text, re.M)
    if rps is None or p50 is None or p99 is None or done is None:
        raise BenchError(f"could not read wrk's output:\n{text}")
    seconds = float(done.group(2)) * UNIT[done.group(3)] / 1e3
    counts = grab(r"^STATUS_COUNTS (.*)$", "")
    statuses = dict(part.split("=") for part in counts.split(",") if "=" in part)
    return {
        "rps": float(rps), "p50": to_ms(p50), "p99": to_ms(p99), "requests": int(done.group(1)),
        "seconds": seconds, "non2xx": int(grab(r"Non-2xx or 3xx responses:\s+(\d+)", "0")),
        "statuses": {k: int(v) for k, v in statuses.items()},
        "socket_errors": grab(r"Socket errors:\s+(.*)$", "none"),
    }


def wrk_cmd(pin: list[str], server: Server, workload: str, duration: float, connections: int, token: int,
            threads: int = 1) -> list[str]:
    return pin + ["wrk", f"-t{threads}", f"-c{max(connections, threads)}", f"-d{max(1, round(duration))}s", "--latency", "--timeout", "10s",
                  "-s", str(LUA), f"http://127.0.0.1:{server.port}/", "--",
                  workload, server.prefix, SAME_ID, str(token)]


def run_wrk(pin: list[str], server: Server, workload: str, duration: float, connections: int,
            rnd: int, token: int, threads: int = 1) -> Run:
    server.check_alive()
    pids = server.pids()
    cpu0, busy0 = cpu_seconds(pids), core_busy_seconds(SERVER_CORE)
    proc = subprocess.Popen(wrk_cmd(pin, server, workload, duration, connections, token, threads),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=duration + 60)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise BenchError(f"wrk against {server.name} ({workload}) did not finish within {duration + 60:.0f}s")
    finally:
        if proc.poll() is None:
            kill_group(proc)
    cpu1, busy1 = cpu_seconds(pids), core_busy_seconds(SERVER_CORE)
    if proc.returncode != 0:
        raise BenchError(f"wrk against {server.name} ({workload}) failed (status {proc.returncode}):\n{out}")
    server.check_alive()
    server.trim_log()
    return Run(server.name, workload, rnd, server_cpu=cpu1 - cpu0, core_busy=busy1 - busy0, **parse_wrk(out))


# --------------------------------------------------------------------------- report


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt_ms(ms: float) -> str:
    return f"{ms:.2f} ms" if ms < 100 else f"{ms:.0f} ms"


def fmt_ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def mem_total() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "?"


def git_state(root: Path) -> str:
    try:
        rev = run_quiet(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], timeout=30)
        dirty = run_quiet(["git", "-C", str(root), "status", "--porcelain"], timeout=30).stdout.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return "(git not available)"
    head = rev.stdout.strip()
    digest = hashlib.sha256()
    for path in sorted((root / "mockserver").rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    sources = f"; mockserver/*.py sha256 {digest.hexdigest()[:12]}"
    label = os.environ.get("BENCH_MOCK_LABEL")
    if rev.returncode != 0 or not head:
        return f"{label or '(not a git checkout)'}{sources}"
    return f"{head}" + (f", working tree with {len(dirty)} uncommitted change(s)" if dirty else ", clean working tree") + sources


def peer_versions(bins: dict[str, Path]) -> str:
    if not bins:
        return "no npm peer run"
    names = ", ".join(f"{p} {PEERS[p].version} (`{PEERS[p].package}`)" for p in PEERS if p in bins)
    java = first_line(["java", "-version"]) if any(PEERS[p].min_java for p in bins) else ""
    return f"{names}; npm, in .bench/; Node {first_line(['node', '--version'])}" + (f"; {java}" if java else "")


def machine_lines(args: argparse.Namespace, bins: dict[str, Path], pin_note: str, load_before: str) -> list[str]:
    uvicorn_version = first_line([sys.executable, "-c", "import uvicorn; print(uvicorn.__version__)"])
    uvloop = first_line([sys.executable, "-c", "import uvloop; print('uvloop ' + uvloop.__version__)"])
    httptools = first_line([sys.executable, "-c", "import httptools; print('httptools ' + httptools.__version__)"])
    return [
        f"- date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {os.cpu_count()} cores (`nproc`: {first_line(['nproc'])}), {cpu_model()}, {mem_total()} RAM, "
        f"Linux {platform.release()}",
        f"- Python {platform.python_version()} ({sys.executable}); uvicorn {uvicorn_version}"
        f" ({uvloop if uvloop.startswith('uvloop') else 'no uvloop'}, "
        f"{httptools if httptools.startswith('httptools') else 'no httptools'})",
        f"- peers: {peer_versions(bins)}",
        f"- {first_line(['wrk', '-v']).split(' Copyright')[0]}",
        f"- mock: {args.mock_root} at {git_state(args.mock_root)}",
        f"- load: wrk -t1 -c{args.connections}, {args.duration:g} s per run, {args.rounds} interleaved round(s) "
        f"(order rotated each round), {args.warmup:g} s unrecorded warm-up per server and workload, "
        f"loopback 127.0.0.1; {pin_note}",
        f"- load average before: {load_before}; after: {loadavg()}",
    ]


def loadavg() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


def statuses_text(counter: Counter) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counter.items())) or "-"


def medians(runs: list[Run]) -> dict:
    """Per (server, workload): the medians of the kept runs, and their summed statuses."""
    by = defaultdict(list)
    for r in runs:
        if r.kept:
            by[(r.server, r.workload)].append(r)
    return {key: {"rps": median([r.rps for r in rs]), "p50": median([r.p50 for r in rs]),
                  "p99": median([r.p99 for r in rs]), "cpu": median([r.cpu_share for r in rs]),
                  "eff": median([r.per_cpu_second for r in rs]),
                  "other": median([r.other_share for r in rs]),
                  "statuses": sum((Counter(r.statuses) for r in rs), Counter()),
                  "non2xx": sum(r.non2xx for r in rs), "requests": sum(r.requests for r in rs), "n": len(rs),
                  "errors": sorted({r.socket_errors for r in rs if r.socket_errors not in ("none", "")})}
            for key, rs in by.items()}


def start_cells(s: Server) -> str:
    return f"{median(s.starts):.2f} s ({'; '.join(f'{x:.2f}' for x in s.starts)})"


def rss_cell(kib: int | None, nprocs: int = 1) -> str:
    return (f"{kib / 1024:.1f} MiB" if kib else "?") + (f" ({nprocs} processes)" if nprocs > 1 else "")


def report(args, servers: list[Server], runs: list[Run], samples: dict, header: list[str], notes: list[str],
           not_run: dict[str, str], startup: dict | None, workers: dict | None, parts: list[str] | None = None) -> str:

    out = ["# Benchmark: mock vs Prism, WireMock, Mockoon, Specmatic and a bare ASGI ceiling", "",
           "Written by `make bench` (tests/benchmark/bench.py); overwritten on every run.", ""]
    out += header + [""]

    if "load" in args.parts:
        out += load_sections(args, servers, runs, samples, not_run)
    if startup is not None:
        out += startup_section(args, startup)
    if workers is not None:
        out += workers_section(args, workers)
    if parts is not None:
        out += ["## Parts: the JSON encoder and the validator, in-process", "",
                "On 2,000 records the mock generates for new ids of Lago's activity log (tests/benchmark/parts.py), "
                "process CPU time, best of 3. The ASGI server is judged in the load above: `ceiling` (uvicorn) "
                "against `ceiling-granian`, the same app.", ""] + parts + [""]

    if notes:
        out += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]

    if not runs:
        return "\n".join(out)
    out += ["## Every run", "",
            f"In the order they ran. A run during which more than {args.max_other:g} of the server's core went to "
            f"other processes was run again (at most {args.retries} times) and only the least noisy one counts.", "",
            "| round | workload | server | req/s | p50 | p99 | server CPU | other on core | counted | statuses |",
            "|---:|---|---|---:|---:|---:|---:|---:|---|---|"]
    for r in runs:
        out.append(f"| {r.round} | {r.workload} | {r.server} | {r.rps:,.0f} | {fmt_ms(r.p50)} | {fmt_ms(r.p99)} | "
                   f"{r.cpu_share:.2f} | {r.other_share:.2f} | {'yes' if r.kept else 'no (noisier)'} | "
                   f"{statuses_text(Counter(r.statuses))} |")
    out.append("")
    return "\n".join(out)


def load_sections(args, servers: list[Server], runs: list[Run], samples: dict, not_run: dict[str, str]) -> list[str]:
    names = [s.name for s in servers]
    med = medians(runs)
    out = []
    out += ["## Servers", "",
            "| server | command (pinned with `taskset -c 0`) | URL answered | start-up to first 200 (median; all) | peak RSS (VmHWM) | RSS at end |",
            "|---|---|---|---|---|---|"]
    for s in servers:
        out.append(f"| {s.name} | `{s.shown}` | `GET {s.prefix}/<id>` | {start_cells(s)} | "
                   f"{rss_cell(s.peak_rss_kib, s.nprocs)} | {rss_cell(s.rss_kib)} |")
    for name, why in not_run.items():
        out.append(f"| {name} | `{SHOWN[name].replace(' S ', f' {LAGO} ')}` | not run: {md_cell(why)} | | | |")
    out.append("")

    out += ["## Results (median of the rounds)", "",
            "req/s, p50 and p99 from wrk (`--latency`); *server CPU* is the server's CPU time over the run's "
            "wall time (1.00 = its whole core); *req per CPU-s* is requests over the server's CPU seconds, "
            "which is less sensitive to other load on the machine; *other on core* is the share of the "
            "server's core that went to anything else during the run (other processes, kernel: noise); statuses are summed over the rounds "
            "(counted by the wrk script), non-2xx is wrk's *Non-2xx or 3xx responses*.", "",
            "| workload | server | req/s | p50 | p99 | server CPU | other on core | req per CPU-s | runs | non-2xx | statuses |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for w in WORKLOADS:
        for n in names:
            m = med.get((n, w))
            if not m:
                continue
            out.append(f"| {WORKLOAD_TITLES[w]} | {n} | {m['rps']:,.0f} | {fmt_ms(m['p50'])} | {fmt_ms(m['p99'])} | "
                       f"{m['cpu']:.2f} | {m['other']:.2f} | {m['eff']:,.0f} | {m['n']} | {m['non2xx']:,} | {statuses_text(m['statuses'])} |")
    out.append("")
    errs = [(k, m["errors"]) for k, m in med.items() if m["errors"]]
    if errs:
        out += ["Socket errors reported by wrk: " + "; ".join(f"{k[0]}/{k[1]}: {' | '.join(e)}" for k, e in errs), ""]

    ratio_rows = []
    for other in names:
        if "mock" not in names or other == "mock":
            continue
        for w in WORKLOADS:
            a, b = med.get(("mock", w)), med.get((other, w))
            if a and b:
                ratio_rows.append(f"| mock / {other} | {WORKLOAD_TITLES[w]} | {fmt_ratio(a['rps'], b['rps'])} | "
                                  f"{fmt_ratio(a['p50'], b['p50'])} | {fmt_ratio(a['p99'], b['p99'])} | "
                                  f"{fmt_ratio(a['eff'], b['eff'])} |")
    if ratio_rows:
        out += ["## Ratios", "",
                "Throughput below 1 means the mock serves fewer requests per second; latency above 1 means "
                "the mock is slower.", "",
                "| ratio | workload | req/s | p50 | p99 | req per CPU-s |", "|---|---|---:|---:|---:|---:|"]
        out += ratio_rows + [""]

    out += ["## One request of each workload, before the load", "",
            "| server | workload | status | bytes | content-type | body starts | what the peer reports (sl-violations, x-specmatic-*) |",
            "|---|---|---:|---:|---|---|---|"]
    for (n, w), s in samples.items():
        out.append(f"| {n} | {w} | {s['status']} | {s['bytes']} | {s['content_type'] or ''} | `{md_cell(s['body'][:70])}` | "
                   f"{md_cell(s['violations'] or '')} |")
    out.append("")
    return out


def md_cell(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return (text[:limit] + (" ..." if len(text) > limit else "")).replace("|", "\\|")


def startup_section(args, startup: dict) -> list[str]:
    doc, target = startup["doc"], startup["target"]
    out = ["## Start-up on the largest test document", ""]
    if target is None:
        return out + [f"Not measured: {startup['why']}.", ""]
    out += [f"`{shown_path(doc)}` ({doc.stat().st_size / 1024:,.0f} KiB), "
            + ("given by --startup-doc. " if args.startup_doc else "the largest file in `tests/data/specs/` at run time. ")
            + f"Time from process start to the first 200 on "
            f"`GET {target.base}{target.path}` ("
            + (f"or without the base path `{target.base}`, which Prism and Specmatic drop; " if target.base else "")
            + f"{target.operation}: {target.why}), polled every 10 ms; "
            f"{args.starts} start(s) per server, interleaved, servers on core {SERVER_CORE}. The mock's *cold* "
            f"start has an empty `MOCKSERVER_CACHE_DIR`, its *warm* start is the next one, on the cache the cold "
            f"one filled. *CPU* is the server's user + system seconds at its first 200 (/proc): on a "
            f"machine others share, the figure that holds still.", "",
            "| server | command | URL answered | start-up to first 200 (median; all) | CPU (median; all) | "
            "peak RSS (VmHWM) at the first 200 |",
            "|---|---|---|---|---|---|"]
    for s in startup["servers"]:
        if s.starts:
            cpu = f"{median(s.start_cpu):.2f} s ({'; '.join(f'{x:.2f}' for x in s.start_cpu)})"
            out.append(f"| {s.name} | `{s.shown}` | `GET {s.prefix}` | {start_cells(s)} | {cpu} | "
                       f"{rss_cell(s.peak_rss_kib, s.nprocs)} |")
    for name, why in startup["skipped"].items():
        out.append(f"| {name} | | not measured: {md_cell(why, 700)} | | | |")
    return out + [""]


def workers_section(args, workers: dict) -> list[str]:
    out = ["## Scale-out: the mock with `--workers N`", ""]
    if not workers["servers"]:
        return out + [f"Not measured: {workers['why']}.", ""]
    med = medians(workers["runs"])
    names = [s.name for s in workers["servers"]]
    out += [f"{workers['how']} Workloads {', '.join(WORKLOAD_TITLES[w] for w in SCALE_WORKLOADS)}; "
            f"wrk -c{args.connections}, {args.duration:g} s per run, median of {args.rounds} interleaved round(s); "
            f"*CPU* is the server's, in cores; *x1* is req/s against `--workers 1`.", ""]
    if workers["skipped"]:
        out += [f"Not run: `--workers {', '.join(map(str, workers['skipped']))}` need more cores than this "
                f"machine's {workers['cores']}.", ""]
    out += ["| workload | " + " | ".join(f"{n}: req/s, p99, CPU, x1" for n in names) + " | statuses |",
            "|---|" + "---:|" * len(names) + "---|"]
    for w in SCALE_WORKLOADS:
        cells, statuses = [], []
        base = med.get((names[0], w))
        for name in names:
            m = med.get((name, w))
            if not m:
                cells.append("not run")
                continue
            cells.append(f"{m['rps']:,.0f}, {fmt_ms(m['p99'])}, {m['cpu']:.2f}, "
                         f"{fmt_ratio(m['rps'], base['rps']) if base else '-'}")
            statuses.append(statuses_text(m["statuses"]))
        out.append(f"| {WORKLOAD_TITLES[w]} | " + " | ".join(cells) + f" | {'; '.join(statuses)} |")
    out += ["", "Start-up to first 200: " + ", ".join(
        f"{s.name} {start_cells(s)} (peak RSS {rss_cell(s.peak_rss_kib, s.nprocs)})" for s in workers["servers"]) + ".", ""]
    return out


def auto_notes(servers: list[Server], samples: dict, runs: list[Run]) -> list[str]:
    notes = []
    for s in servers:
        if s.other_prefixes:
            others = "; ".join(f"`{p}/<id>` answered {st if st is not None else 'nothing'}"
                               for p, st in s.other_prefixes.items())
            notes.append(f"{s.name} answered 200 on `{s.prefix}/<id>` and was measured there ({others})"
                         + (": it serves the document's paths without the servers' base path."
                            if s.prefix != CANDIDATE_PREFIXES[0] else "."))
    for s in servers:
        if s.name == "ceiling":
            mine = [r for r in runs if r.server == "ceiling"]
            cpu, other = median([r.cpu_share for r in mine]), median([r.other_share for r in mine])
            if mine and cpu < 0.9 and other < 0.1:
                notes.append(f"The ceiling did not fill its core (server CPU {cpu:.2f} with the core otherwise "
                             "free): at that rate wrk and the loopback path are part of the limit, so its figures "
                             "are a lower bound of what uvicorn alone can do, and the mock/ceiling ratios an upper "
                             "bound.")
    for s in servers:
        c = sum((Counter(r.statuses) for r in runs if r.server == s.name and r.workload == "noauth"), Counter())
        if c:
            sample = samples.get((s.name, "noauth"))
            what = statuses_text(c)
            extra = ""
            if sample:
                extra = f"; sample reply {sample['status']} `{sample['body'][:60]}`"
                if sample["violations"]:
                    extra += f" with `{md_cell(sample['violations'], 200)}`"
            notes.append(f"{s.name} on (c) without credentials: {what}{extra}.")
    names = {s.name for s in servers}
    for name, text in PEER_NOTES.items():
        if name in names or name + "-silent" in names:
            notes.append(text)
    return notes


# What each peer is asked to do here (the load's Lago document), as seen with the pinned versions.
PEER_NOTES = {
    "prism": "Prism runs in its default static mode: every id gets the document's example (same bytes), so for "
             "Prism (a) and (b) differ only in the path; the mock generates a record per id.",
    "wiremock": "WireMock serves the one hand-written mapping `tests/benchmark/wiremock/mappings/activity_log.json`: "
                "response templating puts the requested id into a fixed Lago activity-log body (the document's "
                "example). It checks no credentials (one mapping, no header matcher), so (c) gets that 200 too. "
                "Its request journal is bounded to 1000 entries like the mock's (unbounded by default).",
    "mockoon": "Mockoon CLI imports the OpenAPI document at start and answers every id with the 200's example "
               "(pretty-printed JSON); it checks no credentials. `--disable-log-to-file` keeps its log of every "
               "request out of ~/.mockoon-cli/logs; the same log still goes to its console (no flag turns it off).",
    "specmatic": "Specmatic's stub generates a random body from the schema on every request (`x-specmatic-type: random`: "
                 "it uses response examples only with a matching request example) and answers 400 when the "
                 "Authorization header that the contract requires is missing. `--noConsoleLog`: no request log, "
                 "like the mock's `--quiet`.",
}


# --------------------------------------------------------------------------- start-up on the largest document

SPECS_DIR = REPO / "tests" / "data" / "specs"
DOC_SERVERS = ("mock", "prism", "prism-silent", "mockoon", "specmatic")  # the ones that load an OpenAPI file
NO_DOC = {"wiremock": "the open-source WireMock has no OpenAPI import: it serves only its mappings"}


def shown_path(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def largest_document() -> Path | None:
    docs = [p for p in SPECS_DIR.glob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file()]
    return max(docs, key=lambda p: (p.stat().st_size, p.name)) if docs else None


@dataclass
class Target:
    """What start-up polls on a document: a GET that should answer 200."""
    path: str  # the document's path, parameters filled
    base: str  # the first server's URL path, "" if none
    operation: str
    headers: dict[str, str]
    why: str

    @property
    def prefixes(self) -> tuple[str, ...]:  # with and without the base path (Prism and Specmatic drop it)
        return tuple(dict.fromkeys(p for p in (self.base + self.path, self.path)))


def pointer(doc: dict, ref: str):
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node.get(part) if isinstance(node, dict) else None
    return node


def deref(doc: dict, node):
    """Follows local `$ref`s (a few levels); None where one points outside the document."""
    for _ in range(20):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        node = pointer(doc, node["$ref"]) if node["$ref"].startswith("#/") else None
    return node


def example_value(doc: dict, param: dict):
    """A value for a path parameter: its example, else its schema's example, default, first enum
    value, else one of the schema's type."""
    if "example" in param:
        return param["example"]
    for ex in (param.get("examples") or {}).values():
        ex = deref(doc, ex)
        if isinstance(ex, dict) and "value" in ex:
            return ex["value"]
    schema = deref(doc, param.get("schema")) or {}
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    for key in ("examples", "enum"):
        if schema.get(key):
            return schema[key][0]
    kind = schema.get("type")
    kind = next((t for t in kind if t != "null"), None) if isinstance(kind, list) else kind
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    return SAME_ID if schema.get("format") == "uuid" else "bench"


def credentials(doc: dict, requirements) -> tuple[dict[str, str], str] | None:
    """Headers that meet one of the security requirements (any value: mocks take any), or None."""
    if not requirements or {} in requirements:
        return {}, "no security"
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    for req in requirements:
        headers, ok = {}, True
        for name in req:
            scheme = deref(doc, schemes.get(name)) or {}
            kind = scheme.get("type")
            if kind in ("oauth2", "openIdConnect") or (kind == "http" and scheme.get("scheme", "").lower() == "bearer"):
                headers.update(BEARER)
            elif kind == "http" and scheme.get("scheme", "").lower() == "basic":
                headers["Authorization"] = "Basic YmVuY2g6YmVuY2g="  # bench:bench
            elif kind == "apiKey" and scheme.get("in") == "header":
                headers[scheme["name"]] = "bench-key"
            else:
                ok = False
        if ok:
            return headers, f"credentials for {' + '.join(req)}"
    return None


def poll_target(path: Path) -> tuple[Target | None, str]:
    """The first GET of the document, in its order, that declares a 200, needs no query, header or
    cookie parameter and whose security a header can meet; path parameters from examples."""
    import yaml  # the mock's own dependency, in the venv

    text = path.read_text()
    try:
        doc = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (ValueError, yaml.YAMLError) as exc:
        return None, f"{path.name} does not parse: {exc}"
    server = ((doc.get("servers") or [{}])[0] or {})
    url = server.get("url", "")
    for var, spec in (server.get("variables") or {}).items():
        url = url.replace("{" + var + "}", str((spec or {}).get("default", "")))
    base = re.sub(r"^[a-z]+://[^/]*", "", url).rstrip("/")
    for template, item in (doc.get("paths") or {}).items():
        item = deref(doc, item) or {}
        op = item.get("get")
        if not isinstance(op, dict) or not any(str(code) == "200" for code in op.get("responses") or {}):
            continue
        params = {}
        for param in (item.get("parameters") or []) + (op.get("parameters") or []):
            param = deref(doc, param) or {}
            params[(param.get("name"), param.get("in"))] = param
        if any(p.get("required") and where != "path" for (_, where), p in params.items()):
            continue
        auth = credentials(doc, op.get("security", doc.get("security")))
        if auth is None:
            continue
        filled = template
        for (name, where), param in params.items():
            if where == "path":
                filled = filled.replace("{" + str(name) + "}", urllib.parse.quote(str(example_value(doc, param)), safe=""))
        return Target(filled, base, op.get("operationId") or f"GET {template}", auth[0],
                      f"the first GET in the document with a 200, no required query/header/cookie parameter "
                      f"({template}{', path parameters from examples' if '{' in template else ''}; {auth[1]})"), ""
    return None, f"{path.name} has no GET with a 200 that needs no query, header or cookie parameter"


def startup_on_document(args: argparse.Namespace, bins: dict[str, Path], not_run: dict[str, str], pin: list[str]) -> dict:
    """Times process start -> first 200 on the largest document in tests/data/specs/: the mock with
    an empty cache (cold) and again on that cache (warm), and every selected peer that loads it."""
    doc = args.startup_doc.resolve() if args.startup_doc else largest_document()
    out = {"doc": doc, "target": None, "servers": [], "skipped": {}}
    if doc is None:
        out["why"] = f"no document in {SPECS_DIR.relative_to(REPO)}"
        return out
    target, why = poll_target(doc)
    out["target"], out["why"] = target, why
    if target is None:
        return out
    servers: list[tuple[Server, str | None]] = []  # (server, the cache it starts on: mock only)
    for name in args.servers:
        if name in not_run:
            out["skipped"][name] = not_run[name]
        elif name in NO_DOC:
            out["skipped"][name] = NO_DOC[name]
        elif name == "mock":
            servers += [(make_server(args, name, bins, str(doc), label="mock, cold cache"), "cold"),
                        (make_server(args, name, bins, str(doc), label="mock, warm cache"), "warm")]
        elif name in DOC_SERVERS:
            servers.append((make_server(args, name, bins, str(doc)), None))
    for s, _ in servers:
        s.prefixes, s.probe_suffix, s.probe_headers = target.prefixes, "", target.headers
    print(f"bench: start-up on {shown_path(doc)} ({doc.stat().st_size / 1024:,.0f} KiB), polling GET "
          f"{target.base}{target.path}", flush=True)
    cache = None
    try:
        for i in range(args.starts):
            for s, kind in list(servers):
                if kind == "cold":  # an empty MOCKSERVER_CACHE_DIR; the warm start after it reuses it
                    if cache:
                        shutil.rmtree(cache, ignore_errors=True)
                    cache = WORK / f"cache-{os.getpid()}-{i}"
                    shutil.rmtree(cache, ignore_errors=True)
                if kind:
                    s.env["MOCKSERVER_CACHE_DIR"] = str(cache)
                try:
                    s.start(pin, timeout=300)
                except BenchError as exc:
                    if s.name.startswith("mock"):
                        raise
                    out["skipped"][s.name] = str(exc)
                    servers.remove((s, kind))
                    continue
                finally:
                    s.sample_memory()
                    s.stop()
                print(f"  start {i + 1}/{args.starts} {s.name}: {s.starts[-1]:.2f} s to first 200 ({s.prefix})", flush=True)
    finally:
        for s, _ in servers:
            s.stop()
        if cache:
            shutil.rmtree(cache, ignore_errors=True)
    out["servers"] = [s for s, _ in servers]
    return out


# --------------------------------------------------------------------------- scale-out: --workers N


def workers_flag(args: argparse.Namespace) -> bool:
    mock = make_server(args, "mock", {})
    try:
        text = run_quiet([mock.cmd[0], "serve", "--help"], cwd=mock.cwd, env=mock.env).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--workers" in text


def scale_plan(cores: int, counts: tuple[int, ...] = SCALE_WORKERS, taskset: bool = True
               ) -> tuple[list[tuple[int, list[str], list[str], int]], list[int], str]:
    """Which worker counts run, and how: [(N, server pin, wrk pin, wrk threads)], the counts left
    out for want of cores, and a sentence on the placement. N runs when the machine has N cores.
    When it has twice the largest N, every N gets cores 0..N-1 and wrk the others (one thread per
    core, at most N); else every N shares all cores with wrk, unpinned, so that the ratios compare
    like with like (on 2 cores: 1 and 2 workers, shared; 4 and 8 left out)."""
    running = [n for n in counts if n <= cores]
    skipped = [n for n in counts if n > cores]
    if not running:
        return [], skipped, "Nothing to run."
    if taskset and cores >= 2 * max(running):
        runs = [(n, ["taskset", "-c", f"0-{n - 1}"], ["taskset", "-c", f"{n}-{cores - 1}"], min(n, cores - n))
                for n in running]
        return runs, skipped, (f"{cores} cores: N workers on cores 0..N-1 (`taskset`), wrk on the other cores with "
                               f"one thread per core, at most N.")
    runs = [(n, [], [], 1) for n in running]
    return runs, skipped, (f"{cores} cores, fewer than twice the largest worker count: the server and wrk (one "
                           f"thread) share every core, unpinned, so the figures say how much more workers gain while "
                           f"the load generator competes with them, not what free cores would give.")


def workers_comparison(args: argparse.Namespace, token: int) -> dict:
    """The mock with --workers 1, 2, 4, 8 (as many as the machine's cores allow; scale_plan)."""
    out = {"servers": [], "runs": [], "samples": {}, "skipped": [], "cores": os.cpu_count() or 1}
    if not workers_flag(args):
        out["why"] = ("`mockserver serve --help` has no `--workers` in the measured checkout, so there is "
                      "nothing to compare")
        return out
    plan, out["skipped"], out["how"] = scale_plan(out["cores"], taskset=bool(shutil.which("taskset")))
    if out["skipped"]:
        print(f"  --workers {', '.join(map(str, out['skipped']))}: not run, they need more cores than this "
              f"machine's {out['cores']}", flush=True)
    placed = [(make_server(args, "mock", {}, extra=["--workers", str(n)], label=f"--workers {n}"), pin, load, threads)
              for n, pin, load, threads in plan]
    out["servers"] = [s for s, *_ in placed]
    try:
        for s, pin, _load, _threads in placed:
            s.start(pin)
            print(f"  {s.name}: {s.starts[-1]:.2f} s to first 200", flush=True)
        for s, _pin, load, threads in placed:
            if args.warmup > 0:
                for w in SCALE_WORKLOADS:
                    token += 1
                    run_wrk(load, s, w, args.warmup, args.connections, 0, token, threads)
        for rnd in range(1, args.rounds + 1):
            order = placed if rnd % 2 else placed[::-1]
            for w in SCALE_WORKLOADS:
                for s, _pin, load, threads in order:
                    token += 1
                    r = run_wrk(load, s, w, args.duration, args.connections, rnd, token, threads)
                    out["runs"].append(r)
                    print(f"  round {rnd} {w:6} {s.name:12} {r.rps:9,.0f} req/s  p50 {fmt_ms(r.p50):>9}  "
                          f"p99 {fmt_ms(r.p99):>9}  cpu {r.cpu_share:.2f}  {statuses_text(Counter(r.statuses))}", flush=True)
        for s, *_ in placed:
            s.sample_memory()
    finally:
        for s, *_ in placed:
            s.stop()
    return out


# --------------------------------------------------------------------------- main flows


def start_all(servers: list[Server], starts: int, pin: list[str], not_run: dict[str, str]) -> None:
    """Timed start-ups, interleaved; the last start of each server stays up. A peer that does not
    start is dropped (noted in not_run); the mock or the ceiling failing stops the bench."""
    for i in range(starts):
        for s in list(servers):
            try:
                s.start(pin)
            except BenchError as exc:
                s.stop()
                if s.name not in PEER_OF:
                    raise
                not_run[s.name] = f"did not start: {exc}"
                servers.remove(s)
                print(f"  {s.name}: not run: {exc}", flush=True)
                continue
            print(f"  start {i + 1}/{starts} {s.name}: {s.starts[-1]:.2f} s to first 200 "
                  f"(port {s.port}, {s.prefix})", flush=True)
            if i < starts - 1:
                s.stop()


def benchmark(args: argparse.Namespace) -> int:
    started = time.monotonic()
    load_before = loadavg()
    ensure_wrk()
    bins, missing, installs = ensure_peers(sorted({PEER_OF[n] for n in args.servers if n in PEER_OF}))
    not_run = {n: missing[PEER_OF[n]] for n in args.servers if PEER_OF.get(n) in missing}
    if "ceiling-granian" in args.servers and "load" in args.parts:
        try:
            ensure_granian()
        except BenchError as exc:
            not_run["ceiling-granian"] = str(exc)
    pin_server, pin_load, pin_note = pinning()
    LOGS.mkdir(parents=True, exist_ok=True)
    for old in LOGS.glob("*.log"):
        old.unlink()
    servers = [make_server(args, n, bins) for n in args.servers if n not in not_run] if "load" in args.parts else []
    per_run = args.duration + 1.5
    planned = (args.rounds * len(WORKLOADS) * len(servers) * per_run + len(WORKLOADS) * len(servers) * (args.warmup + 1)
               + sum(map(on_jvm, args.servers)) * args.jvm_warmup
               + ("workers" in args.parts) * len(scale_plan(os.cpu_count() or 1)[0]) * len(SCALE_WORKLOADS)
               * (args.rounds * per_run + args.warmup + 1))
    print(f"bench: {', '.join(args.servers)}; parts {', '.join(args.parts)}; {args.rounds} round(s) x "
          f"{len(WORKLOADS)} workloads x {args.duration:g} s; about {planned / 60 + 0.5:.0f} min of load after start-up",
          flush=True)

    runs: list[Run] = []
    samples: dict = {}
    notes: list[str] = [f"Installed {n} {PEERS[n].version} into .bench/ in {t:.0f} s." for n, t in installs.items()]
    token = int(time.time()) & 0xFFFFFF
    retried = 0
    calm_waited = 0.0
    try:
        start_all(servers, args.starts, pin_server, not_run)
        for s in servers:
            for w in WORKLOADS:
                rid = SAME_ID if w != "new" else f"{token:08x}-0000-4000-8000-{0:012x}"
                samples[(s.name, w)] = sample_reply(s.port, f"{s.prefix}/{rid}", auth=(w != "noauth"))
        jvm = [s for s in servers if on_jvm(s.name)]
        if jvm and args.jvm_warmup > 0:
            for s in jvm:
                for w in WORKLOADS:
                    token += 1
                    run_wrk(pin_load, s, w, args.jvm_warmup / len(WORKLOADS), args.connections, 0, token)
            notes.append(f"{' and '.join(s.name for s in jvm)} (JVM) got {args.jvm_warmup:g} s more of unrecorded load "
                         "first, spread over the workloads: the JVM compiles hot code under load (in a trial here "
                         "WireMock's req/s rose several-fold over its first 30 s) (BENCH_JVM_WARMUP).")
        if args.warmup > 0:
            for s in servers:
                for w in WORKLOADS:
                    token += 1
                    run_wrk(pin_load, s, w, args.warmup, args.connections, 0, token)
            if servers:
                print("  warmed up", flush=True)
        for rnd in range(1, args.rounds + 1 if servers else 1):
            left = args.max_seconds - (time.monotonic() - started)
            need = len(WORKLOADS) * len(servers) * per_run
            if rnd > 1 and need > left:
                notes.append(f"stopped after {rnd - 1} round(s): round {rnd} would pass --max-seconds "
                             f"{args.max_seconds:g}")
                print(f"bench: {notes[-1]}", flush=True)
                break
            shift = (rnd - 1) % len(servers)
            order = servers[shift:] + servers[:shift]
            for w in WORKLOADS:
                for s in order:
                    attempts: list[Run] = []
                    while True:
                        token += 1
                        calm_waited += wait_for_calm(args.max_other, max(0.0, CALM_BUDGET - calm_waited))
                        r = run_wrk(pin_load, s, w, args.duration, args.connections, rnd, token)
                        attempts.append(r)
                        runs.append(r)
                        print(f"  round {rnd} {w:6} {s.name:12} {r.rps:9,.0f} req/s  p50 {fmt_ms(r.p50):>9}  "
                              f"p99 {fmt_ms(r.p99):>9}  cpu {r.cpu_share:.2f}  other {r.other_share:.2f}  "
                              f"{statuses_text(Counter(r.statuses))}", flush=True)
                        if (r.other_share <= args.max_other or len(attempts) > args.retries
                                or time.monotonic() - started + per_run + 2 > args.max_seconds):
                            break
                        retried += 1
                        print(f"  (noisy: {r.other_share:.2f} of core {SERVER_CORE} went to other processes; again)",
                              flush=True)
                        time.sleep(2)
                    best = min(attempts, key=lambda a: a.other_share)
                    for a in attempts:
                        a.kept = a is best
        for s in servers:
            s.sample_memory()
    finally:
        for s in servers:
            s.stop()

    startup = startup_on_document(args, bins, not_run, pin_server) if "startup" in args.parts else None
    workers = None
    if "workers" in args.parts and "mock" in args.servers:
        print(f"bench: the mock with --workers {', '.join(map(str, SCALE_WORKERS))}, as the machine's cores allow",
              flush=True)
        workers = workers_comparison(args, token + 1000)

    parts = None
    if "parts" in args.parts:
        print("bench: the parts (JSON encoder, validator), in-process", flush=True)
        import parts as parts_module  # beside this file
        parts = parts_module.table()

    header = machine_lines(args, bins, pin_note, load_before)
    if calm_waited > 1:
        notes.append(f"Waited {calm_waited:.0f} s in all (at most {CALM_BUDGET:.0f} s) for other processes to leave "
                     f"core {SERVER_CORE} (busy under {args.max_other:g}) before measurements.")
    if retried:
        notes.append(f"{retried} measurement(s) were run again because other processes took more than "
                     f"{args.max_other:g} of the server's core (see *Every run*).")
    notes = auto_notes(servers, samples, [r for r in runs if r.kept]) + notes
    text = report(args, servers, runs, samples, header, notes, not_run, startup, workers, parts)
    args.results.write_text(text + "\n")
    print()
    print(text)
    print(f"bench: wrote {args.results} in {(time.monotonic() - started) / 60:.1f} min")
    return 0


# Where a frame's file belongs, first match wins: for the per-layer summary of a profile.
LAYERS = [
    ("openapi-core validation (+ jsonschema, attrs)", ("openapi_core", "openapi_schema_validator", "jsonschema",
                                                       "jsonschema_path", "referencing", "pathable", "rpds",
                                                       "openapi_spec_validator", "isodate", "rfc3339", "attr/")),
    ("connexion request validation", ("connexion/validators", "connexion/middleware/request_validation",
                                      "connexion/uri_parsing", "connexion/operations")),
    ("connexion middleware & app", ("connexion/",)),
    ("a2wsgi (ASGI->WSGI thread hop)", ("a2wsgi",)),
    ("Flask / Werkzeug", ("flask/", "werkzeug/")),
    ("Faker", ("faker/",)),
    ("mockserver: generator", ("mockserver/generate",)),
    ("mockserver: ASGI layers (traffic log/journal, replay, control)", (
        "mockserver/server/traffic.py", "mockserver/server/replay_cache.py", "mockserver/control/api.py", "mockserver/state/session_state.py")),
    ("mockserver: pipeline stages (guard, security, preferences, checks, respond, validate)", ("mockserver/",)),
    ("Starlette (CORS, datastructures)", ("starlette/",)),
    ("uvicorn / HTTP parsing", ("uvicorn/", "httptools", "h11/")),
    ("asyncio / uvloop / anyio", ("asyncio/", "uvloop", "anyio/")),
    ("threads / futures / queue", ("threading.py", "concurrent/", "queue.py")),
    ("JSON", ("json/", "orjson")),
    ("logging", ("logging/",)),
    ("copy / deepcopy", ("copy.py",)),
    ("yaml", ("yaml/",)),
    ("typing / dataclasses / abc / weakref", ("typing.py", "dataclasses.py", "abc", "functools.py", "enum.py",
                                              "_weakrefset.py", "inspect.py")),
]

# Frames on every stack of their thread (process entry, event loop, thread-pool plumbing): left out
# of the cumulative table and of the per-layer inclusive time, where they would say nothing.
ENTRY_FRAMES = (
    "<module> (mockserver)", "main (mockserver/cli.py)", "run (mockserver/launch/serve.py)", "Server.run (uvicorn/server.py)",
    "asyncio_run (uvicorn/_compat.py)", "Runner.run (asyncio/runners.py)", "Thread._bootstrap (threading.py)",
    "Thread._bootstrap_inner (threading.py)", "Thread.run (threading.py)", "_worker (concurrent/futures/thread.py)",
    "_WorkItem.run (concurrent/futures/thread.py)",
)


def layer_of(frame: str) -> str:
    m = re.search(r"\(([^()]*)\)\s*$", frame)
    where = m.group(1) if m else frame
    for name, needles in LAYERS:
        if any(n in where for n in needles):
            return name
    return "other"


def read_folded(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        stacks.append((frames, int(count)))
    return stacks


def short_frame(frame: str) -> str:
    frame = re.sub(r"/[^()]*/site-packages/", "", frame)
    frame = re.sub(r"/[^()]*/lib/python3\.\d+/", "", frame)
    return frame.replace(str(REPO) + "/", "")


def summarize_profile(path: Path, top: int = 15):
    stacks = read_folded(path)
    total = sum(c for _, c in stacks)
    own, cum, layer_own, layer_cum, threads = Counter(), Counter(), Counter(), Counter(), Counter()
    for frames, count in stacks:
        if not frames:
            continue
        names = [short_frame(f) for f in frames]
        threads["a2wsgi pool thread (Flask app)" if "Thread._bootstrap (threading.py)" in names
                else "event-loop thread"] += count
        leaf = names[-1]
        own[leaf] += count
        layer_own[layer_of(leaf)] += count
        inner = {f for f in names if f not in ENTRY_FRAMES}
        for f in inner:
            cum[f] += count
        for layer in {layer_of(f) for f in inner} | {layer_of(leaf)}:
            layer_cum[layer] += count
    return (total, own.most_common(top), cum.most_common(top), layer_own.most_common(), layer_cum.most_common(),
            threads.most_common())


def thread_text(main_cpu: float, others: list[float], all_cpu: float, threads: list, total: int) -> str:
    measured_pool = sum(others) / all_cpu
    sampled_pool = sum(c for n, c in threads if n != "event-loop thread") / total if total else 0.0
    if not others:
        text = ("CPU time by thread, measured (/proc/<pid>/task/*/stat): all of it on the event-loop (main) "
                "thread; no other thread used CPU (no thread pool in the request path).")
    else:
        text = (f"CPU time by thread, measured (/proc/<pid>/task/*/stat): event-loop (main) thread "
                f"{100 * main_cpu / all_cpu:.0f}%, the {len(others)} other threads (a2wsgi's pool running the "
                f"Flask app) {100 * measured_pool:.0f}%; in the GIL samples: {100 * sampled_pool:.0f}%.")
        if abs(measured_pool - sampled_pool) > 0.1:
            text += (" py-spy's `--gil` split is off the measured one here, so read the percentages below as "
                     "a ranking, not exact shares.")
    return text


def profile(args: argparse.Namespace) -> int:
    ensure_wrk()
    py_spy = ensure_py_spy()
    pin_server, pin_load, pin_note = pinning()
    LOGS.mkdir(parents=True, exist_ok=True)
    args.servers = ["mock"]
    mock = make_server(args, "mock", {})
    sections = []
    token = int(time.time()) & 0xFFFFFF
    load_before = loadavg()
    try:
        mock.start(pin_server)
        print(f"profile: mock up in {mock.starts[-1]:.2f} s (pid {mock.proc.pid}, port {mock.port})", flush=True)
        for w in ("same", "new"):
            token += 1
            run_wrk(pin_load, mock, w, max(args.warmup, 2), args.connections, 0, token)  # warm up
            raw = WORK / f"profile-{w}.txt"
            token += 1
            wait_for_calm(0.1, 30)
            load = subprocess.Popen(wrk_cmd(pin_load, mock, w, args.profile_duration + 4, args.connections, token),
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    start_new_session=True)
            try:
                time.sleep(1.5)
                pids = mock.pids()
                (u0, s0), busy0, t0 = cpu_split(pids), core_busy_seconds(SERVER_CORE), time.monotonic()
                th0 = thread_cpu(mock.proc.pid)
                spy = run_quiet(pin_load + [str(py_spy), "record", "--pid", str(mock.proc.pid), "-d",
                                            str(int(args.profile_duration)), "-r", "100", "--gil", "--nonblocking", "--format", "raw",
                                            "--nolineno", "-o", str(raw)], timeout=args.profile_duration + 60)
                (u1, s1), busy1, t1 = cpu_split(pids), core_busy_seconds(SERVER_CORE), time.monotonic()
                cpu0, cpu1 = u0 + s0, u1 + s1
                th1 = thread_cpu(mock.proc.pid)
                out, _ = load.communicate(timeout=args.profile_duration + 60)
            finally:
                if load.poll() is None:
                    kill_group(load)
            if spy.returncode != 0 or not raw.exists():
                raise BenchError(f"py-spy failed (status {spy.returncode}):\n{spy.stderr.strip()[-2000:]}")
            wrk = parse_wrk(out)
            total, own, cum, layer_own, layer_cum, threads = summarize_profile(raw, top=20)
            print(f"profile: {w}: {total} samples, {wrk['rps']:,.0f} req/s under py-spy, raw stacks in {raw}", flush=True)
            ticks = 100 * args.profile_duration
            used = {tid: th1.get(tid, 0.0) - th0.get(tid, 0.0) for tid in th1}
            main_cpu = used.get(mock.proc.pid, 0.0)
            others = [v for tid, v in used.items() if tid != mock.proc.pid and v > 0]
            all_cpu = main_cpu + sum(others) or 1.0
            sec = [f"## Workload {WORKLOAD_TITLES[w]}", "",
                   f"{total} samples with a thread holding the GIL, out of about {ticks:.0f} ticks (100 Hz over "
                   f"{args.profile_duration:g} s): a thread of the mock held the GIL in {100 * total / ticks:.0f}% of the "
                   f"ticks, while the mock used {(cpu1 - cpu0) / (t1 - t0):.2f} of its core ({(u1 - u0) / (t1 - t0):.2f} user, "
                   f"{(s1 - s0) / (t1 - t0):.2f} kernel) "
                   f"(other processes on that core: {max(0.0, (busy1 - busy0) - (cpu1 - cpu0)) / (t1 - t0):.2f}). "
                   f"uvloop's and httptools' C code runs with the GIL held and shows under the Python frame "
                   f"that called it (`Runner.run` is the event loop itself). wrk meanwhile: {wrk['rps']:,.0f} req/s, p50 {fmt_ms(wrk['p50'])}, "
                   f"statuses {statuses_text(Counter(wrk['statuses']))}. Raw folded stacks: `.bench/profile-{w}.txt`. "
                   f"Percentages below are of the GIL samples.", "",
                   thread_text(main_cpu, others, all_cpu, threads, total), "",
                   "### By layer", "", "| layer | own | inclusive |", "|---|---:|---:|"]
            inclusive = dict(layer_cum)
            for name, count in layer_own:
                sec.append(f"| {name} | {100 * count / total:.1f}% | {100 * inclusive.get(name, 0) / total:.1f}% |")
            sec += ["", f"### Top {len(own)} frames by own time", "", "| own | frame |", "|---:|---|"]
            sec += [f"| {100 * c / total:.1f}% | `{f}` |" for f, c in own]
            sec += ["", f"### Top {len(cum)} frames by cumulative time", "",
                    "(Entry frames that are on every stack of their thread, such as `Server.run`, `Runner.run`, "
                    "`Thread.run`, are left out.)", "", "| cumulative | frame |", "|---:|---|"]
            sec += [f"| {100 * c / total:.1f}% | `{f}` |" for f, c in cum]
            sec.append("")
            sections.append("\n".join(sec))
    finally:
        mock.stop()
    head = ["# Profile of the mock under load", "",
            "Written by `make bench ARGS=--profile` (`py-spy record --gil --nonblocking --format raw --nolineno -r 100`, while wrk "
            "drives the workload); overwritten on every run. `--gil` samples only the thread holding the GIL: "
            "without it py-spy also counts a2wsgi's pool threads parked in `Condition.wait` (it does not see "
            "them as idle), which hides the work. *Own* is time in the frame itself; *cumulative* / "
            "*inclusive* is time with the frame (or layer) anywhere on the stack.", "",
            f"- date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}; {os.cpu_count()} cores, "
            f"{cpu_model()}; Python {platform.python_version()}; {first_line([str(py_spy), '--version'])}",
            f"- mock: `{mock.shown}`, {args.mock_root} at {git_state(args.mock_root)}",
            f"- wrk -t1 -c{args.connections}; {pin_note}; py-spy on the load core",
            f"- load average before: {load_before}; after: {loadavg()}", ""]
    text = "\n".join(head) + "\n" + "\n".join(sections)
    PROFILE_RESULTS.write_text(text + "\n")
    print()
    print(text)
    print(f"profile: wrote {PROFILE_RESULTS}")
    return 0


def main(argv: list[str] | None = None) -> int:
    def on_term(signum, frame):  # make `kill` of the bench clean up like Ctrl-C does
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        args = parse_args(argv)
        return profile(args) if args.profile else benchmark(args)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
