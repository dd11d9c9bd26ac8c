"""Serving one port from one process, or from N (`--workers N`), with the state where it belongs.

- One worker, no `--state`: the state lives in the process (state.py), as it always has.
- `--state URL`: the state lives in that store (store.py: Redis for instances on several
  machines, a SQLite file for several on one machine) and the process keeps a replica of it
  (replica.py).
- `--workers N` without `--state`: the workers share an embedded store, a SQLite file in a
  folder of their own that goes away with them. Embedded rather than a Redis the user must
  run: `--workers 2` should be as easy to try as `--workers 1`.

Workers are forked from the process that loaded the documents and bound the socket, so they
start in milliseconds and share the loaded documents' memory (`gc.freeze()` first, so the
collector does not copy every page on its first pass). All of them accept on the one listening
socket. Each opens its own connection to the store after the fork: no connection crosses
processes. A worker that dies (even `kill -9`) is replaced while the others keep serving, and
the supervisor tells the store at once, so that no change waits for the dead one's
acknowledgement. Workers that keep dying before they are ready (`WORKER_START_FAILURES` in a
row) stop the server with one line, exit 2, rather than loop. The embedded state outlives any
worker: only a clean stop of the whole server removes it, and a `--state sqlite:PATH` is never
removed. Forking needs a POSIX system.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from mockserver.base import defaults
from mockserver.base.config import ServeConfig
from mockserver.base.user_errors import UserError
from mockserver.shared.store import StoreUnavailable, open_store

log = logging.getLogger("mockserver")


class WorkersGaveUp(UserError):
    """Workers kept dying at start: the server stopped (exit 2). `served`: after it had served."""

    def __init__(self, source: str, problem: str, served: bool) -> None:
        super().__init__(source, problem)
        self.served = served


@contextlib.contextmanager
def state_url(config: ServeConfig) -> Iterator[str | None]:
    """The shared store's URL (None: in-process state), reachable, or UserError (exit 2)."""
    url = config.state
    folder = None
    if url is None and config.workers > 1:
        folder = tempfile.mkdtemp(prefix="mockserver-state-")
        url = f"sqlite:{folder}/state.db"
    try:
        if url is not None:
            try:
                open_store(url).close()  # reachable now, and its tables made before the workers race for them
            except StoreUnavailable as exc:
                raise UserError("--state", f"the shared state cannot be used: {exc}") from None
        yield url
    except WorkersGaveUp as exc:
        if folder is None or not exc.served:  # no worker ever served: nothing was acknowledged
            raise
        kept, folder = folder, None  # what was acknowledged is not thrown away
        raise WorkersGaveUp(exc.source, f"{exc.problem}; the shared state is kept in {kept}", True) from None
    except UserError:
        raise  # a bad start-up: nothing was served
    except Exception:
        folder = None  # a bug of the mock: the state is kept for whoever looks into it
        raise
    finally:
        if folder is not None:  # a clean stop of the whole server: the embedded state goes with it
            shutil.rmtree(folder, ignore_errors=True)


def serve(app: Any, sock: socket.socket, config: ServeConfig, url: str | None,
          make_server: Callable[[Any], Any], ready: Callable[[], None]) -> int:
    """Serve until stopped; `ready` is called once every worker has its state and is about to
    accept (the banner's "Listening on" line, which tests and scripts wait for)."""
    if config.workers == 1:
        return _serve_one(app, sock, url, make_server, ready)
    return _supervise(app, sock, config.workers, url, make_server, ready)


def _serve_one(app: Any, sock: socket.socket, url: str | None, make_server: Callable[[Any], Any],
               ready: Callable[[], None], instance: str | None = None) -> int:
    replica = None
    if url is not None:
        from mockserver.shared.replica import Replica

        replica = app.engine.replica = Replica(open_store(url), app.engine.sessions, instance).start()
        # uvicorn raises the signal that stopped it again once it has shut down; SIGTERM's
        # default would end the process before the replica says goodbye to the store.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ready()
    try:
        make_server(app).run(sockets=[sock])
    finally:
        if replica is not None:
            replica.stop()
    return 0


@dataclass
class _Worker:
    instance: str  # its name in the store's acknowledgements (replica.instance_name)
    ready_r: int | None  # the read end of its ready pipe, until it said ready or died
    ready: bool = False
    ready_at: float = 0.0  # time.monotonic() when it said so

    def said(self, byte: bytes) -> None:
        if byte == b"." and not self.ready:
            self.ready, self.ready_at = True, time.monotonic()

    def failed_at_start(self) -> bool:
        return not self.ready or time.monotonic() - self.ready_at < defaults.WORKER_START_S


