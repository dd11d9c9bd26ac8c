"""Every code block of README.md runs (issue 24), read from the README itself at test time, so an
example cannot drift from the code.

`sh` blocks run with bash from the repository root, `.venv/bin` replaced by this interpreter's
bin folder; a `mockserver serve ... &` line is started as a real server on a free port (`--port
0`, as tests/mockserver_process.py does) and the block's `127.0.0.1:4010`/`localhost:4010` point
at it; a block that starts none runs against a shared default server, reset first. Every curl's
status is recorded: none may be a 5xx, and one its comment names (`# the 404`) must be that one.
`python` blocks run with this interpreter, a pytest example (`def test_...`, its file named on
its first line) through pytest in a fresh folder; a block whose comment names a mock
(`#   mockserver serve ARGS &`) runs from the repository root beside that server. `text` blocks are not code. A block right after
`<!-- not run: runs the suite itself -->` (`make test` would run this test again) is skipped, and
at most two may be.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, start_server

README = REPO / "README.md"
NOT_RUN = "<!-- not run: runs the suite itself -->"
BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```(\S*)\s*$")
STATUS = re.compile(r"^@@status=(\d{3})$", re.M)
# curl as the README writes it, plus one line with its status, so a 5xx cannot pass unseen.
CURL = "curl() { command curl -sS -w '\\n@@status=%{http_code}\\n' \"$@\"; }\n"


@dataclass
class Block:
    line: int
    lang: str
    code: str
    not_run: bool


def readme_blocks() -> list[Block]:
    blocks: list[Block] = []
    lines = README.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        before = next((line.strip() for line in reversed(lines[:index]) if line.strip()), "")
        end = index + 1
        while not lines[end].startswith("```"):
            end += 1
        blocks.append(Block(index + 1, match.group(1), "\n".join(lines[index + 1:end]) + "\n",
                            before == NOT_RUN))
        index = end + 1
    return blocks


BLOCKS = readme_blocks()
RUN = [block for block in BLOCKS if block.lang != "text" and not block.not_run]


def clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MOCKSERVER_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def pointed_at(code: str, url: str) -> str:
    host = url.removeprefix("http://")
    return code.replace("http://127.0.0.1:4010", url).replace("localhost:4010", host)


@pytest.fixture(scope="module")
def default_server() -> Iterator[RunningServer]:
    running = start_server()
    yield running
    running.stop()


def test_the_readme_has_runnable_blocks_and_skips_at_most_two() -> None:
    assert all(block.lang in {"sh", "python", "text"} for block in BLOCKS), \
        [(block.line, block.lang) for block in BLOCKS]
    skipped = [block for block in BLOCKS if block.not_run]
    assert 1 <= len(skipped) <= 2
    assert all("make test" in block.code for block in skipped)
    assert len(RUN) >= 6


def run_group(argv: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run in a process group of its own, killed whole on timeout: a block that starts something
    long-running in the foreground must fail here, not leave it serving."""
    process = subprocess.Popen(argv, cwd=cwd, env=clean_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"{argv[-1][-300:]}\ndid not end in {timeout} s:\n{stdout}\n{stderr}")
    finally:
        try:  # whatever the block left in the background
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


def run_shell(block: Block, default_server: RunningServer) -> None:
    started: list[RunningServer] = []
    script: list[str] = []
    try:
        for line in block.code.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if len(words) >= 2 and words[0].endswith("mockserver") and words[1] == "serve":
                assert words[-1] == "&", f"README line {block.line}: runs in the background"
                started.append(start_server(*words[2:-1]))
            else:
                script.append(line)
        if started:
            url = started[-1].url
        else:
            url = default_server.url
            httpx.post(f"{url}/__mock/reset", timeout=10).raise_for_status()
        code = pointed_at("\n".join(script), url).replace(".venv/bin/", f"{BIN}/")
        done = run_group(["bash", "-c", "set -euo pipefail\n" + CURL + code], REPO)
    finally:
        for server in started:
            server.stop()
    assert done.returncode == 0, f"README line {block.line}:\n{done.stdout}\n{done.stderr}"
    statuses = [int(status) for status in STATUS.findall(done.stdout)]
    assert statuses == [] or all(0 < status < 500 for status in statuses), done.stdout
    curls = [line for line in script if re.match(r"\s*curl\s", line)]
    assert len(statuses) == len(curls), done.stdout
    for line, status in zip(curls, statuses):  # a status its comment promises ("# the 404")
        promised = re.search(r"#.*\b([1-5]\d\d)\b", line)
        assert not promised or int(promised.group(1)) == status, f"{line}\n{done.stdout}"


def run_python(block: Block, default_server: RunningServer, tmp_path: Path) -> None:
    if re.search(r"^def test_", block.code, re.M):
        name = re.match(r"# (\w+\.py)\n", block.code)
        assert name, f"README line {block.line}: a pytest example names its file on its first line"
        (tmp_path / name.group(1)).write_text(block.code, encoding="utf-8")
        done = run_group([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          name.group(1)], tmp_path, timeout=180)
        tests = len(re.findall(r"^def test_", block.code, re.M))
        assert done.returncode == 0 and f"{tests} passed" in done.stdout, done.stdout + done.stderr
        return
    # a comment line `#   mockserver serve ARGS &` names the mock the block runs beside
    own = re.search(r"^#\s+mockserver serve (.+) &$", block.code, re.M)
    server = start_server(*shlex.split(own.group(1))) if own else default_server
    try:
        if not own:
            httpx.post(f"{server.url}/__mock/reset", timeout=10).raise_for_status()
        done = run_group([sys.executable, "-c", pointed_at(block.code, server.url)], REPO if own else tmp_path)
    finally:
        if own:
            server.stop()
    assert done.returncode == 0, f"README line {block.line}:\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize("block", RUN, ids=[f"line{block.line}-{block.lang}" for block in RUN])
def test_readme_block_runs(block: Block, default_server: RunningServer, tmp_path: Path) -> None:
    if block.lang == "sh":
        run_shell(block, default_server)
    else:
        assert block.lang == "python"
        run_python(block, default_server, tmp_path)
