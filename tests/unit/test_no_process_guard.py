"""The unit tree's guard (tests/unit/conftest.py) is on while a unit test runs, and refuses each
way of starting a process, so a test that needs a server fails here instead of slowing the loop."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys

import pytest

from tests.mockserver_process import start_server
from tests.unit.conftest import REFUSAL, ProcessRefused, _no_processes

STARTS = {
    "subprocess": lambda: subprocess.run([sys.executable, "-c", "pass"]),
    "start_server": lambda: start_server(),
    "os.system": lambda: os.system("true"),
    "os.fork": lambda: os.fork(),
    "os.posix_spawn": lambda: os.posix_spawn(sys.executable, [sys.executable, "-c", "pass"], os.environ),
    "multiprocessing": lambda: multiprocessing.get_context("spawn").Process(target=print).start(),
}


def test_each_way_of_starting_a_process_is_refused_naming_the_remedy() -> None:
    assert "refused" in subprocess.Popen.__qualname__ and "refused" in os.fork.__qualname__  # on during the test
    for name, start in STARTS.items():
        with _no_processes() as attempts:  # nested, so what it records is this start's alone
            with pytest.raises(ProcessRefused) as refused:
                start()
        assert str(refused.value).startswith(REFUSAL) and len(attempts) == 1, name
