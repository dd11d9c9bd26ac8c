"""Debian packages a test needs (Chromium, redis-server): installed with apt-get when missing
and the tests run as root, otherwise the tests that need them are skipped, saying why."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

APT_TIMEOUT = 900  # seconds, for each apt-get step


def _apt_get(*args: str) -> str:
    """Run one apt-get step non-interactively; fail the test run with its output if it fails."""
    command = ["apt-get", *args]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT)
    except subprocess.TimeoutExpired as timeout:
        output = timeout.stdout or ""  # bytes even with text=True, when the timeout hits
        output = output.decode(errors="replace") if isinstance(output, bytes) else output
        pytest.fail(f"{' '.join(command)} timed out after {APT_TIMEOUT}s:\n{output[-4000:]}", pytrace=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {done.returncode}:\n{(done.stdout + done.stderr)[-4000:]}", pytrace=False)
    return done.stdout


def require(files: tuple[Path, ...], packages: tuple[str, ...]) -> None:
    """Make sure `files` exist, installing `packages` if they do not (as root), else skip."""
    if all(path.is_file() for path in files):
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(f"{' or '.join(map(str, files))} is missing and cannot be installed here "
                    f"(needs root and apt-get): apt-get install {' '.join(packages)}")
    started = time.monotonic()
    _apt_get("update")
    _apt_get("install", "-y", "--no-install-recommends", *packages)
    print(f"\ninstalled {' '.join(packages)} in {time.monotonic() - started:.0f}s")
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        pytest.fail(f"apt-get installed {' '.join(packages)} but {', '.join(missing)} is still missing", pytrace=False)
