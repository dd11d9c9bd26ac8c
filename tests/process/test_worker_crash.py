"""Issue 23: `serve --workers N` survives its own workers' crashes.

Chaos tests against real servers: clients create and read records from several threads while
the test `kill -9`s a worker every few seconds. Afterwards the port must have kept answering
(connection errors only around each kill), every create that got a 2xx must be readable, with
the same body, on every process, no server-made id may have been handed out twice, and the
process tree must be whole (the supervisor with its N workers). Both stores: the embedded
SQLite of `--workers 2`, and two `--workers 2` instances on one real redis-server.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from tests.debian import require
from tests.mockserver_process import REPO, RunningServer, start_server
from tests.process.test_shared_state import REDIS_SERVER, TODOS_DOC, Redis

TASKS = "/todo-service/v2/projects/chaos/tasks"
WORKERS = 2
CHAOS_S = 20  # how long workers are killed for
KILL_EVERY_S = 3.0
THREADS = 4
WAIT_S = 30  # waits for processes to come back: never a timing assertion
ERRORS_TOLERATED = 0.05  # connection errors, as a share of requests: only around each kill

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads the process tree from /proc")


def children_of(pid: int) -> set[int]:
    """The live (not zombie) children of `pid`, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def wait_for_workers(server: RunningServer, count: int = WORKERS) -> set[int]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"the supervisor stopped: {server.log()[-3000:]}"
        pids = children_of(server.process.pid)
        if len(pids) == count:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"the supervisor has {children_of(server.process.pid)} for {count} workers")


class Load:
    """Threads that create tasks (server-made ids) and read each one back, until stopped."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.created: list[dict[str, Any]] = []  # every body a create answered 201 with
        self.requests = self.errors = 0
        self.unexpected: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(THREADS)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=WAIT_S)

    def _run(self, n: int) -> None:
        count = 0
        # no keep-alive: every request is a new connection, which the kernel gives to any worker
        with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=10) as client:
            while not self._stop.is_set():
                count += 1
                url = self.urls[count % len(self.urls)]
                created = self._call(client.post, f"{url}{TASKS}", json={"name": f"t{n}-{count}"})
                if created is None:
                    continue
                if created.status_code != 201:
                    self._unexpected(f"create: {created.status_code} {created.text[:200]}")
                    continue
                task = created.json()
                with self._lock:
                    self.created.append(task)
                read = self._call(client.get, f"{self.urls[(count + 1) % len(self.urls)]}{TASKS}/{task['id']}")
                if read is not None and (read.status_code, read.json()) != (200, task):
                    self._unexpected(f"read {task['id']}: {read.status_code} {read.text[:200]}")

    def _call(self, method, *args: Any, **kwargs: Any) -> httpx.Response | None:
        with self._lock:
            self.requests += 1
        try:
            return method(*args, **kwargs)
        except httpx.TransportError:
            with self._lock:
                self.errors += 1
            return None

    def _unexpected(self, what: str) -> None:
        with self._lock:
            self.unexpected.append(what)


def chaos(servers: list[RunningServer]) -> Load:
    """Create and read under load while a worker of each server in turn is killed."""
    for server in servers:
        wait_for_workers(server)
    with Load([server.url for server in servers]) as load:
        deadline, turn, kills = time.monotonic() + CHAOS_S, 0, 0
        while time.monotonic() < deadline:
            time.sleep(KILL_EVERY_S)
            server = servers[turn % len(servers)]
            turn += 1
            pids = sorted(wait_for_workers(server))
            os.kill(pids[turn % len(pids)], signal.SIGKILL)
            kills += 1
        time.sleep(1)  # some load after the last kill too
    assert kills >= CHAOS_S // KILL_EVERY_S - 1
    return load


def every_worker(server: RunningServer) -> Iterator[httpx.Client]:
    """A keep-alive connection to each worker in turn (new connections go to any of them)."""
    seen: set[str] = set()
    deadline = time.monotonic() + WAIT_S
    while len(seen) < WORKERS:
        assert time.monotonic() < deadline, f"only reached workers {seen}"
        with httpx.Client(base_url=server.url, timeout=10) as client:
            instance = client.get("/__mock/health").json()["state"]["instance"]
            if instance not in seen:
                seen.add(instance)
                yield client


def assert_survived(servers: list[RunningServer], load: Load) -> None:
    print(f"{load.requests} requests, {load.errors} connection errors, {len(load.created)} created")
    assert load.unexpected == []
    assert load.created, "no create succeeded"
    assert load.errors <= ERRORS_TOLERATED * load.requests, (load.errors, load.requests)
    ids = [task["id"] for task in load.created]
    assert len(ids) == len(set(ids)), "a server-made id was handed out twice"
    for server in servers:
        wait_for_workers(server)  # the tree is whole: the supervisor and its N workers
        for client in every_worker(server):
            listed = client.get(TASKS)
            assert listed.status_code == 200
            stored = {task["id"]: task for task in listed.json()}
            # every acknowledged create, as it was answered; creates whose reply was lost to a
            # kill may be there too, but with ids of their own
            assert [stored.get(task["id"]) for task in load.created] == load.created
            assert len(stored) == len(listed.json())
            for task in load.created[-20:]:
                assert client.get(f"{TASKS}/{task['id']}").json() == task


def state_folders(server: RunningServer) -> set[Path]:
    """The embedded store's folders, as the workers hold them open."""
    folders = set()
    for pid in children_of(server.process.pid):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if "mockserver-state-" in target:
                folders.add(Path(target).parent)
    return folders


