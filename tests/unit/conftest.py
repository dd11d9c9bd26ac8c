"""The inner loop: everything here runs in this process, so `pytest tests/unit` takes seconds.

While a unit test is set up or runs, starting a process fails loudly: `subprocess` (and so
`start_server`, `run_cli`, asyncio's subprocesses), `os.fork`, `os.posix_spawn*`, `os.system` and
multiprocessing's spawn (`_posixsubprocess.fork_exec`) raise, and a test that swallows the error
still fails. These hooks run for the items under tests/unit only (a conftest's hooks apply to
its own folder), so tests/process is untouched even in one `pytest` run with both.
"""

from __future__ import annotations

import _posixsubprocess
import os
import subprocess
from contextlib import contextmanager
from typing import Iterator

import pytest

REFUSAL = "unit tests start no process: move this test to tests/process/"


class ProcessRefused(RuntimeError):
    pass


@contextmanager
def _no_processes() -> Iterator[list[str]]:
    """Patch every way this suite could start a process; yield the attempts made meanwhile."""
    attempts: list[str] = []

    def refuse(name: str):
        def refused(*args, **kwargs):
            attempts.append(f"{name}{tuple(args)[:1]!r}")
            raise ProcessRefused(f"{REFUSAL} ({name} was called)")
        return refused

    patch = pytest.MonkeyPatch()
    patch.setattr(subprocess, "Popen", refuse("subprocess.Popen"))
    for name in ("fork", "forkpty", "posix_spawn", "posix_spawnp", "system"):
        if hasattr(os, name):
            patch.setattr(os, name, refuse(f"os.{name}"))
    patch.setattr(_posixsubprocess, "fork_exec", refuse("_posixsubprocess.fork_exec"))
    try:
        yield attempts
    finally:
        patch.undo()


def _refusing(phase: str, item: pytest.Item):
    with _no_processes() as attempts:
        result = yield
    if attempts:  # raised already, unless the test caught it: fail it all the same
        raise ProcessRefused(f"{REFUSAL}: {item.nodeid} tried, in {phase}: {', '.join(attempts)}")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    return (yield from _refusing("setup", item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    return (yield from _refusing("the test", item))
