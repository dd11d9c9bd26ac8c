"""`make bench`'s scale-out part (tests/benchmark/bench.py `scale_plan`): which `--workers N` run on
a machine, where the server and wrk go, and what is left out for want of cores."""

from __future__ import annotations

import sys

from tests.mockserver_process import REPO

sys.path.insert(0, str(REPO / "tests" / "benchmark"))
from bench import scale_plan  # noqa: E402


def test_two_cores_run_one_and_two_workers_unpinned_and_name_the_rest() -> None:
    runs, skipped, how = scale_plan(2)
    assert runs == [(1, [], [], 1), (2, [], [], 1)]
    assert skipped == [4, 8]
    assert how.startswith("2 cores, fewer than twice the largest worker count: the server and wrk (one thread) "
                          "share every core, unpinned")


def test_sixteen_cores_give_the_server_and_wrk_cores_of_their_own() -> None:
    runs, skipped, how = scale_plan(16)
    assert runs == [
        (1, ["taskset", "-c", "0-0"], ["taskset", "-c", "1-15"], 1),
        (2, ["taskset", "-c", "0-1"], ["taskset", "-c", "2-15"], 2),
        (4, ["taskset", "-c", "0-3"], ["taskset", "-c", "4-15"], 4),
        (8, ["taskset", "-c", "0-7"], ["taskset", "-c", "8-15"], 8),
    ]
    assert skipped == []
    assert how == "16 cores: N workers on cores 0..N-1 (`taskset`), wrk on the other cores with one thread per core, at most N."


def test_every_count_shares_when_the_largest_cannot_have_cores_of_its_own() -> None:
    """Pinned and shared figures in one table would make the ratios compare unlike things."""
    runs, skipped, _how = scale_plan(8)
    assert [n for n, *_ in runs] == [1, 2, 4, 8] and skipped == []
    assert all(pin == [] and load == [] and threads == 1 for _n, pin, load, threads in runs)
    runs, _skipped, _how = scale_plan(32, taskset=False)
    assert all(pin == [] for _n, pin, _load, _threads in runs)