def stop_cleanly(server: RunningServer) -> None:
    server.stop()
    assert server.process.returncode == 0, server.log()[-3000:]
    assert "Traceback" not in server.log()


ARGS = ("--spec", str(TODOS_DOC), "--quiet", "--records-per-resource", "100000")


def test_killed_workers_are_replaced_and_nothing_acknowledged_is_lost() -> None:
    server = start_server("--workers", str(WORKERS), *ARGS)
    try:
        wait_for_workers(server)
        folders = state_folders(server)
        assert len(folders) == 1
        load = chaos([server])
        assert_survived([server], load)
        assert state_folders(server) == folders and all(folder.is_dir() for folder in folders)
        assert "starting another" in server.log()
    finally:
        stop_cleanly(server)
    assert not any(folder.exists() for folder in folders), "a clean stop removes the embedded state"


def test_two_instances_on_one_redis_survive_their_workers_crashes(tmp_path_factory: pytest.TempPathFactory) -> None:
    require((REDIS_SERVER,), ("redis-server",))
    redis = Redis(tmp_path_factory.mktemp("redis"))
    redis.start()
    servers = []
    try:
        servers = [start_server("--workers", str(WORKERS), "--state", redis.url, *ARGS) for _ in range(2)]
        load = chaos(servers)
        assert_survived(servers, load)
    finally:
        for server in servers:
            stop_cleanly(server)
        redis.stop()


def test_a_sqlite_state_named_by_the_user_is_never_removed(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    server = start_server("--workers", str(WORKERS), "--state", f"sqlite:{path}", *ARGS)
    try:
        pids = wait_for_workers(server)
        created = httpx.post(server.url + TASKS, json={"name": "kept"})
        assert created.status_code == 201
        os.kill(min(pids), signal.SIGKILL)
        # a change right after the kill waits for the live worker only, not for the dead one
        after = httpx.post(server.url + TASKS, json={"name": "after"})
        assert after.status_code == 201
        wait_for_workers(server)
        assert children_of(server.process.pid) != pids
        assert "was not applied by every process" not in server.log()
    finally:
        stop_cleanly(server)
    assert path.is_file()
    again = start_server("--workers", str(WORKERS), "--state", f"sqlite:{path}", *ARGS)
    try:
        listed = httpx.get(again.url + TASKS).json()  # the stored tasks first, then the generated ones
        assert listed[:2] == [created.json(), after.json()] and all(task["id"] not in (1, 2) for task in listed[2:])
    finally:
        stop_cleanly(again)


CRASHING = """
import sys
from mockserver.launch import serve as cli_serve
def uvicorn_server(app):
    raise RuntimeError("this worker cannot start")
cli_serve.uvicorn_server = uvicorn_server
from mockserver.cli import main
sys.exit(main())
"""


def test_a_worker_that_keeps_dying_at_start_stops_the_server_with_one_line() -> None:
    done = subprocess.run([sys.executable, "-c", CRASHING, "serve", "--port", "0", "--workers", str(WORKERS), *ARGS],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr[-3000:]
    last = [line for line in done.stderr.splitlines() if line.startswith("mockserver:")]
    assert len(last) == 1 and "--workers: 5 workers in a row failed at start" in last[0], done.stderr[-3000:]
    kept = re.search(r"the shared state is kept in (\S+)", last[0])  # when a worker had said it was ready
    if kept:
        shutil.rmtree(kept.group(1))


def test_workers_stop_when_their_supervisor_is_killed() -> None:
    server = start_server("--workers", str(WORKERS), *ARGS)
    pids: set[int] = set()
    try:
        pids = wait_for_workers(server)
        server.process.kill()
        server.process.wait()
        deadline = time.monotonic() + WAIT_S
        while any(_alive(pid) for pid in pids):
            assert time.monotonic() < deadline, f"orphaned workers {pids} keep serving {server.url}"
            time.sleep(0.05)
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"
