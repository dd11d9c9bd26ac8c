"""Start the real server as a user would (`python -m mockserver serve`), on a free port.

`--port 0` lets the server pick a free loopback port and name it in its banner, so there is
no race between choosing a port and binding it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LISTENING = re.compile(r"Listening on (http://\S+)")


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    banner: str
    stderr_path: Path
    _lines: list[str] = field(default_factory=list)

    def log(self) -> str:
        """Everything the server wrote to stderr so far (the request log)."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            if needle in text:
                return text
            time.sleep(0.02)
        return self.log()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(*args: str, cwd: Path = REPO, timeout: float = 60.0) -> RunningServer:
    stderr = Path(tempfile.mkstemp(prefix="mockserver-", suffix=".log")[1])
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", *args],
        cwd=cwd, stdout=subprocess.PIPE, stderr=stderr.open("w"), text=True, env=env,
    )
    lines: list[str] = []
    found: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            match = LISTENING.search(line)
            if match and not found:
                found.append(match.group(1))

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not found:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server did not start: {stderr.read_text()}{''.join(lines)}")
        time.sleep(0.02)
    return RunningServer(found[0], process, "".join(lines), stderr, lines)


def run_cli(*args: str, cwd: Path = REPO, timeout: float = 60.0) -> subprocess.CompletedProcess:
    """Run `python -m mockserver ...` to completion (for start-up failures)."""
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
    )