def _supervise(app: Any, sock: socket.socket, workers: int, url: str | None,
               make_server: Callable[[Any], Any], ready: Callable[[], None]) -> int:
    """Start `workers` workers and keep that many: one that dies is replaced (the others serve
    meanwhile, and the store forgets it at once, so no change waits for it). Stops them all
    on SIGINT/SIGTERM (0), or when workers keep dying before they are ready (UserError)."""
    from mockserver.shared.replica import instance_name

    children: dict[int, _Worker] = {}
    stopping = False
    failures: list[float] = []  # when each worker in a row that failed at start died
    announced = False
    supervisor = os.getpid()
    # SIGCHLD and the stop signals wake the loop below through this pipe (select cannot miss them)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    handled = {signal.SIGINT, signal.SIGTERM, signal.SIGCHLD}

    def start() -> None:
        ready_r, ready_w = os.pipe()  # a pipe of its own: the worker writes one byte when it is ready
        token = os.urandom(3).hex()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, handled)  # no supervisor handler runs in a worker
        try:
            pid = os.fork()
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            os.close(ready_r)
            os.close(ready_w)
            raise
        if pid == 0:  # the worker
            code = 1
            try:
                signal.set_wakeup_fd(-1)
                for fd in (ready_r, wake_r, wake_w, *(w.ready_r for w in children.values() if w.ready_r is not None)):
                    os.close(fd)
                for signum in handled:
                    signal.signal(signum, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                _die_with(supervisor)

                def said_ready() -> None:
                    os.write(ready_w, b".")
                    os.close(ready_w)
                code = _serve_one(app, sock, url, make_server, said_ready, instance_name(os.getpid(), token))
            except SystemExit as stopped:  # SIGTERM, once uvicorn has shut down
                code = stopped.code if isinstance(stopped.code, int) else 0
            except BaseException:  # noqa: BLE001 - a worker reports and exits, it never returns to the loop
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = _Worker(instance_name(pid, token), ready_r)  # before a stop signal can run
        os.close(ready_w)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            for pid in list(children):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)

    def reaped(pid: int, status: int) -> None:
        nonlocal gave_up
        worker = children.pop(pid, None)
        if worker is None:
            return
        if worker.ready_r is not None:  # it may have said ready just before it died
            worker.said(os.read(worker.ready_r, 1))
            os.close(worker.ready_r)
        _forget(url, worker.instance)
        if stopping:
            return
        code = os.waitstatus_to_exitcode(status)
        if not worker.failed_at_start():
            failures.clear()
            log.warning("worker %d stopped (exit %d); starting another", pid, code)
        else:
            now = time.monotonic()
            failures[:] = [t for t in failures if now - t < defaults.WORKER_FAILURE_WINDOW_S] + [now]
            if len(failures) >= defaults.WORKER_START_FAILURES:
                gave_up = f"{len(failures)} workers in a row failed at start (the last: exit {code}); stopped the server"
                log.error("worker %d failed at start (exit %d); stopping the others", pid, code)
                stop(signal.SIGTERM, None)
                return
            log.warning("worker %d failed at start (exit %d); starting another", pid, code)
            time.sleep(defaults.WORKER_RESTART_PAUSE_S * len(failures))
            if stopping:  # stopped meanwhile
                return
        start()

    gave_up: str | None = None
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    try:
        for _ in range(workers):
            start()
        while children:
            waiting = {w.ready_r: w for w in children.values() if w.ready_r is not None}
            readable, _, _ = select.select([wake_r, *waiting], [], [], 1.0)
            with contextlib.suppress(BlockingIOError):
                while os.read(wake_r, 512):
                    pass
            for fd in readable:
                worker = waiting.get(fd)
                if worker is not None:
                    worker.said(os.read(fd, 1))
                    os.close(fd)
                    worker.ready_r = None
            while True:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                reaped(pid, status)
            if not announced and not stopping and len(children) == workers and all(w.ready for w in children.values()):
                announced = True
                ready()
    finally:
        signal.set_wakeup_fd(-1)
        os.close(wake_r)
        os.close(wake_w)
    if gave_up is not None:
        raise WorkersGaveUp("--workers", gave_up, announced)
    return 0


def _die_with(supervisor: int) -> None:
    """A worker stops when its supervisor is gone, even killed: no orphan keeps the port."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != supervisor:  # gone before the line above
        os._exit(0)


_PR_SET_PDEATHSIG = 1


def _forget(url: str | None, instance: str) -> None:
    """Tell the store a dead worker is gone, so that no change waits for its acknowledgement.
    A connection of its own, closed at once: none may be open when the next worker is forked."""
    if url is None:
        return
    try:
        store = open_store(url)
        try:
            store.forget(instance)
        finally:
            store.close()
    except StoreUnavailable as exc:  # it is not waited for after ALIVE_S anyway
        log.warning("could not tell the shared state that a worker stopped: %s", exc)
