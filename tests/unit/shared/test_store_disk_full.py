"""SqliteStore when its file cannot grow (issue 23), without root: the database is capped with
`PRAGMA max_page_count` on the store's own connection, which fails a write with the same
SQLITE_FULL a full disk gives. tests/process/test_disk_full.py fills a real disk (root).

Before: a journal write that failed left its transaction open, and commit's ROLLBACK raised
"cannot rollback - no transaction is active" over the real error; every later write failed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.shared.store import SqliteStore, StoreFull

BIG = "x" * 20_000


@pytest.fixture
def store(tmp_path: Path):
    opened = SqliteStore(tmp_path / "state.db", reserve=0)
    yield opened
    opened.close()


def fill(store: SqliteStore) -> StoreFull:
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count={pages + 20}")
    for n in range(100):
        try:
            store.commit({"kind": "put", "n": n}, [("set", "~", f"r|api|pets|{n}", BIG)])
        except StoreFull as full:
            return full
    raise AssertionError("the store never filled up")


def test_a_full_store_refuses_a_write_with_store_full_naming_the_folder(store: SqliteStore, tmp_path: Path) -> None:
    full = fill(store)
    assert str(full) == f"sqlite:{tmp_path / 'state.db'}: the disk holding {tmp_path.resolve()} is full"
    assert not store._db.in_transaction


def test_after_a_full_store_reads_deletes_and_resets_go_on(store: SqliteStore) -> None:
    fill(store)
    store.journal_push([("~", BIG, 100)] * 5)  # dropped, with one warning: the journal is not worth a 503
    assert store.journal("~") == []
    _, tables = store.snapshot()
    kept = [name for name in tables["~"] if name.startswith("r|")]
    assert kept
    assert store.commit({"kind": "delete"}, [("del", "~", kept[0])]) is not None
    assert store.commit({"kind": "reset"}, [("drop", "~"), ("drop_journal", "~")]) is not None
    assert store.snapshot()[1]["~"] == {}
    assert store.commit({"kind": "put"}, [("set", "~", "r|api|pets|small", "{}")]) is not None
    store.ack("me", "1")
    assert store.acks()["me"][0] == "1"
