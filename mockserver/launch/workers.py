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
processes. A worker that dies is replaced, unless it died in its first seconds (then the
others are stopped and the command fails, rather than looping). Forking needs a POSIX system.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from typing import Any, Callable, Iterator

from mockserver.base.config import ServeConfig
from mockserver.base.user_errors import UserError
from mockserver.shared.store import StoreUnavailable, open_store

log = logging.getLogger("mockserver")

EARLY_DEATH_S = 3.0  # a worker that dies this soon after it started is a bug, not bad luck


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
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def serve(app: Any, sock: socket.socket, config: ServeConfig, url: str | None,
          make_server: Callable[[Any], Any], ready: Callable[[], None]) -> int:
    """Serve until stopped; `ready` is called once every worker has its state and is about to
    accept (the banner's "Listening on" line, which tests and scripts wait for)."""
    if config.workers == 1:
        return _serve_one(app, sock, url, make_server, ready)
    return _supervise(app, sock, config.workers, url, make_server, ready)


def _serve_one(app: Any, sock: socket.socket, url: str | None, make_server: Callable[[Any], Any],
               ready: Callable[[], None]) -> int:
    replica = None
    if url is not None:
        from mockserver.shared.replica import Replica

        replica = app.engine.replica = Replica(open_store(url), app.engine.sessions).start()
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


def _supervise(app: Any, sock: socket.socket, workers: int, url: str | None,
               make_server: Callable[[Any], Any], ready: Callable[[], None]) -> int:
    children: dict[int, float] = {}
    stopping = False
    started_r, started_w = os.pipe()  # each worker writes one byte when it is ready

    def start() -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                os.close(started_r)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                code = _serve_one(app, sock, url, make_server, lambda: os.write(started_w, b"."))
            except SystemExit as stopped:  # SIGTERM, once uvicorn has shut down
                code = stopped.code if isinstance(stopped.code, int) else 0
            except BaseException:  # noqa: BLE001 - a worker reports and exits, it never returns to the loop
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = time.monotonic()

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            for pid in list(children):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for _ in range(workers):
        start()
    os.close(started_w)
    if _wait_ready(started_r, workers):
        ready()
    failed = False
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        started = children.pop(pid, None)
        if started is None or stopping:
            continue
        code = os.waitstatus_to_exitcode(status)
        if time.monotonic() - started < EARLY_DEATH_S:
            log.error("worker %d stopped at start (exit %d); stopping the others", pid, code)
            failed = True
            stop(signal.SIGTERM, None)
            continue
        log.warning("worker %d stopped (exit %d); starting another", pid, code)
        start()
    return 1 if failed else 0


def _wait_ready(pipe: int, workers: int) -> bool:
    """Until every worker said it is ready (True), or one closed the pipe without (False)."""
    seen = 0
    with os.fdopen(pipe, "rb", buffering=0) as stream:
        while seen < workers:
            chunk = stream.read(workers - seen)
            if not chunk:
                return False
            seen += len(chunk)
    return True
